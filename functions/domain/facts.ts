/**
 * Reads an aggregate back at time `now`: decays the sums, counts the open tickets and
 * unrecovered invoices, finds the latest subscription state. The score is computed from
 * these facts only, and the drivers' plain-words reasons quote them.
 */
import { type Aggregate, attr, type LatestValue } from "./aggregate.ts";
import { decayedValueOf } from "./decay.ts";
import {
  cachedYearMonth,
  DIVISOR_DAYS,
  factPlanOf,
  featureWeekCache,
  featureWeekOf,
  inFamily,
  isUrgent,
  MAX_TICKET_PAIRS,
  mrrMonthOf,
  readKey,
  sameTicket,
} from "./fact-plan.ts";
import type { Model } from "./model.ts";
import { DAY_MS, epochDay, weekStartDay } from "./time.ts";

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

const LN2 = Math.LN2;

// Scoring is a hot path (the bench scores 100k accounts; the hourly rescore reads every
// customer), so reading facts avoids per-call work that only depends on the model: the
// stored names below are built once, and everything about decayed sums that depends on
// the model lives in a `FactPlan` built once per model.
const ACTIVE_DAYS = attr.activeDays;
const FEATURE_WEEKS = attr.featureWeeks;
const MILESTONES = attr.milestones;
const SUBSCRIPTION = attr.subscription;
const LAST_PAYMENT = attr.lastPayment;
const LAST_PAID = attr.lastPaid;
const LAST_LOOSE_FAILURE = attr.lastLooseFailure;
const LAST_NPS = attr.lastNps;
const PROFILE_SEATS = attr.profile("seats");
const PROFILE_PLAN = attr.profile("plan");
const PROFILE_OWNER = attr.profile("owner");
const PROFILE_NAME = attr.profile("name");
const COUNT_PAID = attr.count("payment_succeeded");
const COUNT_REFUND = attr.count("refund");
const COUNT_DISPUTE = attr.count("dispute");

/** Shared by every account without milestones or recent features: read-only, never grown. */
const NO_STRINGS: ReadonlySet<string> = new Set();
const NO_FEATURES: readonly string[] = Object.freeze([]);

const registerValue = (reg: LatestValue | undefined) => reg?.value ?? null;

/** `list.includes(name)` for the few recent features, without a call into a builtin. */
function listed(list: readonly string[], name: string): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === name) return true;
  return false;
}

const at = (values: Float64Array, i: number) => values[i] as number;

/**
 * Scratch lists of one `readFacts` call, used up to a count kept by the call: the keys of
 * open tickets and of urgent priorities, matched once both are known, and the times of
 * failed invoices inside the failure window, which can only be counted once the last
 * successful payment is known.
 */
const openTicketKeys: string[] = [];
const urgentPriorityKeys: string[] = [];
const failedInvoiceTimes: number[] = [];

/**
 * A steady rate r per day, observed for `a` days, accumulates to r·h·(1 − 2^(−a/h))/ln2
 * under half-life h. Dividing by the same factor gives the rate back, so a customer with
 * a short history is not read as trending up just because the long sum is still filling.
 */
const usageDivisor = (h: number, historyDays: number) => h * (1 - 2 ** (-historyDays / h));
const perDay = (seen: boolean, decayedSum: number, divisor: number) =>
  seen ? (decayedSum * LN2) / divisor : null;

