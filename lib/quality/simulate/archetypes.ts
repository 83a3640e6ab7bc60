/**
 * The archetypes of the generative model: how a customer of each kind behaves on an
 * ordinary day (its profile), and how its behaviour bends during its "trouble" phase, the
 * `leadDays` before its churn day (its course). A troubled customer that is retained
 * (1 − churnProbability) goes through the same trouble and then recovers: the false alarms
 * a real customer base has.
 */

export const ARCHETYPES = [
  "steady",
  "power-user",
  "seasonal",
  "noisy-small",
  "silent-fade-out",
  "billing-failure",
  "support-frustration",
  "detractor",
  "downgrade-then-leave",
] as const;
export type Archetype = (typeof ARCHETYPES)[number];

/**
 * Archetypes whose ordinary days already set them apart (few seats and sparse use, many
 * seats and daily use, usage swinging with the seasons); the others behave alike until
 * their trouble starts. The backtest's ceiling (ceiling.ts) lets a model tell these apart.
 */
export const RECOGNIZABLE: ReadonlySet<Archetype> = new Set([
  "noisy-small",
  "power-user",
  "seasonal",
]);

type Range = readonly [number, number];

export interface Profile {
  /** Chance the customer churns at the end of its trouble phase. */
  readonly churnProbability: number;
  /** Days from the start of the trouble phase to the churn day. */
  readonly leadDays: Range;
  readonly seats: Range;
  /** Probability of an active day, on an ordinary day. */
  readonly activeDayRate: number;
  /** Core usage events per seat per active day. */
  readonly usagePerSeat: number;
  /** How many of the vocabulary's features it uses. */
  readonly features: Range;
  /** Share of the onboarding milestones it has reached. */
  readonly milestoneShare: number;
  readonly ticketsPerSeatMonth: number;
  /** Mean NPS answer (0-10); CSAT and CES answers follow it. */
  readonly npsMean: number;
  /** Chance of answering an NPS survey. */
  readonly surveyResponse: number;
}

const base: Profile = {
  churnProbability: 0.03,
  leadDays: [0, 0],
  seats: [5, 60],
  activeDayRate: 0.8,
  usagePerSeat: 1.6,
  features: [3, 6],
  milestoneShare: 0.8,
  ticketsPerSeatMonth: 0.04,
  npsMean: 8,
  surveyResponse: 0.45,
};

export const PROFILES: Readonly<Record<Archetype, Profile>> = {
  steady: base,
  "power-user": {
    ...base,
    churnProbability: 0.01,
    seats: [10, 150],
    activeDayRate: 0.95,
    usagePerSeat: 3.5,
    features: [5, 8],
    milestoneShare: 1,
    npsMean: 9.2,
    surveyResponse: 0.6,
  },
  seasonal: { ...base, churnProbability: 0.04 },
  "noisy-small": {
    ...base,
    churnProbability: 0.25,
    leadDays: [0, 14],
    seats: [1, 4],
    activeDayRate: 0.45,
    usagePerSeat: 1.2,
    features: [1, 4],
    milestoneShare: 0.5,
    ticketsPerSeatMonth: 0.15,
    npsMean: 7,
    surveyResponse: 0.3,
  },
  "silent-fade-out": { ...base, churnProbability: 0.9, leadDays: [30, 75], npsMean: 7.5 },
  "billing-failure": { ...base, churnProbability: 0.75, leadDays: [20, 45] },
  "support-frustration": { ...base, churnProbability: 0.7, leadDays: [30, 60], npsMean: 7 },
  detractor: { ...base, churnProbability: 0.6, leadDays: [40, 90], npsMean: 6.5 },
  "downgrade-then-leave": { ...base, churnProbability: 0.8, leadDays: [30, 70], seats: [10, 80] },
};

/** How the trouble phase bends an ordinary day; 1 and 0 leave it unchanged. */
export interface Bend {
  readonly usage: number;
  readonly active: number;
  readonly tickets: number;
  readonly urgentShare: number;
  readonly angryText: number;
  readonly reopen: number;
  /** Added to the mean NPS answer (CSAT and CES follow). */
  readonly mood: number;
  readonly surveyResponse: number;
  /** Share of usage events that are bad signs (errors). */
  readonly errors: number;
}

export const ORDINARY: Bend = {
  usage: 1,
  active: 1,
  tickets: 1,
  urgentShare: 0.1,
  angryText: 0.15,
  reopen: 0.08,
  mood: 0,
  surveyResponse: 1,
  errors: 0.01,
};

/** The bend of `archetype` at `progress` through its trouble phase (0 onset, 1 churn day). */
export function troubleBend(archetype: Archetype, progress: number): Bend {
  const p = Math.min(1, Math.max(0, progress));
  switch (archetype) {
    case "silent-fade-out":
      // Usage thins out to almost nothing; nobody complains, nobody answers surveys.
      return {
        ...ORDINARY,
        usage: 1 - 0.95 * p,
        active: 1 - 0.9 * p,
        surveyResponse: 0.3,
        tickets: 0.5,
      };
    case "billing-failure":
      // Payments fail (handled by the customer's billing course); usage sags late.
      return { ...ORDINARY, usage: 1 - 0.4 * p * p, active: 1 - 0.3 * p * p };
    case "support-frustration":
      return {
        ...ORDINARY,
        usage: 1 - 0.4 * p,
        tickets: 6,
        urgentShare: 0.5,
        angryText: 0.75,
        reopen: 0.35,
        mood: -3,
        errors: 0.08,
      };
    case "detractor":
      return { ...ORDINARY, usage: 1 - 0.3 * p, mood: -5, surveyResponse: 1.6, angryText: 0.4 };
    case "downgrade-then-leave":
      // Seats are cut at onset (billing course); what remains is used less and less.
      return { ...ORDINARY, usage: 0.8 - 0.6 * p, active: 1 - 0.4 * p, mood: -1.5 };
    case "noisy-small":
      return { ...ORDINARY, usage: 1 - 0.5 * p, active: 1 - 0.5 * p };
    default:
      return ORDINARY;
  }
}

/** Seasonal accounts: usage swings with a period of 8-13 weeks, down to a sixth of peak. */
export function seasonalFactor(day: number, periodDays: number, phase: number): number {
  return 0.58 + 0.42 * Math.sin((2 * Math.PI * (day + phase)) / periodDays);
}
