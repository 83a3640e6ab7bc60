/**
 * The health score: a pure function of (aggregate, model, previous score, now), design
 * decisions 4, 6 and 7. Every score explains itself: components with raw, normalized,
 * weight and contribution; the share of the model backed by data; and the drivers that
 * moved it, in plain words.
 */
import type { Aggregate } from "./aggregate.ts";
import { daysSinceActive, type Facts, readFacts } from "./facts.ts";
import {
  COMPONENTS,
  type CompiledModel,
  type ComponentName,
  evalCurve,
  type MetricSettings,
  type Model,
  segmentFor,
} from "./model.ts";
import { type Tier, tierWithHysteresis } from "./tiers.ts";
import { shortDate } from "./time.ts";

export interface ComponentScore {
  readonly name: ComponentName;
  /** False when no data backs this component: it is left out, never counted as 0. */
  readonly available: boolean;
  /** The raw measurements behind it, by metric. */
  readonly raw: Readonly<Record<string, number>>;
  /** 0-100, or null when unavailable. */
  readonly normalized: number | null;
  /** Share of the score after redistributing the weight of missing components (0-1). */
  readonly weight: number;
  /** Points this component adds to the score (normalized × weight). */
  readonly contribution: number;
}

export interface Driver {
  readonly component: ComponentName;
  /** Points of score this component moved (negative: it pulled the score down). */
  readonly impact: number;
  readonly reason: string;
}

export interface HealthScore {
  readonly accountId: string;
  readonly score: number | null;
  readonly tier: Tier;
  readonly components: readonly ComponentScore[];
  /** Share of the model's weight backed by data, 0-1. */
  readonly coverage: number;
  readonly drivers: readonly Driver[];
  readonly modelVersion: string;
  readonly segment: string;
  readonly computedAt: number;
}

/** The parts of a previous score this one is compared with. */
export type PreviousScore = Pick<HealthScore, "tier" | "components" | "score">;

