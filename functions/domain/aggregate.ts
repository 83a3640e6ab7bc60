/**
 * The per-account aggregate and the pure rules that turn a signal into an update of it.
 *
 * Every update is built from three operations whose result does not depend on the order
 * the events arrive in (design decision 2), so they map onto single DynamoDB writes:
 * - `add`: numeric counters and forward-decayed sums (`ADD`, commutative);
 * - `union`: string sets such as active days (`ADD` to a set, commutative and idempotent);
 * - `latest`: "latest value" registers stamped with the source time; a register is only
 *   replaced by a newer one. Equal source times resolve to the later state of the
 *   object's lifecycle (the register's rank, lifecycle.ts), then to the higher event id,
 *   so every order agrees on the state a user expects.
 *
 * Attribute names are the stored names: `n_` counters, `d_` decayed sums, `s_` sets,
 * `l_` registers. All of them are top-level because DynamoDB's ADD only works there.
 */
import Sentiment from "sentiment";
import { decayedIncrement } from "./decay.ts";
import { paymentRank, priorityRank, subscriptionRank, ticketRank } from "./lifecycle.ts";
import type { DecaySettings, Model } from "./model.ts";
import type { Signal, TicketPriority } from "./signals.ts";
import { epochDay, weekStartDay, yearMonth } from "./time.ts";

export type RegisterField = string | number | boolean | null;
/** A latest-value register: its fields plus the source time and event id that set it. */
export interface LatestValue {
  readonly ts: number;
  /**
   * Lifecycle rank among registers of the same source time (lifecycle.ts); absent for
   * values with no lifecycle, and on registers stored before ranks: it reads as 0.
   */
  readonly rk?: number;
  readonly eid: string;
  readonly [field: string]: RegisterField | undefined;
}

export interface Aggregate {
  readonly accountId: string;
  readonly sums: Readonly<Record<string, number>>;
  readonly sets: Readonly<Record<string, ReadonlySet<string>>>;
  readonly latest: Readonly<Record<string, LatestValue>>;
}

export interface AggregateUpdate {
  readonly add: Readonly<Record<string, number>>;
  readonly union: Readonly<Record<string, readonly string[]>>;
  readonly latest: Readonly<Record<string, LatestValue>>;
}

/** Stored names, in one place so that writer and reader cannot disagree. */
export const attr = {
  count: (kind: string) => `n_${kind}`,
  activeDays: "s_activeDays",
  /** Entries `feature@weekStartDay`: breadth of recent use without one register per feature. */
  featureWeeks: "s_featureWeeks",
  milestones: "s_milestones",
  subscription: "l_sub",
  mrrMonth: (yyyymm: number) => `l_mrr_${yyyymm}`,
  lastPayment: "l_pay",
  /** The last successful payment: it recovers every failure before it. */
  lastPaid: "l_paid",
  /** The last failure reported without an invoice id (it cannot be told from a retry). */
  lastLooseFailure: "l_payfail",
  invoice: (id: string) => `l_inv_${id}`,
  ticketStatus: (id: string) => `l_tkt_${id}`,
  ticketPriority: (id: string) => `l_tkp_${id}`,
  lastNps: "l_nps",
  profile: (field: "plan" | "seats" | "name" | "owner") => `l_prof_${field}`,
} as const;

/** Metric names of the decayed sums (the `d_<metric>_<h>d_e<epoch>` part). */
export const metric = {
  /** Usage of positive impact: impact × count (contract 3 of issue 11). */
  usage: "usage",
  /** Usage of negative impact, as a positive sum: |impact| × count. Net usage = usage − usageNeg. */
  usageNegative: "usageNeg",
  npsPromoters: "npsPro",
  npsPassives: "npsPas",
  npsDetractors: "npsDet",
  csatSum: "csatSum",
  csatCount: "csatN",
  cesSum: "cesSum",
  cesCount: "cesN",
  ticketsOpened: "tktOpen",
  ticketsSolved: "tktSolved",
  ticketsReopened: "tktReopen",
  ticketSentimentSum: "tktSentSum",
  ticketSentimentCount: "tktSentN",
  paymentsFailed: "payFail",
  refunds: "refund",
  disputes: "dispute",
} as const;

