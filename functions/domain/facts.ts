/**
 * Reads an aggregate back at time `now`: decays the day sums with the model's half-lives,
 * counts the open tickets and unrecovered invoices, finds the latest subscription state.
 * The score is computed from these facts only, and the drivers' plain-words reasons quote
 * them. Every half-life and window is applied here, when reading, so a model change is
 * read from the same stored history (issue 10).
 */
import type { Aggregate, LatestValue, Metric } from "./aggregate.ts";
import { isNewer } from "./aggregate.ts";
import { DecayedHistory, firstRetainedDay, type HalfLivesOf, monthOfDay } from "./history.ts";
import type { Model } from "./model.ts";
import { DAY_MS, epochDay } from "./time.ts";

export interface Facts {
  readonly now: number;
  /**
   * Usage per day, over the short and long half-life (null: never used): net of usage with
   * a negative impact, never below 0.
   */
  readonly usagePerDayShort: number | null;
  readonly usagePerDayLong: number | null;
  /** Epoch day of the last activity, or null. */
  readonly lastActiveDay: number | null;
  readonly featuresEver: boolean;
  /**
   * Distinct features used within the model's recent window, in first-seen order. An
   * array, not a Set: there are few, and scoring only counts them and looks a handful up.
   */
  readonly recentFeatures: readonly string[];
  readonly milestones: ReadonlySet<string>;
  /** Decayed answer counts and averages; null without answers. */
  readonly nps: { readonly value: number; readonly responses: number } | null;
  readonly lastNps: { readonly score: number; readonly at: number } | null;
  readonly csat: { readonly mean: number; readonly responses: number } | null;
  readonly ces: { readonly mean: number; readonly responses: number } | null;
  readonly ticketsEver: boolean;
  readonly openTickets: number;
  readonly urgentOpenTickets: number;
  /** Tickets opened per month (decayed). */
  readonly ticketsPerMonth: number;
  /** Reopened per solved (decayed), null without solved tickets. */
  readonly reopenRate: number | null;
  readonly ticketMood: number | null;
  readonly subscription: LatestValue | null;
  readonly seats: number | null;
  readonly plan: string | null;
  readonly mrr: number | null;
  readonly owner: string | null;
  readonly name: string | null;
  /** True once any subscription state or successful payment was seen. */
  readonly billingBaseline: boolean;
  readonly billingEver: boolean;
  readonly unrecoveredFailures: number;
  /** When the latest of the unrecovered failures happened; null without one. */
  readonly lastUnrecoveredFailureAt: number | null;
  readonly mrrAtLookback: number | null;
  readonly refunds: number;
  /** Disputes, decayed over `decay.disputeDays`. */
  readonly disputes: number;
  /** Disputes ever recorded (not decayed). */
  readonly disputesEver: number;
}

/**
 * A steady rate r per day, observed for `a` days, accumulates to r·h·(1 − 2^(−a/h))/ln2
 * under half-life h. Dividing by the same factor gives the rate back, so a customer with
 * a short history is not read as trending up just because the long sum is still filling.
 */
const usageDivisor = (h: number, historyDays: number) => h * (1 - 2 ** (-historyDays / h));

/** The half-lives each metric is read with, from the model's decay settings. */
function halfLivesOf(decay: Model["decay"]): HalfLivesOf {
  const usage = [decay.usageShortDays, decay.usageLongDays];
  const survey = [decay.surveyDays];
  const support = [decay.supportDays];
  const reopen = [decay.reopenDays];
  return {
    usage,
    usageNegative: usage,
    npsPromoters: survey,
    npsPassives: survey,
    npsDetractors: survey,
    csatSum: survey,
    csatCount: survey,
    cesSum: survey,
    cesCount: survey,
    ticketsOpened: support,
    ticketSentimentSum: support,
    ticketSentimentCount: support,
    ticketsSolved: reopen,
    ticketsReopened: reopen,
    refunds: [decay.billingDays],
    disputes: [decay.disputeDays],
  };
}

const TICKET_METRICS: readonly Metric[] = ["ticketsOpened", "ticketsSolved", "ticketsReopened"];

const registerValue = (reg: LatestValue | undefined) => reg?.value ?? null;

/** The first and last active day within the retention, from exact days and folded months. */
function activeDays(agg: Aggregate, fromDay: number) {
  let first: number | null = null;
  let last: number | null = null;
  const see = (day: number | null) => {
    if (day === null || day < fromDay) return;
    if (first === null || day < first) first = day;
    if (last === null || day > last) last = day;
  };
  for (const [day, data] of agg.days) if (data.active) see(day);
  for (const folded of agg.months.values()) {
    see(folded.firstActiveDay);
    see(folded.lastActiveDay);
  }
  return { first: first as number | null, last: last as number | null };
}

/**
 * MRR as it stood at the end of `lookbackDay`: the latest MRR change at or before it, or
 * the current subscription's when that has not changed since.
 */
function mrrAt(agg: Aggregate, lookbackDay: number): number | null {
  const end = (lookbackDay + 1) * DAY_MS;
  let found: LatestValue | undefined;
  const consider = (reg: LatestValue | undefined) => {
    if (reg && reg.ts < end && isNewer(reg, found)) found = reg;
  };
  for (const [day, data] of agg.days) if (day <= lookbackDay) consider(data.mrr);
  for (const folded of agg.months.values()) consider(folded.mrr);
  const sub = agg.registers.subscription;
  if (sub && typeof sub.mrr === "number") consider({ ...sub, mrr: sub.mrr });
  return found ? Number(found.mrr) : null;
}

/** Features last used on or after `fromDay`, sorted (a stable order to explain and store). */
function featuresSince(agg: Aggregate, fromDay: number): readonly string[] {
  const recent: string[] = [];
  for (const [feature, day] of agg.features) if (day >= fromDay) recent.push(feature);
  return recent.sort();
}

