/**
 * The scoring model: one validated, versioned, hashed definition of how a customer's
 * aggregates become a score (design decision 8). The default lives in model.default.ts;
 * a deployment may point at another file with the same shape.
 */

import { createHash } from "node:crypto";
import * as z from "zod/mini";
import { EXACT_DAYS, RETENTION_DAYS } from "./history.ts";
import { SubscriptionStatus, TicketPriority } from "./signals.ts";

/** The longest half-life a model may read with (see DecaySettings). */
export const MAX_HALF_LIFE_DAYS = 180;

const finite = z.number().check(z.refine(Number.isFinite, "must be a finite number"));
const weight = finite.check(z.gte(0));
const percent = finite.check(z.gte(0), z.lte(100));
const positive = finite.check(z.gt(0));

/** Piecewise-linear map from a raw value to 0-100: [[x, y], ...] with ascending x. */
const Curve = z.array(z.tuple([finite, percent])).check(
  z.minLength(2),
  z.refine((points) => points.every((p, i) => i === 0 || p[0] > (points[i - 1]?.[0] ?? 0)), {
    message: "curve x values must ascend",
  }),
);
export type Curve = z.infer<typeof Curve>;

const Metric = z.strictObject({ weight, curve: Curve });
export type MetricSettings = z.infer<typeof Metric>;

/**
 * Half-lives, in days, of the decayed sums the model reads. Applied when reading the stored
 * day sums, so any value here reads the same history (history.ts); bounded so that the
 * retention (RETENTION_DAYS, 400) holds at least two of the longest.
 */
const halfLife = finite.check(z.gte(1), z.lte(MAX_HALF_LIFE_DAYS));
const DecaySettings = z.strictObject({
  usageShortDays: halfLife,
  usageLongDays: halfLife,
  surveyDays: halfLife,
  supportDays: halfLife,
  reopenDays: halfLife,
  billingDays: halfLife,
  disputeDays: halfLife,
});
export type DecaySettings = Readonly<z.infer<typeof DecaySettings>>;

export const COMPONENTS = ["engagement", "adoption", "sentiment", "support", "financial"] as const;
export type ComponentName = (typeof COMPONENTS)[number];

const Tiers = z.strictObject({ healthy: percent, atRisk: percent, margin: finite.check(z.gte(0)) });

const Segment = z.strictObject({
  name: z.string().check(z.minLength(1)),
  /** Every given condition must hold; the first matching segment wins. */
  when: z.strictObject({
    plans: z.optional(z.array(z.string())),
    minSeats: z.optional(finite),
    maxSeats: z.optional(finite),
    /** Monthly recurring revenue in minor units (cents). */
    minMrr: z.optional(finite),
    maxMrr: z.optional(finite),
  }),
  weights: z.optional(z.partialRecord(z.enum(COMPONENTS), weight)),
  tiers: z.optional(z.partial(Tiers)),
  keyFeatures: z.optional(z.array(z.string())),
});

/**
 * When a red flag is raised: every given condition holds (at least one is given). The
 * conditions read facts already stored (flags.ts says how each is read).
 */
const FlagCondition = z.strictObject({
  /** The subscription's status is one of these. */
  subscriptionStatus: z.optional(z.array(SubscriptionStatus).check(z.minLength(1))),
  /** The subscription is set to cancel at the end of its period (and has not ended yet). */
  cancelScheduled: z.optional(z.literal(true)),
  /** At least this many failed payments in the failure window, not recovered since. */
  minUnrecoveredFailedPayments: z.optional(z.number().check(z.int(), z.gte(1))),
  /** A payment dispute within about this many days (read from the decayed dispute sum). */
  disputeWithinDays: z.optional(positive),
  /**
   * MRR fell by at least this share (0.3 = 30%) against MRR at the contraction lookback
   * (`financial.contractionLookbackDays`): seats cut or a downgrade.
   */
  minMrrDrop: z.optional(finite.check(z.gt(0), z.lte(1))),
  /** No active day (usage with a positive impact) for at least this many days. */
  minDaysSilent: z.optional(z.number().check(z.int(), z.gte(1))),
  /** At least this many tickets open of an urgent priority (`support.urgentPriorities`). */
  minUrgentOpenTickets: z.optional(z.number().check(z.int(), z.gte(1))),
  /** The latest NPS answer is at most `score` (0-10) and was given within `withinDays`. */
  recentNpsAtMost: z.optional(
    z.strictObject({
      score: z.number().check(z.int(), z.gte(0), z.lte(10)),
      withinDays: positive,
    }),
  ),
});
export type FlagCondition = z.infer<typeof FlagCondition>;

