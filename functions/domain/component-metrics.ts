/**
 * The five components' metrics: what each reads from the facts, its raw value as
 * reported, and its normalized value by the model's curve, added to the score's `work`.
 */
import { daysSinceActive, type Facts } from "./facts.ts";
import type { Model } from "./model.ts";
import { hundredths } from "./rounding.ts";
import {
  ADOPTION,
  addCurveMetric,
  addMetric,
  ENGAGEMENT,
  FINANCIAL,
  type ScorePlan,
  SENTIMENT,
  SUPPORT,
} from "./score-plan.ts";
import type { SubscriptionStatus } from "./signals.ts";

/** A measurement with data: a metric without data (null, NaN, ±Infinity) is left out. */
const measured = (x: number | null): x is number => x !== null && Number.isFinite(x);
const seatsOf = (f: Facts) => (f.seats && f.seats > 0 ? f.seats : 1);

/** How many of `names` are in `set` (duplicates in `names` count each time). */
function countIn(names: readonly string[], set: ReadonlySet<string>): number {
  let n = 0;
  for (let i = 0; i < names.length; i++) if (set.has(names[i] as string)) n++;
  return n;
}

/** How many of `names` are in `list` (duplicates in `names` count each time). */
function countAmong(names: readonly string[], list: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < names.length; i++) if (list.includes(names[i] as string)) n++;
  return n;
}

/*
 * One function per component: each adds the component's available metrics to `work` and
 * returns its `raw` record (a metric without data is simply left out of both).
 */

/** Adds the engagement metrics with data; returns their raw values. */
export function engagementMetrics(f: Facts, plan: ScorePlan): Record<string, number> {
  const raw: Record<string, number> = {};
  if (f.usagePerDayShort === null && f.lastActiveDay === null) return raw;
  const m = plan.engagement;
  const volume = f.usagePerDayShort === null ? 0 : f.usagePerDayShort / seatsOf(f);
  if (measured(volume)) {
    raw.volume = hundredths(volume);
    addCurveMetric(ENGAGEMENT, "volume", m.volume, volume);
  }
  const recency = daysSinceActive(f);
  if (measured(recency)) {
    raw.recency = hundredths(recency);
    addCurveMetric(ENGAGEMENT, "recency", m.recency, recency);
  }
  if (f.usagePerDayLong !== null && f.usagePerDayLong > 1e-9) {
    const trend = (f.usagePerDayShort ?? 0) / f.usagePerDayLong;
    if (measured(trend)) {
      raw.trend = hundredths(trend);
      addCurveMetric(ENGAGEMENT, "trend", m.trend, trend);
    }
  }
  return raw;
}

/** Adds the adoption metrics with data; returns their raw values. */
export function adoptionMetrics(f: Facts, model: Model, plan: ScorePlan): Record<string, number> {
  const raw: Record<string, number> = {};
  const a = model.components.adoption;
  if (f.featuresEver) {
    const breadth =
      a.keyFeatures.length > 0
        ? countAmong(a.keyFeatures, f.recentFeatures) / a.keyFeatures.length
        : Math.min(1, f.recentFeatures.length / a.targetFeatureCount);
    if (measured(breadth)) {
      raw.breadth = hundredths(breadth);
      addCurveMetric(ADOPTION, "breadth", plan.adoption.breadth, breadth);
    }
  }
  if (f.milestones.size > 0 && a.milestones.length > 0) {
    const milestones = countIn(a.milestones, f.milestones) / a.milestones.length;
    if (measured(milestones)) {
      raw.milestones = hundredths(milestones);
      addCurveMetric(ADOPTION, "milestones", plan.adoption.milestones, milestones);
    }
  }
  return raw;
}