/** The facts the model scores, read from an aggregate at `now`. */
export function readFacts(agg: Aggregate, model: Model, now: number): Facts {
  const { decay } = model;
  const factPlan = factPlanOf(model);
  // Decayed value at `now` per `metric/halfLife` slot; `seen` tells 0 from never seen.
  const decayed = factPlan.decayed;
  const seen = factPlan.seen;
  for (let i = 0; i < decayed.length; i++) {
    decayed[i] = 0;
    seen[i] = 0;
  }
  const sums = agg.sums;
  // One pass over the sums: decayed sums by their parsed key, counters by name. Looking
  // each name up instead would mostly miss, and a missing property on objects of many
  // shapes (every account has its own) is V8's slowest lookup.
  let paidCount = 0;
  let refundCount = 0;
  let disputeCount = 0;
  for (const key in sums) {
    const first = key.charCodeAt(0);
    if (first === 100 /* d */) {
      let parsed = factPlan.keys.get(key);
      if (parsed === undefined) parsed = readKey(factPlan, key);
      if (parsed === null) continue;
      if (parsed.factorAt !== now) {
        parsed.factor = decayedValueOf(1, parsed.epoch, parsed.halfLifeDays, now);
        parsed.factorAt = now;
      }
      decayed[parsed.slot] =
        (decayed[parsed.slot] as number) + (sums[key] as number) * parsed.factor;
      seen[parsed.slot] = 1;
    } else if (first === 110 /* n */) {
      // By the third letter first: a string comparison is a call when V8 cannot tell
      // both strings are interned.
      const third = key.charCodeAt(2);
      if (third === 112 /* p */ && key === COUNT_PAID) paidCount = sums[key] ?? 0;
      else if (third === 114 /* r */ && key === COUNT_REFUND) refundCount = sums[key] ?? 0;
      else if (third === 100 /* d */ && key === COUNT_DISPUTE) disputeCount = sums[key] ?? 0;
    }
  }

  let lastActiveDay: number | null = null;
  let firstActiveDay: number | null = null;
  // The sets by name, in one pass like the sums: there are at most three.
  let activeDays: ReadonlySet<string> | undefined;
  let featureWeeks: ReadonlySet<string> | undefined;
  let milestones: ReadonlySet<string> | undefined;
  const sets = agg.sets;
  for (const key in sets) {
    const third = key.charCodeAt(2);
    if (third === 97 /* a */ && key === ACTIVE_DAYS) activeDays = sets[key];
    else if (third === 102 /* f */ && key === FEATURE_WEEKS) featureWeeks = sets[key];
    else if (third === 109 /* m */ && key === MILESTONES) milestones = sets[key];
  }
  if (activeDays !== undefined) {
    for (const day of activeDays) {
      const n = Number(day);
      if (lastActiveDay === null || n > lastActiveDay) lastActiveDay = n;
      if (firstActiveDay === null || n < firstActiveDay) firstActiveDay = n;
    }
  }
  const historyDays =
    firstActiveDay === null ? 1 : Math.max(1, (now - firstActiveDay * DAY_MS) / DAY_MS);
  // At a given `now`, historyDays depends on the whole days since the first active day only.
  const age = firstActiveDay === null ? -1 : epochDay(now) - firstActiveDay;
  let shortDivisor: number;
  let longDivisor: number;
  if (Number.isInteger(age) && age >= 0 && age < DIVISOR_DAYS) {
    if (factPlan.divisorsAt[age] !== now) {
      factPlan.shortDivisors[age] = usageDivisor(decay.usageShortDays, historyDays);
      factPlan.longDivisors[age] = usageDivisor(decay.usageLongDays, historyDays);
      factPlan.divisorsAt[age] = now;
    }
    shortDivisor = factPlan.shortDivisors[age] as number;
    longDivisor = factPlan.longDivisors[age] as number;
  } else {
    shortDivisor = usageDivisor(decay.usageShortDays, historyDays);
    longDivisor = usageDivisor(decay.usageLongDays, historyDays);
  }

  let recentFeatures = NO_FEATURES;
  if (featureWeeks !== undefined && featureWeeks.size > 0) {
    if (factPlan.oldestWeekAt !== now) {
      factPlan.oldestWeek = weekStartDay(now - model.components.adoption.recentDays * DAY_MS);
      factPlan.oldestWeekAt = now;
    }
    const oldestWeek = factPlan.oldestWeek;
    const recent: string[] = [];
    for (const entry of featureWeeks) {
      const parsed = featureWeekCache.get(entry) ?? featureWeekOf(entry);
      if (parsed.week >= oldestWeek && !listed(recent, parsed.feature)) {
        recent.push(parsed.feature);
      }
    }
    recentFeatures = recent;
  }

  const financial = model.components.financial;
  const failureWindowStart = now - financial.failedPaymentWindowDays * DAY_MS;
  const lookbackMonth = cachedYearMonth(now - financial.contractionLookbackDays * DAY_MS);
  const latest = agg.latest;
  // One pass over the registers, by the third letter of their name, for the same reason
  // as the sums above.
  let sub: LatestValue | undefined;
  let lastPayment: LatestValue | undefined;
  let lastPaid: LatestValue | undefined;
  let looseFailure: LatestValue | undefined;
  let lastNpsReg: LatestValue | undefined;
  let profileSeats: LatestValue | undefined;
  let profilePlan: LatestValue | undefined;
  let profileOwner: LatestValue | undefined;
  let profileName: LatestValue | undefined;
  let openTickets = 0;
  let urgentPriorities = 0;
  const urgent = model.components.support.urgentPriorities;
  let ticketsEver = false;
  let invoicesEver = false;
  let failedInvoices = 0;
  // The latest month bucket at or before the lookback point (plain locals: no object).
  let hasLookback = false;
  let lookbackBucketMonth = 0;
  let mrrAtLookback = 0;
  for (const key in latest) {
    const reg = latest[key] as LatestValue;
    switch (key.charCodeAt(2)) {
      case 116 /* t */:
        if (inFamily(key, 116, 107, 116) /* l_tkt_ */) {
          ticketsEver = true;
          if (reg.status === "open") openTicketKeys[openTickets++] = key;
        } else if (inFamily(key, 116, 107, 112) /* l_tkp_ */) {
          if (isUrgent(urgent, reg.priority)) {
            urgentPriorityKeys[urgentPriorities++] = key;
          }
        }
        break;
      case 105 /* i */:
        if (inFamily(key, 105, 110, 118) /* l_inv_ */) {
          invoicesEver = true;
          if (reg.status === "failed" && reg.ts >= failureWindowStart) {
            failedInvoiceTimes[failedInvoices++] = reg.ts;
          }
        }
        break;
      case 109 /* m */:
        if (inFamily(key, 109, 114, 114) /* l_mrr_ */) {
          const month = mrrMonthOf(key);
          if (month <= lookbackMonth && (!hasLookback || month > lookbackBucketMonth)) {
            hasLookback = true;
            lookbackBucketMonth = month;
            mrrAtLookback = Number(reg.mrr);
          }
        }
        break;
      case 115 /* s */:
        if (key === SUBSCRIPTION) sub = reg;
        break;
      case 110 /* n */:
        if (key === LAST_NPS) lastNpsReg = reg;
        break;
      case 112 /* p */:
        if (key === LAST_PAYMENT) lastPayment = reg;
        else if (key === LAST_PAID) lastPaid = reg;
        else if (key === LAST_LOOSE_FAILURE) looseFailure = reg;
        else if (key === PROFILE_SEATS) profileSeats = reg;
        else if (key === PROFILE_PLAN) profilePlan = reg;
        else if (key === PROFILE_OWNER) profileOwner = reg;
        else if (key === PROFILE_NAME) profileName = reg;
        break;
    }
  }
  // An open ticket is urgent when its priority register says so. Few tickets are both
  // open and urgent: match the two short lists rather than build and look up a name for
  // each open ticket (a new string has to be hashed and interned to be looked up).
  let urgentOpenTickets = 0;
  if (openTickets * urgentPriorities <= MAX_TICKET_PAIRS) {
    for (let i = 0; i < openTickets; i++) {
      const key = openTicketKeys[i] as string;
      for (let j = 0; j < urgentPriorities; j++) {
        if (sameTicket(key, urgentPriorityKeys[j] as string)) {
          urgentOpenTickets++;
          break;
        }
      }
    }
  } else {
    for (let i = 0; i < openTickets; i++) {
      const priority = latest[`l_tkp_${(openTicketKeys[i] as string).slice(6)}`]?.priority;
      if (isUrgent(urgent, priority)) urgentOpenTickets++;
    }
  }
  // Its own register, not `lastPayment`: a later failure must not un-recover earlier ones.
  const lastSuccessAt = lastPaid?.ts ?? -1;
  let unrecoveredFailures = 0;
  let lastUnrecoveredFailureAt: number | null = null;
  for (let i = 0; i < failedInvoices; i++) {
    const failedAt = failedInvoiceTimes[i] as number;
    if (failedAt > lastSuccessAt) {
      unrecoveredFailures++;
      lastUnrecoveredFailureAt = Math.max(lastUnrecoveredFailureAt ?? failedAt, failedAt);
    }
  }
  // A failure reported without an invoice id stands alone: count the latest while unrecovered,
  // whatever invoices failed after it.
  if (looseFailure && looseFailure.ts >= failureWindowStart && looseFailure.ts > lastSuccessAt) {
    unrecoveredFailures++;
    lastUnrecoveredFailureAt = Math.max(
      lastUnrecoveredFailureAt ?? looseFailure.ts,
      looseFailure.ts,
    );
  }

  const subscription = sub ?? null;
  const seats =
    (subscription?.seats as number | null) ?? (registerValue(profileSeats) as number | null);
  const plan =
    (subscription?.plan as string | null) ?? (registerValue(profilePlan) as string | null);
  const mrr = (subscription?.mrr as number | null) ?? null;

  const npsPro = at(decayed, factPlan.npsPromoters);
  const npsPas = at(decayed, factPlan.npsPassives);
  const npsDet = at(decayed, factPlan.npsDetractors);
  const npsN = npsPro + npsPas + npsDet;
  const csatN = at(decayed, factPlan.csatCount);
  const cesN = at(decayed, factPlan.cesCount);
  const solved = at(decayed, factPlan.ticketsSolved);
  const moodN = at(decayed, factPlan.ticketSentimentCount);

  return {
    now,
    usagePerDayShort: perDay(
      seen[factPlan.usageShort] === 1 || seen[factPlan.usageNegShort] === 1,
      Math.max(0, at(decayed, factPlan.usageShort) - at(decayed, factPlan.usageNegShort)),
      shortDivisor,
    ),
    usagePerDayLong: perDay(
      seen[factPlan.usageLong] === 1 || seen[factPlan.usageNegLong] === 1,
      Math.max(0, at(decayed, factPlan.usageLong) - at(decayed, factPlan.usageNegLong)),
      longDivisor,
    ),
    lastActiveDay,
    featuresEver: featureWeeks !== undefined && featureWeeks.size > 0,
    recentFeatures,
    milestones: milestones ?? NO_STRINGS,
    nps: npsN > 0 ? { value: (100 * (npsPro - npsDet)) / npsN, responses: npsN } : null,
    lastNps: lastNpsReg ? { score: Number(lastNpsReg.score), at: lastNpsReg.ts } : null,
    csat: csatN > 0 ? { mean: at(decayed, factPlan.csatSum) / csatN, responses: csatN } : null,
    ces: cesN > 0 ? { mean: at(decayed, factPlan.cesSum) / cesN, responses: cesN } : null,
    ticketsEver,
    openTickets,
    urgentOpenTickets,
    ticketsPerMonth: (at(decayed, factPlan.ticketsOpened) * LN2 * 30) / decay.supportDays,
    reopenRate: solved > 0 ? at(decayed, factPlan.ticketsReopened) / solved : null,
    ticketMood: moodN > 0 ? at(decayed, factPlan.ticketSentimentSum) / moodN : null,
    subscription,
    seats: seats ?? null,
    plan: plan ?? null,
    mrr,
    owner: registerValue(profileOwner) as string | null,
    name: registerValue(profileName) as string | null,
    billingBaseline: subscription !== null || paidCount > 0,
    billingEver:
      subscription !== null ||
      lastPayment !== undefined ||
      invoicesEver ||
      refundCount > 0 ||
      disputeCount > 0,
    unrecoveredFailures,
    lastUnrecoveredFailureAt,
    mrrAtLookback: hasLookback ? mrrAtLookback : null,
    refunds: at(decayed, factPlan.refunds),
    disputes: at(decayed, factPlan.disputes),
    disputesEver: disputeCount,
  };
}

/** Days from the last active day to `now`'s day. */
export const daysSinceActive = (facts: Facts) =>
  facts.lastActiveDay === null ? null : Math.max(0, epochDay(facts.now) - facts.lastActiveDay);