export const emptyAggregate = (accountId: string): Aggregate => ({
  accountId,
  sums: {},
  sets: {},
  latest: {},
});

const sentimentAnalyzer = new Sentiment();

/** Lexicon (AFINN) sentiment per word of a ticket text, roughly -1 (angry) .. 1 (happy). */
export function textSentiment(text: string): number | undefined {
  if (text.trim() === "") return undefined;
  const { comparative, words } = sentimentAnalyzer.analyze(text.slice(0, 5000));
  // Text with no scored word says nothing about mood; leave it out rather than count 0.
  return words.length === 0 ? undefined : comparative;
}

/** The impact of one usage event, by its name. */
export type ImpactOf = (event: string) => number;

/**
 * The model's impact per usage event name (`engagement.impacts`), `defaultImpact` for a
 * name it does not list. Applied when an event is stored: a changed impact weighs new
 * events only.
 */
export function usageImpactOf(model: Pick<Model, "components">): ImpactOf {
  const { impacts, defaultImpact } = model.components.engagement;
  const named = new Map(Object.entries(impacts));
  return (event) => named.get(event) ?? defaultImpact;
}

const unitImpact: ImpactOf = () => 1;

/**
 * The parts of one signal's update, and the three ways a rule fills them. A class, not
 * closures made per call: the backtest builds an update for every event it replays.
 */
class UpdateBuilder {
  readonly add: Record<string, number>;
  readonly union: Record<string, string[]> = {};
  readonly latest: Record<string, LatestValue> = {};
  private readonly t: number;
  private readonly eid: string;

  constructor(signal: Signal) {
    this.add = { [attr.count(signal.values.kind)]: 1 };
    this.t = signal.occurredAt;
    this.eid = signal.sourceEventId;
  }

  addDecayed(name: string, halfLifeDays: number, weight: number): void {
    const { key, value } = decayedIncrement(name, halfLifeDays, weight, this.t);
    this.add[key] = (this.add[key] ?? 0) + value;
  }

  register(name: string, fields: Record<string, RegisterField>, rank = 0): void {
    this.latest[name] =
      rank > 0
        ? { ...fields, ts: this.t, rk: rank, eid: this.eid }
        : { ...fields, ts: this.t, eid: this.eid };
  }

  markActive(): void {
    this.union[attr.activeDays] = [String(epochDay(this.t))];
  }

  ticketSentiment(text: string | undefined, halfLifeDays: number): void {
    const mood = text === undefined ? undefined : textSentiment(text);
    if (mood === undefined) return;
    this.addDecayed(metric.ticketSentimentSum, halfLifeDays, mood);
    this.addDecayed(metric.ticketSentimentCount, halfLifeDays, 1);
  }

  ticketPriority(id: string, priority: TicketPriority | undefined): void {
    if (priority !== undefined) {
      this.register(attr.ticketPriority(id), { priority }, priorityRank(priority));
    }
  }
}

/**
 * The update one signal makes to its account's aggregate. A usage event adds impact ×
 * count to the decayed `usage` when its impact is positive, |impact| × count to
 * `usageNeg` when negative, nothing when 0; only a positive impact makes the day active
 * (a seat removed or an export of all data is no sign of engagement).
 */
