/**
 * The one table of metrics: for every metric of the model, its component, its key in the
 * model file, how it is measured from the facts and how it is explained in words. The
 * score (score.ts) and its explanations (drivers.ts) both iterate over this table, so a
 * metric is changed in one place. Settings (curves, weights, windows) live in the model.
 */
import { daysSinceActive, type Facts } from "./facts.ts";
import { type ComponentName, evalCurve, type MetricSettings, type Model } from "./model.ts";
import { shortDate } from "./time.ts";

export interface MetricDefinition {
  readonly component: ComponentName;
  /** Its key under `components.<component>.metrics` in the model. */
  readonly key: string;
  /** The raw measurement, or null when there is no data for it (then it is left out). */
  readonly measure: (f: Facts, model: Model) => number | null;
  /** 0-100. Default: the metric's curve in the model. */
  readonly normalize?: (raw: number, model: Model) => number;
  /** Plain words quoting the facts behind the raw measurement. */
  readonly explain: (raw: number, f: Facts, model: Model) => string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const seatsOf = (f: Facts) => (f.seats && f.seats > 0 ? f.seats : 1);
/** Engagement is known once any usage or activity was seen. */
const engaged = (f: Facts) => f.usagePerDayShort !== null || f.lastActiveDay !== null;
/** How many of `names` are among `have` (each listed name once per listing). */
const countOf = (names: readonly string[], have: (name: string) => boolean) =>
  names.filter(have).length;
const answered = (answers: { readonly responses: number } | null, model: Model) =>
  answers !== null && answers.responses >= model.components.sentiment.minResponses;

export const METRICS: readonly MetricDefinition[] = [
  {
    component: "engagement",
    key: "volume",
    // Usage per seat per day over the short half-life (net of usage with a negative impact).
    measure: (f) => (engaged(f) ? (f.usagePerDayShort ?? 0) / seatsOf(f) : null),
    explain: (raw) =>
      `${Math.round(raw * 10) / 10} usage events per seat per day over the last week`,
  },
  {
    component: "engagement",
    key: "recency",
    measure: (f) => (engaged(f) ? daysSinceActive(f) : null),
    explain: (raw) => {
      const days = Math.round(raw);
      if (days >= 2) return `no product usage for ${days} days`;
      return days === 0 ? "active today" : "last active yesterday";
    },
  },
  {
    component: "engagement",
    key: "trend",
    // The short rate against the long one: 1 is steady.
    measure: (f) =>
      f.usagePerDayLong !== null && f.usagePerDayLong > 1e-9
        ? (f.usagePerDayShort ?? 0) / f.usagePerDayLong
        : null,
    explain: (raw) => {
      const pct = Math.round((raw - 1) * 100);
      return pct < 0
        ? `usage down ${-pct}% against the monthly average`
        : `usage up ${pct}% against the monthly average`;
    },
  },
  {
    component: "adoption",
    key: "breadth",
    measure: (f, model) => {
      if (!f.featuresEver) return null;
      const a = model.components.adoption;
      return a.keyFeatures.length > 0
        ? countOf(a.keyFeatures, (k) => f.recentFeatures.includes(k)) / a.keyFeatures.length
        : Math.min(1, f.recentFeatures.length / a.targetFeatureCount);
    },
    explain: (raw, f, model) => {
      const a = model.components.adoption;
      return a.keyFeatures.length > 0
        ? `${Math.round(raw * a.keyFeatures.length)} of ${a.keyFeatures.length} key features used in the last ${a.recentDays} days`
        : `${plural(f.recentFeatures.length, "feature")} used in the last ${a.recentDays} days`;
    },
  },
  {
    component: "adoption",
    key: "milestones",
    measure: (f, model) => {
      const listed = model.components.adoption.milestones;
      if (f.milestones.size === 0 || listed.length === 0) return null;
      return countOf(listed, (m) => f.milestones.has(m)) / listed.length;
    },
    explain: (raw, _f, model) => {
      const total = model.components.adoption.milestones.length;
      return `${Math.round(raw * total)} of ${total} onboarding milestones reached`;
    },
  },
  {
    component: "sentiment",
    key: "nps",
    measure: (f, model) => (f.nps && answered(f.nps, model) ? f.nps.value : null),
    explain: (raw, f) => {
      const last = f.lastNps;
      if (last && last.score <= 6) return `NPS detractor (${last.score}) on ${shortDate(last.at)}`;
      if (last && last.score >= 9) return `NPS promoter (${last.score}) on ${shortDate(last.at)}`;
      return `NPS ${Math.round(raw)} over recent answers`;
    },
  },
  {
    component: "sentiment",
    key: "csat",
    measure: (f, model) => (f.csat && answered(f.csat, model) ? f.csat.mean : null),
    explain: (raw) => `average CSAT ${raw.toFixed(1)} of 5`,
  },
  {
    component: "sentiment",
    key: "ces",
    measure: (f, model) => (f.ces && answered(f.ces, model) ? f.ces.mean : null),
    explain: (raw) => `average effort score ${raw.toFixed(1)} of 7`,
  },
  {
    component: "support",
    key: "openTickets",
    measure: (f) => (f.ticketsEver ? f.openTickets : null),
    explain: (raw) => plural(raw, "open ticket"),
  },
  {
    component: "support",
    key: "urgentTickets",
    // Open tickets of a priority the model lists as urgent.
    measure: (f) => (f.ticketsEver ? f.urgentOpenTickets : null),
    explain: (raw) => `${plural(raw, "urgent or high-priority ticket")} open`,
  },
  {
    component: "support",
    key: "volume",
    measure: (f) => (f.ticketsEver ? f.ticketsPerMonth / seatsOf(f) : null),
    explain: (raw) => `${Math.round(raw * 10) / 10} tickets per seat in the last month`,
  },
  {
    component: "support",
    key: "reopenRate",
    measure: (f) => (f.ticketsEver ? f.reopenRate : null),
    explain: (raw) => `${Math.round(raw * 100)}% of solved tickets reopened`,
  },
  {
    component: "support",
    key: "textSentiment",
    measure: (f) => (f.ticketsEver ? f.ticketMood : null),
    explain: (raw) =>
      raw < -0.1
        ? "ticket messages read as frustrated"
        : raw > 0.1
          ? "ticket messages read as positive"
          : "ticket messages read as neutral",
  },
  {
    component: "financial",
    key: "status",
    // The model's score of the subscription status is both the raw value and the score.
    measure: (f, model) => {
      const status = f.subscription?.status;
      if (!f.billingEver || typeof status !== "string") return null;
      const fin = model.components.financial;
      return Object.hasOwn(fin.statusScores, status)
        ? ((fin.statusScores as Record<string, number>)[status] ?? null)
        : fin.otherStatusScore;
    },
    normalize: (raw) => raw,
    explain: (_raw, f) => {
      const status = String(f.subscription?.status ?? "unknown").replace("_", " ");
      return f.subscription?.cancelAtPeriodEnd === true
        ? "subscription set to cancel at period end"
        : `subscription ${status}`;
    },
  },
  {
    component: "financial",
    key: "failedPayments",
    measure: (f) => (f.billingEver ? f.unrecoveredFailures : null),
    explain: (raw, _f, model) => {
      const days = model.components.financial.failedPaymentWindowDays;
      return raw === 0
        ? `no unrecovered failed payments in the last ${days} days`
        : `${plural(raw, "failed payment")} in the last ${days} days not yet recovered`;
    },
  },
  {
    component: "financial",
    key: "contraction",
    // MRR now against MRR at the lookback: below 1 is contraction.
    measure: (f) =>
      f.billingEver && f.mrr !== null && f.mrrAtLookback !== null && f.mrrAtLookback > 0
        ? f.mrr / f.mrrAtLookback
        : null,
    explain: (raw, _f, model) => {
      const pct = Math.round((1 - raw) * 100);
      const days = model.components.financial.contractionLookbackDays;
      return pct > 0
        ? `MRR down ${pct}% over ${days} days`
        : `MRR steady or growing over ${days} days`;
    },
  },
  {
    component: "financial",
    key: "refundsDisputes",
    measure: (f, model) =>
      f.billingEver ? f.refunds + model.components.financial.disputeWeight * f.disputes : null,
    explain: (_raw, f) => {
      const disputes = Math.round(f.disputes);
      const refunds = Math.round(f.refunds);
      if (disputes > 0) return `${plural(disputes, "payment dispute")} recently`;
      return refunds > 0
        ? `${plural(refunds, "refund")} recently`
        : "no recent refunds or disputes";
    },
  },
  {
    component: "financial",
    key: "renewal",
    // Days to renewal, only inside the renewal window.
    measure: (f, model) => {
      const renewsAt = f.subscription?.renewsAt;
      if (!f.billingEver || typeof renewsAt !== "number") return null;
      const days = (renewsAt - f.now) / 86_400_000;
      return days >= 0 && days <= model.components.financial.renewalWindowDays ? days : null;
    },
    explain: (raw) => `renews in ${plural(Math.round(raw), "day")}`,
  },
];

/** The metric's settings (weight, and curve when it has one) in `model`. */
export function settingsOf(metric: MetricDefinition, model: Model): Partial<MetricSettings> {
  const metrics = model.components[metric.component].metrics as Record<
    string,
    Partial<MetricSettings>
  >;
  return metrics[metric.key] ?? {};
}

/** The metric's normalized value, 0-100. */
export function normalizeMetric(metric: MetricDefinition, raw: number, model: Model): number {
  if (metric.normalize) return metric.normalize(raw, model);
  const curve = settingsOf(metric, model).curve;
  return curve ? evalCurve(curve, raw) : raw;
}
