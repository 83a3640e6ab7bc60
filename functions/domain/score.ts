/**
 * The health score: a pure function of (aggregate, model, previous score, now), design
 * decisions 4, 6 and 7. Every score explains itself: components with raw, normalized,
 * weight and contribution; the share of the model backed by data; the red flags raised;
 * the drivers that moved it and what holds it down now, in plain words.
 *
 * Scoring reads the one table of metrics (metrics.ts): each metric with data is measured,
 * normalized by its curve and weighed within its component; components are weighed among
 * those with data. Red flags (flags.ts) then cap the score and the best tier allowed.
 */
import type { Aggregate } from "./aggregate.ts";
import { findDrivers, findHoldingDown } from "./drivers.ts";
import { type Facts, readFacts } from "./facts.ts";
import { publicFlag, type RaisedFlag, raisedFlags } from "./flags.ts";
import { METRICS, type MetricDefinition, normalizeMetric, settingsOf } from "./metrics.ts";
import {
  COMPONENTS,
  type CompiledModel,
  type ComponentName,
  type Model,
  segmentFor,
} from "./model.ts";
import { hundredths, round1 } from "./rounding.ts";
import { baseTier, betterTier, type Tier, tierWithHysteresis, worseTier } from "./tiers.ts";

export type { RaisedFlag } from "./flags.ts";

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
  /** Red flags raised now, worst first. */
  readonly flags: readonly RaisedFlag[];
  /** What moved the score since the previous score (newly raised flags first). */
  readonly drivers: readonly Driver[];
  /**
   * What holds it down now: the largest gaps to full marks in points (impact < 0),
   * largest first, raised flags first.
   */
  readonly holdingDown: readonly Driver[];
  readonly modelVersion: string;
  readonly segment: string;
  readonly computedAt: number;
}

/**
 * The parts of a previous score this one is compared with. `flags` is missing on scores
 * stored before red flags: read as none.
 */
export type PreviousScore = Pick<HealthScore, "tier" | "components" | "score"> & {
  readonly flags?: readonly Pick<RaisedFlag, "name" | "tier">[];
};

/** One metric with data, as scored. */
export interface MetricValue {
  readonly metric: MetricDefinition;
  readonly raw: number;
  readonly normalized: number;
  readonly weight: number;
}

/** One component as scored, before rounding. */
export interface Evaluated {
  readonly name: ComponentName;
  readonly metrics: readonly MetricValue[];
  /** Weighted mean of its metrics with data (0-100), or null without any. */
  normalized: number | null;
  readonly configuredWeight: number;
  /** Share of the component's metric weight that has data. */
  readonly metricCoverage: number;
}

/** The table's metrics by component, in table order. */
const METRICS_OF = Object.fromEntries(
  COMPONENTS.map((name) => [name, METRICS.filter((m) => m.component === name)]),
) as unknown as Record<ComponentName, readonly MetricDefinition[]>;

/** Measures and normalizes the component's metrics that have data. */
function evaluate(name: ComponentName, facts: Facts, model: Model): Evaluated {
  const metrics: MetricValue[] = [];
  let totalWeight = 0;
  let sumW = 0;
  let sumWN = 0;
  for (const metric of METRICS_OF[name]) {
    const weight = settingsOf(metric, model).weight ?? 0;
    totalWeight += weight;
    const raw = metric.measure(facts, model);
    if (raw === null || !Number.isFinite(raw)) continue;
    const normalized = normalizeMetric(metric, raw, model);
    metrics.push({ metric, raw, normalized, weight });
    sumW += weight;
    sumWN += weight * normalized;
  }
  return {
    name,
    metrics,
    normalized: sumW > 0 ? sumWN / sumW : null,
    configuredWeight: model.components[name].weight,
    metricCoverage: totalWeight > 0 ? sumW / totalWeight : 0,
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

/**
 * True when a flag that may have set the previous tier is no longer raised: a flag at
 * least as bad as that tier (a critical customer's at-risk flag held nothing), matched by
 * name and tier, so a flag a model change softened counts as cleared.
 */
function heldByClearedFlag(previous: PreviousScore | null | undefined, now: readonly RaisedFlag[]) {
  if (!previous || previous.tier === "unknown") return false;
  const tier = previous.tier;
  return (previous.flags ?? []).some(
    (f) =>
      worseTier(f.tier, tier) === f.tier &&
      !now.some((n) => n.name === f.name && n.tier === f.tier),
  );
}

/** Scores one customer. Pure: the same inputs always give the same score. */
export function score(
  aggregate: Aggregate,
  compiled: CompiledModel,
  previous: PreviousScore | null | undefined,
  now: number,
): HealthScore {
  // Facts are read with the base model: a segment overrides weights, tiers and key
  // features, which metrics take from the segment's model, never how facts are read
  // (the segment itself is chosen from the facts).
  const facts = readFacts(aggregate, compiled.model, now);
  const segment = segmentFor(compiled.model, facts);
  const model = compiled.bySegment.get(segment) ?? compiled.model;

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
  const uncapped =
    raw === null || coverage < model.minCoverage ? null : Math.min(100, Math.max(0, round1(raw)));

  // Red flags cap the score and the tier; a score too thin to give stays null (unknown),
  // but its flags are still reported.
  const flags = raisedFlags(facts, model);
  let value = uncapped;
  for (const flag of flags) if (value !== null) value = Math.min(value, round1(flag.maxScore));
  let tier = tierWithHysteresis(value, previous?.tier, model.tiers);
  // Hysteresis holds a tier the score earned, not one a flag imposed: once a flag that may
  // have set the previous tier clears, the customer may go where its score alone puts it
  // (a customer at 85 whose detractor answer aged out is healthy again, not at-risk until
  // 91). Flags raised now still apply below.
  if (value !== null && heldByClearedFlag(previous, flags)) {
    tier = betterTier(tier, baseTier(value, model.tiers));
  }
  for (const flag of flags) if (value !== null) tier = worseTier(tier, flag.tier);

  const components: ComponentScore[] = parts.map((p) => {
    const weight =
      p.normalized === null || availableWeight === 0 ? 0 : p.configuredWeight / availableWeight;
    const rawValues: Record<string, number> = {};
    for (const m of p.metrics) rawValues[m.metric.key] = hundredths(m.raw);
    return {
      name: p.name,
      available: p.normalized !== null,
      raw: rawValues,
      normalized: p.normalized === null ? null : round1(p.normalized),
      weight: Math.round(weight * 1000) / 1000,
      contribution: p.normalized === null ? 0 : round1(p.normalized * weight),
    };
  });

  const scored = { parts, components, facts, model, flags, uncapped, value, availableWeight };
  return {
    accountId: aggregate.accountId,
    score: value,
    tier,
    components,
    coverage: Math.round(coverage * 1000) / 1000,
    flags: flags.map(publicFlag),
    drivers: findDrivers(scored, previous),
    holdingDown: findHoldingDown(scored),
    modelVersion: compiled.modelVersion,
    segment,
    computedAt: now,
  };
}