/** Any feature used within the retention (a folded month only says it had some). */
function featuresEverSince(agg: Aggregate, fromDay: number): boolean {
  for (const day of agg.features.values()) if (day >= fromDay) return true;
  const fromMonth = monthOfDay(fromDay);
  for (const [month, folded] of agg.months)
    if (folded.featuresUsed && month >= fromMonth) return true;
  return false;
}

/** The facts the model scores, read from an aggregate at `now`. */
export function readFacts(agg: Aggregate, model: Model, now: number): Facts {
  const { decay, components } = model;
  const { financial, support, adoption } = components;
  const today = epochDay(now);
  const fromDay = firstRetainedDay(now);
  const history = new DecayedHistory(agg, now, halfLivesOf(decay));
  const decayed = (metric: Metric, halfLifeDays: number) => history.value(metric, halfLifeDays);

  const active = activeDays(agg, fromDay);
  const historyDays =
    active.first === null ? 1 : Math.max(1, (now - active.first * DAY_MS) / DAY_MS);
  const usagePerDay = (halfLifeDays: number) => {
    if (!history.seen("usage") && !history.seen("usageNegative")) return null;
    const net = Math.max(
      0,
      decayed("usage", halfLifeDays) - decayed("usageNegative", halfLifeDays),
    );
    return (net * Math.LN2) / usageDivisor(halfLifeDays, historyDays);
  };

  const urgent = new Set<string>(support.urgentPriorities);
  let urgentOpenTickets = 0;
  for (const ticket of agg.openTickets.values()) {
    if (ticket.priority !== null && urgent.has(ticket.priority)) urgentOpenTickets++;
  }

  // A failure counts while no later payment succeeded and it is within the window. The last
  // success has its own register: a later failure must not un-recover earlier ones.
  const { lastPaid, looseFailure, subscription: sub, lastPayment, lastNps } = agg.registers;
  const lastSuccessAt = lastPaid?.ts ?? -1;
  const windowStart = now - financial.failedPaymentWindowDays * DAY_MS;
  const failureTimes = [...agg.failedInvoices.values()].map((invoice) => invoice.at);
  // A failure reported without an invoice id stands alone: the latest counts while unrecovered.
  if (looseFailure) failureTimes.push(looseFailure.ts);
  const unrecovered = failureTimes.filter((at) => at >= windowStart && at > lastSuccessAt);

  const survey = decay.surveyDays;
  const npsPro = decayed("npsPromoters", survey);
  const npsPas = decayed("npsPassives", survey);
  const npsDet = decayed("npsDetractors", survey);
  const npsN = npsPro + npsPas + npsDet;
  const csatN = decayed("csatCount", survey);
  const cesN = decayed("cesCount", survey);
  const solved = decayed("ticketsSolved", decay.reopenDays);
  const moodN = decayed("ticketSentimentCount", decay.supportDays);
  const refundsEver = history.total("refunds");
  const disputesEver = history.total("disputes");

  const subscription = sub ?? null;
  const seats =
    (subscription?.seats as number | null) ??
    (registerValue(agg.registers.profileSeats) as number | null);
  const plan =
    (subscription?.plan as string | null) ??
    (registerValue(agg.registers.profilePlan) as string | null);

  return {
    now,
    usagePerDayShort: usagePerDay(decay.usageShortDays),
    usagePerDayLong: usagePerDay(decay.usageLongDays),
    lastActiveDay: active.last,
    featuresEver: featuresEverSince(agg, fromDay),
    recentFeatures: featuresSince(agg, today - adoption.recentDays),
    milestones: agg.milestones,
    nps: npsN > 0 ? { value: (100 * (npsPro - npsDet)) / npsN, responses: npsN } : null,
    lastNps: lastNps ? { score: Number(lastNps.score), at: lastNps.ts } : null,
    csat: csatN > 0 ? { mean: decayed("csatSum", survey) / csatN, responses: csatN } : null,
    ces: cesN > 0 ? { mean: decayed("cesSum", survey) / cesN, responses: cesN } : null,
    ticketsEver: agg.openTickets.size > 0 || TICKET_METRICS.some((m) => history.total(m) > 0),
    openTickets: agg.openTickets.size,
    urgentOpenTickets,
    ticketsPerMonth:
      (decayed("ticketsOpened", decay.supportDays) * Math.LN2 * 30) / decay.supportDays,
    reopenRate: solved > 0 ? decayed("ticketsReopened", decay.reopenDays) / solved : null,
    ticketMood: moodN > 0 ? decayed("ticketSentimentSum", decay.supportDays) / moodN : null,
    subscription,
    seats: seats ?? null,
    plan: plan ?? null,
    mrr: (subscription?.mrr as number | null) ?? null,
    owner: registerValue(agg.registers.profileOwner) as string | null,
    name: registerValue(agg.registers.profileName) as string | null,
    billingBaseline: subscription !== null || lastPaid !== undefined,
    billingEver:
      subscription !== null || lastPayment !== undefined || refundsEver > 0 || disputesEver > 0,
    unrecoveredFailures: unrecovered.length,
    lastUnrecoveredFailureAt: unrecovered.length > 0 ? Math.max(...unrecovered) : null,
    mrrAtLookback: mrrAt(agg, epochDay(now - financial.contractionLookbackDays * DAY_MS)),
    refunds: decayed("refunds", decay.billingDays),
    disputes: decayed("disputes", decay.disputeDays),
    disputesEver,
  };
}

/** Days from the last active day to `now`'s day. */
export const daysSinceActive = (facts: Facts) =>
  facts.lastActiveDay === null ? null : Math.max(0, epochDay(facts.now) - facts.lastActiveDay);
