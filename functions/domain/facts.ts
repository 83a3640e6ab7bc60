/**
 * Reads an aggregate back at time `now`: decays the sums, counts the open tickets and
 * unrecovered invoices, finds the latest subscription state. The score is computed from
 * these facts only, and the drivers' plain-words reasons quote them.
 */
import { type Aggregate, attr, type LatestValue, metric } from "./aggregate.ts";
import { decayedValueOf, parseDecayedKey } from "./decay.ts";
import type { Model } from "./model.ts";
import { DAY_MS, epochDay, weekStartDay, yearMonth } from "./time.ts";

export interface Facts {
  readonly now: number;
  /** Usage events per day, over the short and long half-life (null: never used). */
  readonly usagePerDayShort: number | null;
  readonly usagePerDayLong: number | null;
  /** Epoch day of the last activity, or null. */
  readonly lastActiveDay: number | null;
  readonly featuresEver: boolean;
  /** Distinct features used within the model's recent window. */
  readonly recentFeatures: ReadonlySet<string>;
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
  readonly mrrAtLookback: number | null;
  readonly refunds: number;
  readonly disputes: number;
}

const LN2 = Math.LN2;

/**
 * Parsed decayed-sum keys, cached: the same few keys (metric × half-life × epoch) repeat
 * across every account, and scoring is a hot path (the bench scores 100k accounts).
 * Each `metric/halfLife` pair gets a small integer slot so sums accumulate in an array.
 */
interface ParsedKey {
  readonly slot: number;
  readonly epoch: number;
  readonly halfLifeDays: number;
  /** The decay factor for the last `now` it was computed at: a batch scores at one `now`. */
  factorAt: number;
  factor: number;
}
const keyCache = new Map<string, ParsedKey | null>();
/** Distinct metric × half-life pairs; the model uses 17. */
const MAX_SLOTS = 64;
const slotIndex: Record<string, Record<number, number>> = {};
let slotCount = 0;

function slotOf(name: string, halfLifeDays: number): number {
  let byHalfLife = slotIndex[name];
  if (byHalfLife === undefined) {
    byHalfLife = {};
    slotIndex[name] = byHalfLife;
  }
  let slot = byHalfLife[halfLifeDays];
  if (slot === undefined) {
    slot = slotCount++;
    byHalfLife[halfLifeDays] = slot;
  }
  return slot;
}

function parsedKey(key: string): ParsedKey | null {
  let parsed = keyCache.get(key);
  if (parsed === undefined) {
    const p = parseDecayedKey(key);
    parsed = p
      ? {
          slot: slotOf(p.metric, p.halfLifeDays),
          epoch: p.epoch,
          halfLifeDays: p.halfLifeDays,
          factorAt: Number.NaN,
          factor: 0,
        }
      : null;
    if (keyCache.size < 10_000) keyCache.set(key, parsed);
  }
  return parsed;
}

const registerValue = (agg: Aggregate, name: string) => agg.latest[name]?.value ?? null;

let lastMonthInput = Number.NaN;
let lastMonth = 0;
/** yearMonth for the repeated `now` of a scoring batch, without building a Date each time. */
function cachedYearMonth(ms: number): number {
  if (ms !== lastMonthInput) {
    lastMonth = yearMonth(ms);
    lastMonthInput = ms;
  }
  return lastMonth;
}