export function signalToUpdate(
  signal: Signal,
  decay: DecaySettings,
  impactOf: ImpactOf = unitImpact,
): AggregateUpdate {
  const u = new UpdateBuilder(signal);
  const { add, union, latest } = u;
  const t = signal.occurredAt;

  const v = signal.values;
  switch (v.kind) {
    case "usage": {
      const weight = impactOf(v.event) * v.count;
      if (weight !== 0) {
        const name = weight > 0 ? metric.usage : metric.usageNegative;
        u.addDecayed(name, decay.usageShortDays, Math.abs(weight));
        u.addDecayed(name, decay.usageLongDays, Math.abs(weight));
      }
      if (weight > 0) u.markActive();
      break;
    }
    case "active":
      u.markActive();
      break;
    case "feature_used":
      union[attr.featureWeeks] = [`${v.feature}@${weekStartDay(t)}`];
      u.markActive();
      break;
    case "nps": {
      const bucket =
        v.score >= 9
          ? metric.npsPromoters
          : v.score >= 7
            ? metric.npsPassives
            : metric.npsDetractors;
      u.addDecayed(bucket, decay.surveyDays, 1);
      u.register(attr.lastNps, { score: v.score });
      break;
    }
    case "csat":
      u.addDecayed(metric.csatSum, decay.surveyDays, v.score);
      u.addDecayed(metric.csatCount, decay.surveyDays, 1);
      break;
    case "ces":
      u.addDecayed(metric.cesSum, decay.surveyDays, v.score);
      u.addDecayed(metric.cesCount, decay.surveyDays, 1);
      break;
    case "ticket_opened":
      u.addDecayed(metric.ticketsOpened, decay.supportDays, 1);
      u.register(attr.ticketStatus(v.ticketId), { status: "open" }, ticketRank("opened"));
      u.ticketPriority(v.ticketId, v.priority);
      u.ticketSentiment(v.text, decay.supportDays);
      break;
    case "ticket_solved":
      u.addDecayed(metric.ticketsSolved, decay.reopenDays, 1);
      u.register(attr.ticketStatus(v.ticketId), { status: "solved" }, ticketRank("solved"));
      break;
    case "ticket_reopened":
      u.addDecayed(metric.ticketsReopened, decay.reopenDays, 1);
      u.register(attr.ticketStatus(v.ticketId), { status: "open" }, ticketRank("reopened"));
      u.ticketPriority(v.ticketId, v.priority);
      break;
    case "ticket_priority":
      u.ticketPriority(v.ticketId, v.priority);
      break;
    case "ticket_comment":
      u.ticketSentiment(v.text, decay.supportDays);
      break;
    case "payment_succeeded": {
      const rank = paymentRank("succeeded");
      u.register(attr.lastPayment, { status: "succeeded", invoice: v.invoiceId ?? null }, rank);
      u.register(attr.lastPaid, { invoice: v.invoiceId ?? null });
      if (v.invoiceId !== undefined) {
        u.register(attr.invoice(v.invoiceId), { status: "paid" }, rank);
      }
      break;
    }
    case "payment_failed": {
      u.addDecayed(metric.paymentsFailed, decay.billingDays, 1);
      const attempt = v.attempt ?? 1;
      const rank = paymentRank("failed", attempt);
      u.register(attr.lastPayment, { status: "failed", invoice: v.invoiceId ?? null }, rank);
      if (v.invoiceId !== undefined) {
        u.register(attr.invoice(v.invoiceId), { status: "failed", attempt }, rank);
      } else {
        u.register(attr.lastLooseFailure, { attempt }, rank);
      }
      break;
    }
    case "refund":
      u.addDecayed(metric.refunds, decay.billingDays, 1);
      break;
    case "dispute":
      u.addDecayed(metric.disputes, decay.disputeDays, 1);
      break;
    case "subscription": {
      const rank = subscriptionRank(v.status, v.cancelAtPeriodEnd ?? false);
      u.register(
        attr.subscription,
        {
          status: v.status,
          mrr: v.mrr ?? null,
          currency: v.currency ?? null,
          seats: v.seats ?? null,
          plan: v.plan ?? null,
          renewsAt: v.renewsAt ?? null,
          cancelAtPeriodEnd: v.cancelAtPeriodEnd ?? false,
        },
        rank,
      );
      if (v.mrr !== undefined) u.register(attr.mrrMonth(yearMonth(t)), { mrr: v.mrr }, rank);
      break;
    }
    case "milestone":
      union[attr.milestones] = [v.name];
      break;
    case "profile":
      for (const field of ["plan", "seats", "name", "owner"] as const) {
        const value = v[field];
        if (value !== undefined) u.register(attr.profile(field), { value });
      }
      break;
  }
  return { add, union, latest };
}

