/**
 * What scoring keeps per model and per call: the `ScorePlan` of a (segment) model and the
 * `work` arrays the score in progress fills, with the few rules that read them (a
 * component's weighted mean, the weighted score, the metric that tells a component's
 * direction). Used by the component metrics, the drivers and `score` itself.
 */
import {
  COMPONENTS,
  type CompiledCurve,
  type ComponentName,
  type Curve,
  compileCurve,
  evalCompiledCurve,
  type Model,
} from "./model.ts";
import { type ModelPhrases, phrasesFor } from "./reasons.ts";

/*
 * Scoring is a hot path: the hourly rescore reads every customer, and the bench scores
 * 100k accounts on one core. The shapes below are chosen for that:
 * - everything that depends on the model alone comes from a `ScorePlan`, computed once
 *   per (segment) model;
 * - the per-metric and per-component working values live in flat typed arrays reused by
 *   every call (`work`), not in an object per metric and per component, so a score
 *   allocates little beyond what it returns;
 * - each component's `raw` record is written with literal property names, one store site
 *   per metric, which V8 keeps fast; one generic `raw[name] = …` site would see every
 *   shape of every component and fall back to its slowest path;
 * - no closures, `map`/`filter`/`sort` callbacks or string keys built per call; reasons
 *   are only made for the drivers reported, mostly from phrases already built (`Phrases`).
 */

export const ENGAGEMENT = COMPONENTS.indexOf("engagement");
export const ADOPTION = COMPONENTS.indexOf("adoption");
export const SENTIMENT = COMPONENTS.indexOf("sentiment");
export const SUPPORT = COMPONENTS.indexOf("support");
export const FINANCIAL = COMPONENTS.indexOf("financial");
export const COMPONENT_COUNT = COMPONENTS.length;

/** A metric's weight and its curve, compiled. */
export interface PlannedMetric {
  readonly weight: number;
  readonly curve: CompiledCurve;
}
type Planned<Metrics> = { readonly [K in keyof Metrics]: PlannedMetric };
type MetricsOf<C extends ComponentName> = Model["components"][C]["metrics"];

/** What scoring needs from one (segment) model, computed once per model. */
export interface ScorePlan {
  /** Per component, in COMPONENTS order: its weight, and its metrics' total weight. */
  readonly configuredWeights: Float64Array;
  readonly metricWeightTotals: Float64Array;
  readonly engagement: Planned<MetricsOf<"engagement">>;
  readonly adoption: Planned<MetricsOf<"adoption">>;
  readonly sentiment: Planned<MetricsOf<"sentiment">>;
  readonly support: Planned<MetricsOf<"support">>;
  readonly financial: Planned<MetricsOf<"financial">>;
  readonly phrases: ModelPhrases;
}
const scorePlans = new WeakMap<Model, ScorePlan>();
/** The last few plans used: a batch cycles through the same few segment models. */
const recentPlans: ScorePlan[] = [];
const recentModels: Model[] = [];
const RECENT_PLANS = 4;

const NO_CURVE = compileCurve([]);

function planMetrics<M extends Record<string, { weight: number; curve?: Curve }>>(
  metrics: M,
): Planned<M> {
  const planned: Record<string, PlannedMetric> = {};
  for (const key in metrics) {
    const { weight, curve } = metrics[key] as M[typeof key];
    planned[key] = { weight, curve: curve ? compileCurve(curve) : NO_CURVE };
  }
  return planned as Planned<M>;
}

/** The plan of `model`, built on first use and kept while the model lives. */
export function scorePlanOf(model: Model): ScorePlan {
  for (let i = 0; i < recentModels.length; i++) {
    if (recentModels[i] === model) return recentPlans[i] as ScorePlan;
  }
  const plan = scorePlans.get(model) ?? newScorePlan(model);
  if (recentModels.length === RECENT_PLANS) {
    recentModels.shift();
    recentPlans.shift();
  }
  recentModels.push(model);
  recentPlans.push(plan);
  return plan;
}

function newScorePlan(model: Model): ScorePlan {
  const configuredWeights = new Float64Array(COMPONENT_COUNT);
  const metricWeightTotals = new Float64Array(COMPONENT_COUNT);
  COMPONENTS.forEach((name, c) => {
    const component = model.components[name];
    configuredWeights[c] = component.weight;
    // Summed in the metrics' key order, as `score` always has.
    let totalW = 0;
    for (const key in component.metrics) {
      totalW += (component.metrics as Record<string, { weight: number }>)[key]?.weight ?? 0;
    }
    metricWeightTotals[c] = totalW;
  });
  const c = model.components;
  const plan: ScorePlan = {
    configuredWeights,
    metricWeightTotals,
    engagement: planMetrics(c.engagement.metrics),
    adoption: planMetrics(c.adoption.metrics),
    sentiment: planMetrics(c.sentiment.metrics),
    support: planMetrics(c.support.metrics),
    financial: planMetrics(c.financial.metrics),
    phrases: phrasesFor(model),
  };
  scorePlans.set(model, plan);
  return plan;
}

