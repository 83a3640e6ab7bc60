/**
 * What reading facts keeps across calls, because scoring is a hot path: the per-model
 * plan of the decayed sums the model reads, parsed stored keys, and the small helpers
 * that tell register families and tickets apart by name without building strings.
 */
import { metric } from "./aggregate.ts";
import { parseDecayedKey } from "./decay.ts";
import type { Model } from "./model.ts";
import { yearMonth } from "./time.ts";

/** A stored decayed-sum key the model reads, parsed once per model. */
export interface ReadKey {
  /** Accumulator of the key's `metric/halfLife` pair in `FactPlan.decayed`. */
  readonly slot: number;
  readonly epoch: number;
  readonly halfLifeDays: number;
  /** The decay factor for the last `now` it was computed at: a batch scores at one `now`. */
  factorAt: number;
  factor: number;
}

/**
 * What reading facts needs from one model, computed once: an accumulator slot per
 * `metric/halfLife` pair the model reads (pairs it does not read are skipped), and the
 * keys already parsed. The same few keys (metric × half-life × epoch) repeat across every
 * account, so each is parsed once. `decayed` and `seen` are scratch space reset by each
 * call; `readFacts` is synchronous and never re-entered, so one set per model is enough.
 */
export interface FactPlan {
  readonly slotOfPair: ReadonlyMap<string, number>;
  readonly keys: Map<string, ReadKey | null>;
  readonly decayed: Float64Array;
  readonly seen: Uint8Array;
  readonly usageShort: number;
  readonly usageLong: number;
  /** Usage of negative impact (|impact| × count), subtracted from usage. */
  readonly usageNegShort: number;
  readonly usageNegLong: number;
  readonly npsPromoters: number;
  readonly npsPassives: number;
  readonly npsDetractors: number;
  readonly csatSum: number;
  readonly csatCount: number;
  readonly cesSum: number;
  readonly cesCount: number;
  readonly ticketsOpened: number;
  readonly ticketsSolved: number;
  readonly ticketsReopened: number;
  readonly ticketSentimentSum: number;
  readonly ticketSentimentCount: number;
  readonly refunds: number;
  readonly disputes: number;
  /**
   * `usageDivisor` of the two usage half-lives by whole days from the first active day to
   * `now`, for the `now` in `divisorsAt` (NaN: none yet). A batch scores at one `now` and
   * first active days repeat across customers, so two powers per customer become loads.
   */
  readonly divisorsAt: Float64Array;
  readonly shortDivisors: Float64Array;
  readonly longDivisors: Float64Array;
  /** First week of the adoption window, for the `now` in `oldestWeekAt` (NaN: none yet). */
  oldestWeekAt: number;
  oldestWeek: number;
}

/** Days of history whose usage divisors are memoized (older first days compute them). */
export const DIVISOR_DAYS = 1024;

/** Parsed keys kept per model; beyond this a key is parsed on every read (still correct). */
export const MAX_CACHED_KEYS = 10_000;

const pairName = (name: string, halfLifeDays: number) => `${name}/${halfLifeDays}`;

const factPlans = new WeakMap<Model, FactPlan>();
// A batch reads every customer with the same model: remember the last one.
let lastModel: Model | undefined;
let lastFactPlan: FactPlan | undefined;

/** The plan of `model`, built on first use. */
export function factPlanOf(model: Model): FactPlan {
  if (model === lastModel && lastFactPlan !== undefined) return lastFactPlan;
  const cached = factPlans.get(model) ?? newFactPlan(model);
  lastModel = model;
  lastFactPlan = cached;
  return cached;
}

function newFactPlan(model: Model): FactPlan {
  const slotOfPair = new Map<string, number>();
  const slot = (name: string, halfLifeDays: number) => {
    const pair = pairName(name, halfLifeDays);
    let s = slotOfPair.get(pair);
    if (s === undefined) {
      s = slotOfPair.size;
      slotOfPair.set(pair, s);
    }
    return s;
  };
  const { decay } = model;
  const slots = {
    usageShort: slot(metric.usage, decay.usageShortDays),
    usageLong: slot(metric.usage, decay.usageLongDays),
    usageNegShort: slot(metric.usageNegative, decay.usageShortDays),
    usageNegLong: slot(metric.usageNegative, decay.usageLongDays),
    npsPromoters: slot(metric.npsPromoters, decay.surveyDays),
    npsPassives: slot(metric.npsPassives, decay.surveyDays),
    npsDetractors: slot(metric.npsDetractors, decay.surveyDays),
    csatSum: slot(metric.csatSum, decay.surveyDays),
    csatCount: slot(metric.csatCount, decay.surveyDays),
    cesSum: slot(metric.cesSum, decay.surveyDays),
    cesCount: slot(metric.cesCount, decay.surveyDays),
    ticketsOpened: slot(metric.ticketsOpened, decay.supportDays),
    ticketsSolved: slot(metric.ticketsSolved, decay.reopenDays),
    ticketsReopened: slot(metric.ticketsReopened, decay.reopenDays),
    ticketSentimentSum: slot(metric.ticketSentimentSum, decay.supportDays),
    ticketSentimentCount: slot(metric.ticketSentimentCount, decay.supportDays),
    refunds: slot(metric.refunds, decay.billingDays),
    disputes: slot(metric.disputes, decay.disputeDays),
  };
  const plan: FactPlan = {
    ...slots,
    slotOfPair,
    keys: new Map(),
    decayed: new Float64Array(slotOfPair.size),
    seen: new Uint8Array(slotOfPair.size),
    divisorsAt: new Float64Array(DIVISOR_DAYS).fill(Number.NaN),
    shortDivisors: new Float64Array(DIVISOR_DAYS),
    longDivisors: new Float64Array(DIVISOR_DAYS),
    oldestWeekAt: Number.NaN,
    oldestWeek: 0,
  };
  factPlans.set(model, plan);
  return plan;
}