/** Adds the sentiment metrics with data; returns their raw values. */
export function sentimentMetrics(f: Facts, model: Model, plan: ScorePlan): Record<string, number> {
  const raw: Record<string, number> = {};
  const s = model.components.sentiment;
  if (f.nps && f.nps.responses >= s.minResponses && measured(f.nps.value)) {
    raw.nps = hundredths(f.nps.value);
    addCurveMetric(SENTIMENT, "nps", plan.sentiment.nps, f.nps.value);
  }
  if (f.csat && f.csat.responses >= s.minResponses && measured(f.csat.mean)) {
    raw.csat = hundredths(f.csat.mean);
    addCurveMetric(SENTIMENT, "csat", plan.sentiment.csat, f.csat.mean);
  }
  if (f.ces && f.ces.responses >= s.minResponses && measured(f.ces.mean)) {
    raw.ces = hundredths(f.ces.mean);
    addCurveMetric(SENTIMENT, "ces", plan.sentiment.ces, f.ces.mean);
  }
  return raw;
}

/** Adds the support metrics with data; returns their raw values. */
export function supportMetrics(f: Facts, plan: ScorePlan): Record<string, number> {
  const raw: Record<string, number> = {};
  if (!f.ticketsEver) return raw;
  const m = plan.support;
  if (measured(f.openTickets)) {
    raw.openTickets = hundredths(f.openTickets);
    addCurveMetric(SUPPORT, "openTickets", m.openTickets, f.openTickets);
  }
  if (measured(f.urgentOpenTickets)) {
    raw.urgentTickets = hundredths(f.urgentOpenTickets);
    addCurveMetric(SUPPORT, "urgentTickets", m.urgentTickets, f.urgentOpenTickets);
  }
  const volume = f.ticketsPerMonth / seatsOf(f);
  if (measured(volume)) {
    raw.volume = hundredths(volume);
    addCurveMetric(SUPPORT, "volume", m.volume, volume);
  }
  if (measured(f.reopenRate)) {
    raw.reopenRate = hundredths(f.reopenRate);
    addCurveMetric(SUPPORT, "reopenRate", m.reopenRate, f.reopenRate);
  }
  if (measured(f.ticketMood)) {
    raw.textSentiment = hundredths(f.ticketMood);
    addCurveMetric(SUPPORT, "textSentiment", m.textSentiment, f.ticketMood);
  }
  return raw;
}

/** Adds the financial metrics with data; returns their raw values. */
export function financialMetrics(f: Facts, model: Model, plan: ScorePlan): Record<string, number> {
  const raw: Record<string, number> = {};
  if (!f.billingEver) return raw;
  const fin = model.components.financial;
  const status = f.subscription?.status;
  // Every status a signal can carry has a score (the model's schema requires it); a stored
  // value that is not a status is left out, not guessed.
  if (typeof status === "string" && Object.hasOwn(fin.statusScores, status)) {
    let value = fin.statusScores[status as SubscriptionStatus];
    // A subscription set to end is as good as canceled for planning purposes, but not yet lost.
    if (f.subscription?.cancelAtPeriodEnd === true) value = Math.min(value, 20);
    raw.status = hundredths(value);
    addMetric(FINANCIAL, "status", value, value, plan.financial.status.weight);
  }
  if (measured(f.unrecoveredFailures)) {
    raw.failedPayments = hundredths(f.unrecoveredFailures);
    addCurveMetric(
      FINANCIAL,
      "failedPayments",
      plan.financial.failedPayments,
      f.unrecoveredFailures,
    );
  }
  if (f.mrr !== null && f.mrrAtLookback !== null && f.mrrAtLookback > 0) {
    const contraction = f.mrr / f.mrrAtLookback;
    if (measured(contraction)) {
      raw.contraction = hundredths(contraction);
      addCurveMetric(FINANCIAL, "contraction", plan.financial.contraction, contraction);
    }
  }
  const refundsDisputes = f.refunds + 3 * f.disputes;
  if (measured(refundsDisputes)) {
    raw.refundsDisputes = hundredths(refundsDisputes);
    addCurveMetric(FINANCIAL, "refundsDisputes", plan.financial.refundsDisputes, refundsDisputes);
  }
  const renewsAt = f.subscription?.renewsAt;
  if (typeof renewsAt === "number") {
    const days = (renewsAt - f.now) / 86_400_000;
    if (days >= 0 && days <= fin.renewalWindowDays && measured(days)) {
      raw.renewal = hundredths(days);
      addCurveMetric(FINANCIAL, "renewal", plan.financial.renewal, days);
    }
  }
  return raw;
}