/**
 * True when register `a` should replace register `b`: a newer source time; at the same
 * time a later lifecycle state (higher rank); at the same rank a higher event id. A strict
 * order, so the register ends the same whatever order the events arrive in.
 */
export function isNewer(a: LatestValue, b: LatestValue | undefined): boolean {
  if (b === undefined || a.ts > b.ts) return true;
  if (a.ts < b.ts) return false;
  const rankA = a.rk ?? 0;
  const rankB = b.rk ?? 0;
  if (rankA !== rankB) return rankA > rankB;
  return a.eid > b.eid;
}

/** Merges the updates of one event's signals into a single update. */
export function mergeUpdates(updates: readonly AggregateUpdate[]): AggregateUpdate {
  const add: Record<string, number> = {};
  const union: Record<string, string[]> = {};
  const latest: Record<string, LatestValue> = {};
  for (const u of updates) {
    for (const [k, v] of Object.entries(u.add)) add[k] = (add[k] ?? 0) + v;
    for (const [k, v] of Object.entries(u.union))
      union[k] = [...new Set([...(union[k] ?? []), ...v])];
    for (const [k, v] of Object.entries(u.latest)) {
      if (isNewer(v, latest[k])) latest[k] = v;
    }
  }
  return { add, union, latest };
}

/** Applies an update in memory with the same semantics as the DynamoDB write. */
export function applyUpdate(aggregate: Aggregate, update: AggregateUpdate): Aggregate {
  const sums = { ...aggregate.sums };
  for (const [key, value] of Object.entries(update.add)) sums[key] = (sums[key] ?? 0) + value;
  const sets: Record<string, ReadonlySet<string>> = { ...aggregate.sets };
  for (const [key, values] of Object.entries(update.union)) {
    sets[key] = new Set([...(sets[key] ?? []), ...values]);
  }
  const latest = { ...aggregate.latest };
  for (const [key, value] of Object.entries(update.latest)) {
    if (isNewer(value, latest[key])) latest[key] = value;
  }
  return { accountId: aggregate.accountId, sums, sets, latest };
}

/**
 * Applies an update to mutable parts of an aggregate that nothing else holds yet. Sets
 * found in `sets` are grown in place, so callers pass only sets they created themselves.
 */
function applyInPlace(
  sums: Record<string, number>,
  sets: Record<string, Set<string>>,
  latest: Record<string, LatestValue>,
  update: AggregateUpdate,
): void {
  const add = update.add;
  for (const key in add) sums[key] = (sums[key] ?? 0) + (add[key] as number);
  const union = update.union;
  for (const key in union) {
    const values = union[key] as readonly string[];
    let set = sets[key];
    if (set === undefined) {
      set = new Set();
      sets[key] = set;
    }
    for (const value of values) set.add(value);
  }
  const registers = update.latest;
  for (const key in registers) {
    const value = registers[key] as LatestValue;
    if (isNewer(value, latest[key])) latest[key] = value;
  }
}

/**
 * Folds signals into an aggregate; the result is the same for any order of `signals`.
 * It folds in place into one new aggregate (the same result as `applyUpdate` signal by
 * signal, which copies every field on each step): replaying an account's history is
 * linear in its length, not quadratic.
 */
export function aggregateOf(
  accountId: string,
  signals: readonly Signal[],
  decay: DecaySettings,
  impactOf: ImpactOf = unitImpact,
): Aggregate {
  const sums: Record<string, number> = {};
  const sets: Record<string, Set<string>> = {};
  const latest: Record<string, LatestValue> = {};
  for (const signal of signals) {
    applyInPlace(sums, sets, latest, signalToUpdate(signal, decay, impactOf));
  }
  return { accountId, sums, sets, latest };
}