/**
 * The parsed form of `key` for this model, null when it is no decayed sum the model reads;
 * remembered in `plan.keys`, which callers look in first.
 */
export function readKey(plan: FactPlan, key: string): ReadKey | null {
  const p = parseDecayedKey(key);
  const slot =
    p === undefined ? undefined : plan.slotOfPair.get(pairName(p.metric, p.halfLifeDays));
  const parsed =
    p === undefined || slot === undefined
      ? null
      : { slot, epoch: p.epoch, halfLifeDays: p.halfLifeDays, factorAt: Number.NaN, factor: 0 };
  if (plan.keys.size < MAX_CACHED_KEYS) plan.keys.set(key, parsed);
  return parsed;
}

/**
 * `feature@weekStartDay` entries, parsed once: the same few strings recur across accounts,
 * and each cached feature name is one string object, quick to compare when de-duplicating.
 */
interface FeatureWeek {
  readonly feature: string;
  readonly week: number;
}
export const featureWeekCache = new Map<string, FeatureWeek>();
const MAX_CACHED_FEATURE_WEEKS = 10_000;

/** Parses `entry` and remembers it in `featureWeekCache`, which callers look in first. */
export function featureWeekOf(entry: string): FeatureWeek {
  const at = entry.lastIndexOf("@");
  const parsed = { feature: entry.slice(0, at), week: Number(entry.slice(at + 1)) };
  if (featureWeekCache.size < MAX_CACHED_FEATURE_WEEKS) featureWeekCache.set(entry, parsed);
  return parsed;
}

/** `yyyymm` of `l_mrr_<yyyymm>` keys, parsed once: the same months recur across accounts. */
const mrrMonthCache = new Map<string, number>();
export function mrrMonthOf(key: string): number {
  let month = mrrMonthCache.get(key);
  if (month === undefined) {
    month = Number(key.slice(6));
    if (mrrMonthCache.size < MAX_CACHED_KEYS) mrrMonthCache.set(key, month);
  }
  return month;
}

/** True when `l_tkt_<id>` and `l_tkp_<id>` name the same ticket: same `<id>`. */
export function sameTicket(statusKey: string, priorityKey: string): boolean {
  const length = statusKey.length;
  if (priorityKey.length !== length) return false;
  for (let i = 6; i < length; i++) {
    if (statusKey.charCodeAt(i) !== priorityKey.charCodeAt(i)) return false;
  }
  return true;
}

/** Above this many pairs, urgent open tickets are looked up by name instead of matched. */
export const MAX_TICKET_PAIRS = 64;

/**
 * `key.startsWith("l_" + abc + "_")` for register families, the letters given as char
 * codes: a handful of comparisons, cheaper than a call per register.
 */
export const inFamily = (key: string, a: number, b: number, c: number) =>
  key.charCodeAt(0) === 108 /* l */ &&
  key.charCodeAt(1) === 95 /* _ */ &&
  key.charCodeAt(2) === a &&
  key.charCodeAt(3) === b &&
  key.charCodeAt(4) === c &&
  key.charCodeAt(5) === 95; /* _ */

let lastMonthInput = Number.NaN;
let lastMonth = 0;
/** yearMonth for the repeated `now` of a scoring batch, without building a Date each time. */
export function cachedYearMonth(ms: number): number {
  if (ms !== lastMonthInput) {
    lastMonth = yearMonth(ms);
    lastMonthInput = ms;
  }
  return lastMonth;
}

/** `urgent.includes(priority)` for a stored field of any type, without a builtin call. */
export function isUrgent(urgent: readonly string[], priority: unknown): boolean {
  for (let i = 0; i < urgent.length; i++) if (urgent[i] === priority) return true;
  return false;
}