export const FLAG_TIERS = ["critical", "at-risk"] as const;
const RedFlag = z.strictObject({
  /** The best tier a customer with this flag can have. */
  tier: z.enum(FLAG_TIERS),
  when: FlagCondition,
  /**
   * The highest score allowed while it is raised. Default: a tenth below the lowest score
   * of the tier above `tier`, so that score and tier agree.
   */
  maxScore: z.optional(percent),
});
export type RedFlagSettings = z.infer<typeof RedFlag>;

export const ALERT_KINDS = [
  "intoCritical",
  "healthyToAtRisk",
  "otherWorsening",
  "improvement",
  "drop",
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
/** page: Slack and email, loud. report: Slack only, quiet. none: recorded on the bus only. */
export const AlertLevel = z.enum(["page", "report", "none"]);
export type AlertLevel = z.infer<typeof AlertLevel>;

/** Strict: a misspelt key (say `minMRR`) is an error, not a silently ignored setting. */
export const Model = z.strictObject({
  version: z.string().check(z.regex(/^[\w.-]+$/)),
  description: z.optional(z.string()),
  decay: DecaySettings,
  /** Below this share of the model's weight backed by data, the score is null (tier unknown). */
  minCoverage: finite.check(z.gte(0), z.lte(1)),
  tiers: Tiers,
  drop: z.strictObject({ points: positive, windowDays: positive }),
  components: z.strictObject({
    engagement: z.strictObject({
      weight,
      metrics: z.strictObject({ volume: Metric, recency: Metric, trend: Metric }),
      /**
       * Impact of one usage event, by event name (`error_shown: -2`): its count is weighed by
       * it when the event is stored, so a changed impact applies to new events only.
       */
      impacts: z._default(z.record(z.string(), finite), {}),
      /** Impact of a usage event not named in `impacts`. */
      defaultImpact: z._default(finite, 1),
    }),
    adoption: z.strictObject({
      weight,
      metrics: z.strictObject({ breadth: Metric, milestones: Metric }),
      keyFeatures: z.array(z.string()),
      /** When no key features are listed, breadth counts distinct features against this. */
      targetFeatureCount: positive,
      recentDays: positive,
      milestones: z.array(z.string()),
    }),
    sentiment: z.strictObject({
      weight,
      metrics: z.strictObject({ nps: Metric, csat: Metric, ces: Metric }),
      minResponses: positive,
    }),
    support: z.strictObject({
      weight,
      metrics: z.strictObject({
        openTickets: Metric,
        urgentTickets: Metric,
        volume: Metric,
        reopenRate: Metric,
        textSentiment: Metric,
      }),
      /** Ticket priorities that make an open ticket count as urgent. */
      urgentPriorities: z.array(TicketPriority),
    }),
    financial: z.strictObject({
      weight,
      metrics: z.strictObject({
        status: z.strictObject({ weight }),
        failedPayments: Metric,
        contraction: Metric,
        refundsDisputes: Metric,
        renewal: Metric,
      }),
      /**
       * A score for every subscription status, and only for those: a misspelt or missing
       * status is an error at load, never a silent default.
       */
      statusScores: z.record(SubscriptionStatus, percent),
      /**
       * The score of a stored status the model does not know (a status added by the billing
       * tool later); null leaves the status metric out.
       */
      otherStatusScore: z.nullable(percent),
      /** A dispute counts this many refunds in the refunds-and-disputes metric. */
      disputeWeight: weight,
      failedPaymentWindowDays: positive,
      contractionLookbackDays: positive,
      renewalWindowDays: positive,
    }),
  }),
  segments: z.array(Segment),
  /** Named, non-compensatory rules: while one is raised, the tier is at best its `tier`. */
  redFlags: z.record(z.string().check(z.regex(/^[A-Za-z][\w-]*$/)), RedFlag),
  drivers: z.strictObject({
    /** A component's move (or a gap to full marks) smaller than this, in points, is no driver. */
    minImpact: positive,
  }),
  alerts: z.strictObject({
    routing: z.record(z.enum(ALERT_KINDS), AlertLevel),
    topDrivers: z.number().check(z.int(), z.gte(1), z.lte(10)),
  }),
  mapping: z.strictObject({
    typeform: z.strictObject({ npsRef: z.string(), csatRef: z.string(), cesRef: z.string() }),
    segment: z.strictObject({ featureEvents: z.record(z.string(), z.string()) }),
  }),
});
export type Model = z.infer<typeof Model>;
export type ModelInput = z.input<typeof Model>;

/** A validated model with its version stamp `version#hash` and its segments resolved. */
export interface CompiledModel {
  readonly model: Model;
  /** Recorded on every score: the human version plus a hash of the exact content. */
  readonly modelVersion: string;
  readonly hash: string;
  /** The model as it applies to each segment, by segment name; "" is the default. */
  readonly bySegment: ReadonlyMap<string, Model>;
  /** What a reader of this model must know beyond its numbers (valid, but surprising). */
  readonly notes: readonly string[];
}

/**
 * Usage impacts weigh an event when it is stored (the aggregate keeps the weighed sums),
 * so a changed impact only applies to events stored from then on.
 */
export const IMPACTS_NOTE =
  "engagement.impacts and engagement.defaultImpact apply when an event is stored: a changed impact applies to new events only (events already stored keep the impact they were stored with until the history is replayed)";

/** The usage impacts a model applies when an event is stored (`engagement`). */
export interface UsageImpacts {
  readonly impacts: Readonly<Record<string, number>>;
  readonly defaultImpact: number;
}

export const usageImpactsOf = (model: Model): UsageImpacts => {
  const { impacts, defaultImpact } = model.components.engagement;
  return { impacts, defaultImpact };
};

/**
 * How `next` weighs usage events differently from `stored` (the impacts of the model that
 * stored them), in words: "login 1 → 2", "events not named 1 → 0.5"; [] when every event
 * weighs the same. Only such a change needs a replay: every other setting is read-time.
 */
export function impactChanges(stored: UsageImpacts, next: UsageImpacts): string[] {
  const changes: string[] = [];
  const names = [...new Set([...Object.keys(stored.impacts), ...Object.keys(next.impacts)])];
  for (const name of names.sort()) {
    const before = stored.impacts[name] ?? stored.defaultImpact;
    const after = next.impacts[name] ?? next.defaultImpact;
    if (before !== after) changes.push(`${name} ${before} → ${after}`);
  }
  if (stored.defaultImpact !== next.defaultImpact) {
    changes.push(`events not named ${stored.defaultImpact} → ${next.defaultImpact}`);
  }
  return changes;
}

/** What to tell whoever deploys a model that weighs stored events differently. */
export const replayNotice = (changes: readonly string[]) =>
  `usage impacts differ from the deployed model's (${changes.join(", ")}): events already stored keep the impact they were stored with until \`npm run replay -- --all\` (with --aws in AWS) rebuilds every customer after the deploy`;

function notesOn(model: Model): string[] {
  const e = model.components.engagement;
  return Object.keys(e.impacts).length > 0 || e.defaultImpact !== 1 ? [IMPACTS_NOTE] : [];
}

/**
 * Windows read at day resolution must fit in the days kept exact (history.ts), and every
 * window in the retention: beyond them the history they would read is folded or gone.
 * Within these bounds any change of a window or half-life is read from the same stored
 * history; nothing needs a replay.
 */
function windowProblems(model: Model): string[] {
  const problems: string[] = [];
  const within = (path: string, days: number | undefined, limit: number, kept: string) => {
    if (days !== undefined && days > limit) {
      problems.push(
        `${path}: ${days} days is beyond the ${limit} days of history ${kept}; use at most ${limit}`,
      );
    }
  };
  const { adoption, financial } = model.components;
  within("components.adoption.recentDays", adoption.recentDays, EXACT_DAYS, "kept day by day");
  within(
    "components.financial.contractionLookbackDays",
    financial.contractionLookbackDays,
    EXACT_DAYS,
    "kept day by day",
  );
  within(
    "components.financial.failedPaymentWindowDays",
    financial.failedPaymentWindowDays,
    RETENTION_DAYS,
    "kept",
  );
  for (const [name, flag] of Object.entries(model.redFlags)) {
    within(`redFlags.${name}.when.minDaysSilent`, flag.when.minDaysSilent, RETENTION_DAYS, "kept");
    within(
      `redFlags.${name}.when.disputeWithinDays`,
      flag.when.disputeWithinDays,
      RETENTION_DAYS,
      "kept",
    );
  }
  return problems;
}

/** Canonical JSON (sorted keys) so that the hash depends on content, not key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Thrown when a model file does not validate: names every problem. */
export class InvalidModelError extends Error {
  override readonly name = "InvalidModelError";
}

function applySegment(model: Model, segment: z.infer<typeof Segment>): Model {
  const components = structuredClone(model.components);
  for (const name of COMPONENTS) {
    const w = segment.weights?.[name];
    if (w !== undefined) components[name].weight = w;
  }
  if (segment.keyFeatures) components.adoption.keyFeatures = segment.keyFeatures;
  return { ...model, components, tiers: { ...model.tiers, ...segment.tiers } };
}

/** What is wrong, in words: zod/mini carries no messages beyond "Invalid input". */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") {
    return `unknown ${issue.keys.length === 1 ? "key" : "keys"} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
  }
  if (issue.code === "invalid_type" && issue.input === undefined) {
    return `missing (expected a ${issue.expected})`;
  }
  return issue.message;
}

/** Validates a model and prepares it for scoring. Throws InvalidModelError. */
export function compileModel(input: unknown): CompiledModel {
  const parsed = Model.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join(".") || "(root)"}: ${describeIssue(i)}`,
    );
    throw new InvalidModelError(`invalid scoring model: ${problems.join("; ")}`);
  }
  const model = parsed.data;
  const total = COMPONENTS.reduce((sum, name) => sum + model.components[name].weight, 0);
  if (total <= 0) throw new InvalidModelError("invalid scoring model: component weights sum to 0");
  if (model.tiers.atRisk >= model.tiers.healthy) {
    throw new InvalidModelError("invalid scoring model: tiers.atRisk must be below tiers.healthy");
  }
  for (const problem of windowProblems(model)) {
    throw new InvalidModelError(`invalid scoring model: ${problem}`);
  }
  for (const [name, flag] of Object.entries(model.redFlags)) {
    if (Object.values(flag.when).every((condition) => condition === undefined)) {
      throw new InvalidModelError(
        `invalid scoring model: redFlags.${name}.when: give at least one condition`,
      );
    }
  }
  const hash = createHash("sha256").update(canonical(model)).digest("hex").slice(0, 12);
  const bySegment = new Map<string, Model>([["", model]]);
  model.segments.forEach((segment, i) => {
    // A segment's overrides must leave a model as valid as the base one.
    const resolved = applySegment(model, segment);
    const weights = COMPONENTS.reduce((sum, name) => sum + resolved.components[name].weight, 0);
    if (weights <= 0) {
      throw new InvalidModelError(
        `invalid scoring model: segments.${i}.weights: component weights sum to 0`,
      );
    }
    if (resolved.tiers.atRisk >= resolved.tiers.healthy) {
      throw new InvalidModelError(
        `invalid scoring model: segments.${i}.tiers: atRisk must be below healthy`,
      );
    }
    bySegment.set(segment.name, resolved);
  });
  return {
    model,
    hash,
    modelVersion: `${model.version}#${hash}`,
    bySegment,
    notes: notesOn(model),
  };
}

/** The first segment whose conditions all hold for this customer, or "" (default). */
export function segmentFor(
  model: Model,
  customer: { plan?: string | null; seats?: number | null; mrr?: number | null },
): string {
  for (const { name, when } of model.segments) {
    const { plan, seats, mrr } = customer;
    if (when.plans && (plan == null || !when.plans.includes(plan))) continue;
    if (when.minSeats !== undefined && (seats == null || seats < when.minSeats)) continue;
    if (when.maxSeats !== undefined && (seats == null || seats > when.maxSeats)) continue;
    if (when.minMrr !== undefined && (mrr == null || mrr < when.minMrr)) continue;
    if (when.maxMrr !== undefined && (mrr == null || mrr > when.maxMrr)) continue;
    return name;
  }
  return "";
}

/** Evaluates a piecewise-linear curve, clamping outside its ends. */
export function evalCurve(curve: Curve, x: number): number {
  let prev = curve[0] as [number, number];
  if (x <= prev[0]) return prev[1];
  for (let i = 1; i < curve.length; i++) {
    const point = curve[i] as [number, number];
    if (x <= point[0])
      return prev[1] + ((point[1] - prev[1]) * (x - prev[0])) / (point[0] - prev[0]);
    prev = point;
  }
  return prev[1];
}