interface MetricValue {
  readonly name: string;
  readonly raw: number;
  readonly normalized: number;
  readonly weight: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Each component's available metrics. A metric without data is simply not returned. */
function metricsOf(name: ComponentName, f: Facts, model: Model): MetricValue[] {
  const out: MetricValue[] = [];
  const push = (metricName: string, settings: MetricSettings, raw: number | null) => {
    if (raw === null || !Number.isFinite(raw)) return;
    out.push({
      name: metricName,
      raw,
      normalized: evalCurve(settings.curve, raw),
      weight: settings.weight,
    });
  };
  const c = model.components;
  switch (name) {
    case "engagement": {
      const m = c.engagement.metrics;
      if (f.usagePerDayShort === null && f.lastActiveDay === null) break;
      const seats = f.seats && f.seats > 0 ? f.seats : 1;
      push("volume", m.volume, f.usagePerDayShort === null ? 0 : f.usagePerDayShort / seats);
      push("recency", m.recency, daysSinceActive(f));
      if (f.usagePerDayLong !== null && f.usagePerDayLong > 1e-9) {
        push("trend", m.trend, (f.usagePerDayShort ?? 0) / f.usagePerDayLong);
      }
      break;
    }
    case "adoption": {
      const a = c.adoption;
      if (f.featuresEver) {
        const breadth =
          a.keyFeatures.length > 0
            ? a.keyFeatures.filter((k) => f.recentFeatures.has(k)).length / a.keyFeatures.length
            : Math.min(1, f.recentFeatures.size / a.targetFeatureCount);
        push("breadth", a.metrics.breadth, breadth);
      }
      if (f.milestones.size > 0 && a.milestones.length > 0) {
        const reached = a.milestones.filter((m) => f.milestones.has(m)).length;
        push("milestones", a.metrics.milestones, reached / a.milestones.length);
      }
      break;
    }
    case "sentiment": {
      const s = c.sentiment;
      if (f.nps && f.nps.responses >= s.minResponses) push("nps", s.metrics.nps, f.nps.value);
      if (f.csat && f.csat.responses >= s.minResponses) push("csat", s.metrics.csat, f.csat.mean);
      if (f.ces && f.ces.responses >= s.minResponses) push("ces", s.metrics.ces, f.ces.mean);
      break;
    }
    case "support": {
      if (!f.ticketsEver) break;
      const m = c.support.metrics;
      push("openTickets", m.openTickets, f.openTickets);
      push("urgentTickets", m.urgentTickets, f.urgentOpenTickets);
      push("volume", m.volume, f.ticketsPerMonth / (f.seats && f.seats > 0 ? f.seats : 1));
      push("reopenRate", m.reopenRate, f.reopenRate);
      push("textSentiment", m.textSentiment, f.ticketMood);
      break;
    }
    case "financial": {
      if (!f.billingEver) break;
      const fin = c.financial;
      const status = f.subscription?.status;
      if (typeof status === "string") {
        let value = fin.statusScores[status] ?? 50;
        // A subscription set to end is as good as canceled for planning purposes, but not yet lost.
        if (f.subscription?.cancelAtPeriodEnd === true) value = Math.min(value, 20);
        out.push({
          name: "status",
          raw: value,
          normalized: value,
          weight: fin.metrics.status.weight,
        });
      }
      push("failedPayments", fin.metrics.failedPayments, f.unrecoveredFailures);
      if (f.mrr !== null && f.mrrAtLookback !== null && f.mrrAtLookback > 0) {
        push("contraction", fin.metrics.contraction, f.mrr / f.mrrAtLookback);
      }
      push("refundsDisputes", fin.metrics.refundsDisputes, f.refunds + 3 * f.disputes);
      const renewsAt = f.subscription?.renewsAt;
      if (typeof renewsAt === "number") {
        const days = (renewsAt - f.now) / 86_400_000;
        if (days >= 0 && days <= fin.renewalWindowDays) push("renewal", fin.metrics.renewal, days);
      }
      break;
    }
  }
  return out;
}

/** Plain-words reason for one metric, quoting the facts ("no product usage for 21 days"). */
function describe(component: ComponentName, m: MetricValue, f: Facts, model: Model): string {
  const key = `${component}.${m.name}`;
  switch (key) {
    case "engagement.recency": {
      const days = Math.round(m.raw);
      if (days >= 2) return `no product usage for ${days} days`;
      return days === 0 ? "active today" : "last active yesterday";
    }
    case "engagement.volume":
      return `${round1(m.raw)} usage events per seat per day over the last week`;
    case "engagement.trend": {
      const pct = Math.round((m.raw - 1) * 100);
      return pct < 0
        ? `usage down ${-pct}% against the monthly average`
        : `usage up ${pct}% against the monthly average`;
    }
    case "adoption.breadth": {
      const a = model.components.adoption;
      return a.keyFeatures.length > 0
        ? `${Math.round(m.raw * a.keyFeatures.length)} of ${a.keyFeatures.length} key features used in the last ${a.recentDays} days`
        : `${plural(f.recentFeatures.size, "feature")} used in the last ${a.recentDays} days`;
    }
    case "adoption.milestones": {
      const total = model.components.adoption.milestones.length;
      return `${Math.round(m.raw * total)} of ${total} onboarding milestones reached`;
    }
    case "sentiment.nps": {
      const last = f.lastNps;
      if (last && last.score <= 6) return `NPS detractor (${last.score}) on ${shortDate(last.at)}`;
      if (last && last.score >= 9) return `NPS promoter (${last.score}) on ${shortDate(last.at)}`;
      return `NPS ${Math.round(m.raw)} over recent answers`;
    }
    case "sentiment.csat":
      return `average CSAT ${m.raw.toFixed(1)} of 5`;
    case "sentiment.ces":
      return `average effort score ${m.raw.toFixed(1)} of 7`;
    case "support.openTickets":
      return `${plural(m.raw, "open ticket")}`;
    case "support.urgentTickets":
      return `${plural(m.raw, "urgent or high-priority ticket")} open`;
    case "support.volume":
      return `${round1(m.raw)} tickets per seat in the last month`;
    case "support.reopenRate":
      return `${Math.round(m.raw * 100)}% of solved tickets reopened`;
    case "support.textSentiment":
      return m.raw < -0.1
        ? "ticket messages read as frustrated"
        : m.raw > 0.1
          ? "ticket messages read as positive"
          : "ticket messages read as neutral";
    case "financial.status": {
      const status = String(f.subscription?.status ?? "unknown").replace("_", " ");
      return f.subscription?.cancelAtPeriodEnd === true
        ? `subscription set to cancel at period end`
        : `subscription ${status}`;
    }
    case "financial.failedPayments": {
      const days = model.components.financial.failedPaymentWindowDays;
      return m.raw === 0
        ? `no unrecovered failed payments in the last ${days} days`
        : `${plural(m.raw, "failed payment")} in the last ${days} days not yet recovered`;
    }
    case "financial.contraction": {
      const pct = Math.round((1 - m.raw) * 100);
      const days = model.components.financial.contractionLookbackDays;
      return pct > 0
        ? `MRR down ${pct}% over ${days} days`
        : `MRR steady or growing over ${days} days`;
    }
    case "financial.refundsDisputes": {
      const disputes = Math.round(f.disputes);
      const refunds = Math.round(f.refunds);
      if (disputes > 0) return `${plural(disputes, "payment dispute")} recently`;
      return refunds > 0
        ? `${plural(refunds, "refund")} recently`
        : "no recent refunds or disputes";
    }
    case "financial.renewal":
      return `renews in ${plural(Math.round(m.raw), "day")}`;
    default:
      return `${component} ${m.name} ${round1(m.raw)}`;
  }
}

interface Evaluated {
  readonly name: ComponentName;
  readonly metrics: MetricValue[];
  /** Weighted mean of the available metrics, or null. */
  normalized: number | null;
  readonly configuredWeight: number;
  /** Share of the component's metric weight that has data. */
  readonly metricCoverage: number;
}

function evaluate(name: ComponentName, facts: Facts, model: Model): Evaluated {
  const component = model.components[name];
  const metrics = metricsOf(name, facts, model);
  let sumW = 0;
  let sumWN = 0;
  for (const m of metrics) {
    sumW += m.weight;
    sumWN += m.weight * m.normalized;
  }
  let totalW = 0;
  for (const key in component.metrics) {
    totalW += (component.metrics as Record<string, { weight: number }>)[key]?.weight ?? 0;
  }
  return {
    name,
    metrics,
    normalized: sumW > 0 ? sumWN / sumW : null,
    configuredWeight: component.weight,
    metricCoverage: totalW > 0 ? sumW / totalW : 0,
  };
}

/** Weighted mean over available components, skipping `except`; null if none. */
function weightedScore(parts: readonly Evaluated[], except?: ComponentName): number | null {
  let w = 0;
  let wn = 0;
  for (const p of parts) {
    if (p.normalized === null || p.name === except || p.configuredWeight === 0) continue;
    w += p.configuredWeight;
    wn += p.configuredWeight * p.normalized;
  }
  return w > 0 ? wn / w : null;
}

/** The metric that best explains a component's direction: its biggest loss, or its best. */
function telling(e: Evaluated, direction: "down" | "up"): MetricValue | undefined {
  let best: MetricValue | undefined;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (const m of e.metrics) {
    const value = direction === "down" ? m.weight * (100 - m.normalized) : m.weight * m.normalized;
    if (value > bestValue) {
      best = m;
      bestValue = value;
    }
  }
  return best;
}

/** Scores one customer. Pure: the same inputs always give the same score. */
export function score(
  aggregate: Aggregate,
  compiled: CompiledModel,
  previous: PreviousScore | null | undefined,
  now: number,
): HealthScore {
  const baseFacts = readFacts(aggregate, compiled.model, now);
  const segment = segmentFor(compiled.model, baseFacts);
  const model = compiled.bySegment.get(segment) ?? compiled.model;
  // Segment overrides change weights, tiers and key features, never how facts are read,
  // except the adoption window and key features which are read by `metricsOf`.
  const facts = baseFacts;

  const parts = COMPONENTS.map((name) => evaluate(name, facts, model));

  // Billing data that is only bad news (a failed payment before any subscription or
  // successful payment is known) must not lift the score by bringing a new component
  // into the average: it counts as no better than the rest of the account.
  const financial = parts.find((p) => p.name === "financial") as Evaluated;
  if (financial.normalized !== null && !facts.billingBaseline) {
    const others = weightedScore(parts, "financial");
    if (others !== null) financial.normalized = Math.min(financial.normalized, others);
  }

  let totalWeight = 0;
  let availableWeight = 0;
  let coveredWeight = 0;
  for (const p of parts) {
    totalWeight += p.configuredWeight;
    coveredWeight += p.configuredWeight * p.metricCoverage;
    if (p.normalized !== null) availableWeight += p.configuredWeight;
  }
  const coverage = totalWeight > 0 ? coveredWeight / totalWeight : 0;
  const raw = weightedScore(parts);
  const value =
    raw === null || coverage < model.minCoverage ? null : Math.min(100, Math.max(0, round1(raw)));

  const components: ComponentScore[] = parts.map((p) => {
    const weight =
      p.normalized === null || availableWeight === 0 ? 0 : p.configuredWeight / availableWeight;
    const rawValues: Record<string, number> = {};
    for (const m of p.metrics) rawValues[m.name] = round1(m.raw * 100) / 100;
    return {
      name: p.name,
      available: p.normalized !== null,
      raw: rawValues,
      normalized: p.normalized === null ? null : round1(p.normalized),
      weight: Math.round(weight * 1000) / 1000,
      contribution: p.normalized === null ? 0 : round1(p.normalized * weight),
    };
  });

  const drivers = findDrivers(parts, components, previous, facts, model);
  return {
    accountId: aggregate.accountId,
    score: value,
    tier: tierWithHysteresis(value, previous?.tier, model.tiers),
    components,
    coverage: Math.round(coverage * 1000) / 1000,
    drivers,
    modelVersion: compiled.modelVersion,
    segment,
    computedAt: now,
  };
}

/**
 * The components that moved the score most since the previous score; on a first score,
 * the components that hold it furthest below 100.
 */
function findDrivers(
  parts: readonly Evaluated[],
  components: readonly ComponentScore[],
  previous: PreviousScore | null | undefined,
  facts: Facts,
  model: Model,
): Driver[] {
  const candidates: { part: Evaluated; impact: number }[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as Evaluated;
    const now = components[i] as ComponentScore;
    if (previous?.components) {
      const before = previous.components.find((c) => c.name === part.name)?.contribution ?? 0;
      const impact = round1(now.contribution - before);
      if (Math.abs(impact) >= 0.5) candidates.push({ part, impact });
    } else if (now.available) {
      const shortfall = round1(now.weight * (100 - (now.normalized ?? 100)));
      if (shortfall >= 0.5) candidates.push({ part, impact: -shortfall });
    }
  }
  candidates.sort((a, b) => Math.abs(b.impact) - Math.abs(a.impact));
  const drivers: Driver[] = [];
  for (const { part, impact } of candidates.slice(0, model.alerts.topDrivers)) {
    const metric = telling(part, impact < 0 ? "down" : "up");
    const reason = metric
      ? describe(part.name, metric, facts, model)
      : `no ${part.name} data any more`;
    drivers.push({ component: part.name, impact, reason });
  }
  return drivers;
}