/** The facts the model scores, read from an aggregate at `now`. */
export function readFacts(agg: Aggregate, model: Model, now: number): Facts {
  const { decay } = model;
  // Decayed value at `now` per `metric/halfLife` slot; a hole means never seen.
  const decayed = new Float64Array(MAX_SLOTS);
  const seen = new Uint8Array(MAX_SLOTS);
  const sums = agg.sums;
  const keys = Object.keys(sums);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (key.charCodeAt(0) !== 100 /* d */) continue;
    const parsed = parsedKey(key);
    if (!parsed || parsed.slot >= MAX_SLOTS) continue;
    if (parsed.factorAt !== now) {
      parsed.factor = decayedValueOf(1, parsed.epoch, parsed.halfLifeDays, now);
      parsed.factorAt = now;
    }
    decayed[parsed.slot] = (decayed[parsed.slot] as number) + (sums[key] as number) * parsed.factor;
    seen[parsed.slot] = 1;
  }
  const d = (name: string, halfLife: number) => decayed[slotOf(name, halfLife)] as number;
  const has = (name: string, halfLife: number) => seen[slotOf(name, halfLife)] === 1;

  let lastActiveDay: number | null = null;
  let firstActiveDay: number | null = null;
  for (const day of agg.sets[attr.activeDays] ?? []) {
    const n = Number(day);
    if (lastActiveDay === null || n > lastActiveDay) lastActiveDay = n;
    if (firstActiveDay === null || n < firstActiveDay) firstActiveDay = n;
  }
  // A steady rate r per day, observed for `a` days, accumulates to r·h·(1 − 2^(−a/h))/ln2
  // under half-life h. Dividing by the same factor gives the rate back, so a customer with
  // a short history is not read as trending up just because the long sum is still filling.
  const historyDays =
    firstActiveDay === null ? 1 : Math.max(1, (now - firstActiveDay * DAY_MS) / DAY_MS);
  const perDay = (name: string, h: number) =>
    has(name, h) ? (d(name, h) * LN2) / (h * (1 - 2 ** (-historyDays / h))) : null;

  const featureWeeks = agg.sets[attr.featureWeeks];
  const recentFeatures = new Set<string>();
  const oldestWeek = weekStartDay(now - model.components.adoption.recentDays * DAY_MS);
  for (const entry of featureWeeks ?? []) {
    const at = entry.lastIndexOf("@");
    if (Number(entry.slice(at + 1)) >= oldestWeek) recentFeatures.add(entry.slice(0, at));
  }

  const financial = model.components.financial;
  const failureWindowStart = now - financial.failedPaymentWindowDays * DAY_MS;
  const lookbackMonth = cachedYearMonth(now - financial.contractionLookbackDays * DAY_MS);
  const lastPayment = agg.latest[attr.lastPayment];
  // Its own register, not `lastPayment`: a later failure must not un-recover earlier ones.
  const lastSuccessAt = agg.latest[attr.lastPaid]?.ts ?? -1;
  let openTickets = 0;
  let urgentOpenTickets = 0;
  let ticketsEver = false;
  let unrecoveredFailures = 0;
  let invoicesEver = false;
  let lookbackBucket: { month: number; mrr: number } | null = null;
  for (const key in agg.latest) {
    const reg = agg.latest[key] as LatestValue;
    const kind = key.charCodeAt(2);
    // Cheap first-letter dispatch (t, i, m): most registers are none of these.
    if (kind !== 116 && kind !== 105 && kind !== 109) continue;
    if (key.startsWith("l_tkt_")) {
      ticketsEver = true;
      if (reg.status === "open") {
        openTickets++;
        const priority = agg.latest[`l_tkp_${key.slice(6)}`]?.priority;
        if (priority === "urgent" || priority === "high") urgentOpenTickets++;
      }
    } else if (key.startsWith("l_inv_")) {
      invoicesEver = true;
      if (reg.status === "failed" && reg.ts >= failureWindowStart && reg.ts > lastSuccessAt) {
        unrecoveredFailures++;
      }
    } else if (key.startsWith("l_mrr_")) {
      // The latest month bucket at or before the lookback point.
      const month = Number(key.slice(6));
      if (month <= lookbackMonth && (lookbackBucket === null || month > lookbackBucket.month)) {
        lookbackBucket = { month, mrr: Number(reg.mrr) };
      }
    }
  }
  // A failure reported without an invoice id stands alone: count the latest while unrecovered,
  // whatever invoices failed after it.
  const looseFailure = agg.latest[attr.lastLooseFailure];
  if (looseFailure && looseFailure.ts >= failureWindowStart && looseFailure.ts > lastSuccessAt) {
    unrecoveredFailures++;
  }

  const sub = agg.latest[attr.subscription] ?? null;
  const seats =
    (sub?.seats as number | null) ?? (registerValue(agg, attr.profile("seats")) as number | null);
  const plan =
    (sub?.plan as string | null) ?? (registerValue(agg, attr.profile("plan")) as string | null);
  const mrr = (sub?.mrr as number | null) ?? null;

  const npsPro = d(metric.npsPromoters, decay.surveyDays);
  const npsPas = d(metric.npsPassives, decay.surveyDays);
  const npsDet = d(metric.npsDetractors, decay.surveyDays);
  const npsN = npsPro + npsPas + npsDet;
  const lastNpsReg = agg.latest[attr.lastNps];
  const csatN = d(metric.csatCount, decay.surveyDays);
  const cesN = d(metric.cesCount, decay.surveyDays);
  const solved = d(metric.ticketsSolved, decay.reopenDays);
  const moodN = d(metric.ticketSentimentCount, decay.supportDays);
  const paidCount = agg.sums[attr.count("payment_succeeded")] ?? 0;

  return {
    now,
    usagePerDayShort: perDay(metric.usage, decay.usageShortDays),
    usagePerDayLong: perDay(metric.usage, decay.usageLongDays),
    lastActiveDay,
    featuresEver: featureWeeks !== undefined && featureWeeks.size > 0,
    recentFeatures,
    milestones: agg.sets[attr.milestones] ?? new Set(),
    nps: npsN > 0 ? { value: (100 * (npsPro - npsDet)) / npsN, responses: npsN } : null,
    lastNps: lastNpsReg ? { score: Number(lastNpsReg.score), at: lastNpsReg.ts } : null,
    csat:
      csatN > 0 ? { mean: d(metric.csatSum, decay.surveyDays) / csatN, responses: csatN } : null,
    ces: cesN > 0 ? { mean: d(metric.cesSum, decay.surveyDays) / cesN, responses: cesN } : null,
    ticketsEver,
    openTickets,
    urgentOpenTickets,
    ticketsPerMonth: (d(metric.ticketsOpened, decay.supportDays) * LN2 * 30) / decay.supportDays,
    reopenRate: solved > 0 ? d(metric.ticketsReopened, decay.reopenDays) / solved : null,
    ticketMood: moodN > 0 ? d(metric.ticketSentimentSum, decay.supportDays) / moodN : null,
    subscription: sub,
    seats: seats ?? null,
    plan: plan ?? null,
    mrr,
    owner: registerValue(agg, attr.profile("owner")) as string | null,
    name: registerValue(agg, attr.profile("name")) as string | null,
    billingBaseline: sub !== null || paidCount > 0,
    billingEver: sub !== null || lastPayment !== undefined || invoicesEver || hasBillingSums(agg),
    unrecoveredFailures,
    mrrAtLookback: lookbackBucket?.mrr ?? null,
    refunds: d(metric.refunds, decay.billingDays),
    disputes: d(metric.disputes, decay.disputeDays),
  };
}

function hasBillingSums(agg: Aggregate): boolean {
  return (agg.sums[attr.count("refund")] ?? 0) > 0 || (agg.sums[attr.count("dispute")] ?? 0) > 0;
}

/** Days from the last active day to `now`'s day. */
export const daysSinceActive = (facts: Facts) =>
  facts.lastActiveDay === null ? null : Math.max(0, epochDay(facts.now) - facts.lastActiveDay);