/** Room per component in the metric arrays (the most any component has is 5). */
export const MAX_METRICS = 8;

/**
 * The working values of the `score` call in progress. Component c's metrics are at
 * [c · MAX_METRICS, c · MAX_METRICS + metricCount[c]), in the order they are reported.
 * `score` is synchronous and calls back into no caller's code, so no two calls share it.
 */
export const work = {
  metricName: new Array<string>(COMPONENT_COUNT * MAX_METRICS).fill(""),
  metricRaw: new Float64Array(COMPONENT_COUNT * MAX_METRICS),
  metricNormalized: new Float64Array(COMPONENT_COUNT * MAX_METRICS),
  metricWeight: new Float64Array(COMPONENT_COUNT * MAX_METRICS),
  metricCount: new Int32Array(COMPONENT_COUNT),
  /** 1 when the component has metric weight backed by data. */
  available: new Uint8Array(COMPONENT_COUNT),
  /** Weighted mean of the component's metrics (0-100), where available. */
  normalized: new Float64Array(COMPONENT_COUNT),
  /** Share of the component's metric weight that has data. */
  metricCoverage: new Float64Array(COMPONENT_COUNT),
  /** The component's normalized, weight and contribution as reported (rounded). */
  shownNormalized: new Float64Array(COMPONENT_COUNT),
  shownWeight: new Float64Array(COMPONENT_COUNT),
  contribution: new Float64Array(COMPONENT_COUNT),
  /** Driver candidates, ordered by |impact|, largest first. */
  candidateComponent: new Int32Array(COMPONENT_COUNT),
  candidateImpact: new Float64Array(COMPONENT_COUNT),
};

/** Adds a metric with data to component `c` of the score in progress. */
export function addMetric(
  c: number,
  name: string,
  raw: number,
  normalized: number,
  weight: number,
) {
  const n = work.metricCount[c] as number;
  const k = c * MAX_METRICS + n;
  work.metricName[k] = name;
  work.metricRaw[k] = raw;
  work.metricNormalized[k] = normalized;
  work.metricWeight[k] = weight;
  work.metricCount[c] = n + 1;
}

/** Adds a measured metric normalized by its curve. */
export const addCurveMetric = (c: number, name: string, metric: PlannedMetric, raw: number) =>
  addMetric(c, name, raw, evalCompiledCurve(metric.curve, raw), metric.weight);

/** Fills the component's weighted mean and metric coverage from its metrics in `work`. */
export function evaluate(c: number, plan: ScorePlan): void {
  let sumW = 0;
  let sumWN = 0;
  const end = c * MAX_METRICS + (work.metricCount[c] as number);
  for (let k = c * MAX_METRICS; k < end; k++) {
    const w = work.metricWeight[k] as number;
    sumW += w;
    sumWN += w * (work.metricNormalized[k] as number);
  }
  work.available[c] = sumW > 0 ? 1 : 0;
  work.normalized[c] = sumW > 0 ? sumWN / sumW : 0;
  const totalW = plan.metricWeightTotals[c] as number;
  work.metricCoverage[c] = totalW > 0 ? sumW / totalW : 0;
}

/** Weighted mean over available components, skipping component `except`; null if none. */
export function weightedScore(plan: ScorePlan, except: number): number | null {
  let w = 0;
  let wn = 0;
  for (let c = 0; c < COMPONENT_COUNT; c++) {
    const weight = plan.configuredWeights[c] as number;
    if (work.available[c] !== 1 || c === except || weight === 0) continue;
    w += weight;
    wn += weight * (work.normalized[c] as number);
  }
  return w > 0 ? wn / w : null;
}

/**
 * The metric that best explains a component's direction: its biggest loss, or its best
 * (the first of equals). Its index in `work`, or -1 when the component has no metrics.
 */
export function telling(c: number, down: boolean): number {
  let best = -1;
  let bestValue = Number.NEGATIVE_INFINITY;
  const end = c * MAX_METRICS + (work.metricCount[c] as number);
  for (let k = c * MAX_METRICS; k < end; k++) {
    const w = work.metricWeight[k] as number;
    const normalized = work.metricNormalized[k] as number;
    const value = down ? w * (100 - normalized) : w * normalized;
    if (value > bestValue) {
      best = k;
      bestValue = value;
    }
  }
  return best;
}
