/**
 * From observations to model weights. The score is a weighted mean of metric scores,
 * the effective weight of metric m in component c being w_c × w_cm; a logistic regression
 * of churn on the metric scores with non-negative "health" coefficients (a higher metric
 * score may only mean less risk) gives those effective weights up to a scale: component
 * weight = the sum of its metrics' shares, metric weight = its share inside the component.
 */
import { COMPONENTS, type ComponentName, type Model } from "../../../functions/domain/model.ts";
import type { CalibrationRow, MetricKey } from "./features.ts";
import { metricKeysOf } from "./features.ts";
import { crossValidate, fitLogistic, type LogisticFit, type Sign } from "./logistic.ts";

/** The least share of the model's weight a metric keeps when its fit says "little". */
export const WEIGHT_FLOOR = 0.01;
/** A metric needs data on this many training observations to be fitted. */
export const MIN_MEASURED = 10;

export interface MetricWeightFit {
  readonly keys: MetricKey[];
  /** Effective weight (share of the whole score) per key, summing to 1. */
  readonly effective: Record<MetricKey, number>;
  /** Why a weight is what it is, per key: fitted, floor, held at 0, no data. */
  readonly why: Record<MetricKey, string>;
  readonly lambda: number;
  readonly observations: number;
  readonly churned: number;
  readonly fit: LogisticFit;
}

/**
 * A metric's value for the fit, 0-1: its score, or where it had no data what the score
 * did in its place (the rest of its component, else the whole score): the score leaves a
 * metric without data out of the weighted mean, which is the same as filling it that way.
 */
export function featureOf(row: CalibrationRow, key: MetricKey): number {
  const component = key.slice(0, key.indexOf(".")) as ComponentName;
  const value = row.metrics[key] ?? row.components[component] ?? row.score ?? 50;
  return value / 100;
}

/** Rounds shares to 3 decimals keeping their sum exactly `total` (the largest takes the rest). */
export function roundShares(values: readonly number[], total = 1): number[] {
  const rounded = values.map((v) => Math.round(v * 1000) / 1000);
  const drift = Math.round((total - rounded.reduce((s, v) => s + v, 0)) * 1000) / 1000;
  if (drift !== 0 && rounded.length > 0) {
    const largest = rounded.indexOf(Math.max(...rounded));
    rounded[largest] = Math.round(((rounded[largest] as number) + drift) * 1000) / 1000;
  }
  return rounded;
}

/** Fits the effective metric weights on the scored training rows. */
export function fitMetricWeights(
  rows: readonly CalibrationRow[],
  model: Model,
  options: { folds?: number; lambdas?: readonly number[] } = {},
): MetricWeightFit {
  const scored = rows.filter((r) => r.score !== null);
  const allKeys = metricKeysOf(model);
  const measured = (key: MetricKey) => scored.filter((r) => r.metrics[key] !== undefined).length;
  const fitted = allKeys.filter((key) => {
    if (measured(key) < MIN_MEASURED) return false;
    const values = scored.map((r) => featureOf(r, key));
    return Math.max(...values) - Math.min(...values) > 1e-9;
  });
  const X = scored.map((r) => fitted.map((key) => featureOf(r, key)));
  const y = scored.map((r) => (r.churned ? 1 : 0));
  // Churn is the outcome: a higher metric score may only lower it (coefficient ≤ 0).
  const signs = fitted.map((): Sign => -1);
  const cv = crossValidate(
    X,
    y,
    scored.map((r) => r.accountId),
    {
      k: options.folds,
      lambdas: options.lambdas,
      signs,
    },
  );
  const fit = fitLogistic(X, y, { lambda: cv.lambda, signs });
  const health = new Map(fitted.map((key, j) => [key, -(fit.coefficients[j] as number)]));
  const totalHealth = [...health.values()].reduce((s, v) => s + v, 0);
  const why = {} as Record<MetricKey, string>;
  const raw = allKeys.map((key) => {
    if (!health.has(key)) {
      why[key] =
        `too little data to fit (${measured(key)} of ${scored.length} observations measured it): kept at the floor`;
      return WEIGHT_FLOOR;
    }
    const j = fitted.indexOf(key);
    if (fit.held[j]) {
      why[key] =
        "its data pointed the wrong way (a higher score went with more churn once the other metrics are known): 0";
      return 0;
    }
    const share = totalHealth > 0 ? (health.get(key) as number) / totalHealth : 0;
    if (share < WEIGHT_FLOOR) {
      why[key] = `fitted share ${share.toFixed(4)} is below the floor ${WEIGHT_FLOOR}: floor`;
      return WEIGHT_FLOOR;
    }
    why[key] =
      `fitted: ${(health.get(key) as number).toFixed(2)} log-odds of churn less per 100 points`;
    return share;
  });
  const sum = raw.reduce((s, v) => s + v, 0);
  const effective = {} as Record<MetricKey, number>;
  allKeys.forEach((key, i) => {
    effective[key] = sum > 0 ? (raw[i] as number) / sum : 1 / allKeys.length;
  });
  return {
    keys: allKeys,
    effective,
    why,
    lambda: cv.lambda,
    observations: scored.length,
    churned: y.filter((v) => v === 1).length,
    fit,
  };
}

export interface ModelWeights {
  readonly components: Record<ComponentName, number>;
  readonly metrics: Record<ComponentName, Record<string, number>>;
}

/**
 * Splits effective weights into the model's shape: component weights summing to 1 and,
 * inside each, metric weights summing to 1. A component whose metrics all fell to 0 gets
 * weight 0 and keeps its old metric weights.
 */
export function toModelWeights(effective: Record<MetricKey, number>, model: Model): ModelWeights {
  const componentTotals = COMPONENTS.map((c) =>
    Object.keys(model.components[c].metrics).reduce(
      (s, m) => s + (effective[`${c}.${m}` as MetricKey] ?? 0),
      0,
    ),
  );
  const roundedComponents = roundShares(componentTotals);
  const components = {} as Record<ComponentName, number>;
  const metrics = {} as Record<ComponentName, Record<string, number>>;
  COMPONENTS.forEach((c, i) => {
    components[c] = roundedComponents[i] as number;
    const names = Object.keys(model.components[c].metrics);
    const total = componentTotals[i] as number;
    const old = model.components[c].metrics as Record<string, { weight: number }>;
    const shares =
      total > 0
        ? roundShares(names.map((m) => (effective[`${c}.${m}` as MetricKey] ?? 0) / total))
        : names.map((m) => old[m]?.weight ?? 0);
    metrics[c] = Object.fromEntries(names.map((m, k) => [m, shares[k] as number]));
  });
  return { components, metrics };
}

/**
 * A component's score under new metric weights: their weighted mean over the metrics
 * with data (as the score computes it), or null when none has data.
 */
export function componentScoreOf(
  row: CalibrationRow,
  c: ComponentName,
  metricWeights: Record<string, number>,
): number | null {
  let w = 0;
  let wx = 0;
  for (const [m, weight] of Object.entries(metricWeights)) {
    const value = row.metrics[`${c}.${m}` as MetricKey];
    if (value === undefined) continue;
    w += weight;
    wx += weight * value;
  }
  return w > 0 ? wx / w : null;
}

export interface ImpactFit {
  /** Impact per event name, the reference event (most common positive one) at 1. */
  readonly impacts: Record<string, number>;
  readonly reference: string | null;
  /** Per event: the coefficient per (event per seat per day), the rows that had it. */
  readonly detail: Record<string, { coefficient: number; rows: number }>;
  readonly lambda: number;
}

/** An event name needs a non-zero rate on this many training observations to be fitted. */
export const MIN_EVENT_ROWS = 10;
/** Fitted impacts are kept within ±this. */
export const MAX_IMPACT = 10;

/**
 * Fits churn on the usage rate of each event name (standardized, L2, penalty by CV) and
 * maps the coefficients to impacts: the sign says good or bad sign, the size is relative
 * to the most used event with a good sign (≈ 1), per event, since an impact multiplies
 * each event's count.
 */
export function fitImpacts(
  rows: readonly CalibrationRow[],
  options: { folds?: number; lambdas?: readonly number[] } = {},
): ImpactFit {
  const totals = new Map<string, { sum: number; rows: number }>();
  for (const row of rows) {
    for (const [name, rate] of Object.entries(row.usageRates)) {
      if (!(rate > 0)) continue;
      const t = totals.get(name) ?? { sum: 0, rows: 0 };
      t.sum += rate;
      t.rows++;
      totals.set(name, t);
    }
  }
  const names = [...totals.entries()]
    .filter(([, t]) => t.rows >= MIN_EVENT_ROWS)
    .map(([name]) => name)
    .sort();
  if (names.length === 0 || rows.length === 0) {
    return { impacts: {}, reference: null, detail: {}, lambda: Number.NaN };
  }
  const raw = rows.map((r) => names.map((n) => r.usageRates[n] ?? 0));
  const means = names.map((_, j) => raw.reduce((s, x) => s + (x[j] as number), 0) / raw.length);
  const sds = names.map((_, j) =>
    Math.sqrt(
      raw.reduce((s, x) => s + ((x[j] as number) - (means[j] as number)) ** 2, 0) / raw.length,
    ),
  );
  const X = raw.map((x) =>
    x.map((v, j) => ((sds[j] as number) > 0 ? (v - (means[j] as number)) / (sds[j] as number) : 0)),
  );
  const y = rows.map((r) => (r.churned ? 1 : 0));
  const cv = crossValidate(
    X,
    y,
    rows.map((r) => r.accountId),
    {
      k: options.folds,
      lambdas: options.lambdas,
    },
  );
  const fit = fitLogistic(X, y, { lambda: cv.lambda });
  // Per event per seat per day: undo the standardization.
  const perEvent = names.map((_, j) =>
    (sds[j] as number) > 0 ? (fit.coefficients[j] as number) / (sds[j] as number) : 0,
  );
  const detail: ImpactFit["detail"] = {};
  names.forEach((name, j) => {
    detail[name] = { coefficient: perEvent[j] as number, rows: totals.get(name)?.rows ?? 0 };
  });
  // The reference: the most used event whose use goes with less churn.
  let reference: string | null = null;
  for (const [j, name] of names.entries()) {
    if ((perEvent[j] as number) >= 0) continue;
    if (reference === null || (totals.get(name)?.sum ?? 0) > (totals.get(reference)?.sum ?? 0)) {
      reference = name;
    }
  }
  if (reference === null) return { impacts: {}, reference, detail, lambda: cv.lambda };
  const unit = perEvent[names.indexOf(reference)] as number;
  const impacts: Record<string, number> = {};
  names.forEach((name, j) => {
    const impact = Math.round(((perEvent[j] as number) / unit) * 10) / 10;
    impacts[name] = Math.max(-MAX_IMPACT, Math.min(MAX_IMPACT, impact));
  });
  return { impacts, reference, detail, lambda: cv.lambda };
}

export interface TierFit {
  readonly healthy: number;
  readonly atRisk: number;
  readonly why: string;
}

/**
 * Tier thresholds from scores and labels: a one-variable logistic fit of churn on the
 * score gives the churn probability at each score; `healthy` is where it equals the base
 * rate (above it, less risk than average), `atRisk` where it is twice the base rate (at
 * most 50%). Null when the score does not rank churn (slope not negative).
 */
export function fitTiers(
  rows: readonly { score: number | null; churned: boolean }[],
  margin: number,
): TierFit | null {
  const scored = rows.filter((r): r is { score: number; churned: boolean } => r.score !== null);
  if (scored.length === 0) return null;
  const y = scored.map((r) => (r.churned ? 1 : 0));
  const base = y.reduce((s: number, v) => s + v, 0) / y.length;
  if (base <= 0 || base >= 1) return null;
  const fit = fitLogistic(
    scored.map((r) => [r.score / 100]),
    y,
    { lambda: 1e-6 },
  );
  const slope = fit.coefficients[0] as number;
  if (!(slope < 0)) return null;
  const scoreAt = (p: number) => ((Math.log(p / (1 - p)) - fit.intercept) / slope) * 100;
  const atRisk = Math.round(Math.max(5, Math.min(90, scoreAt(Math.min(0.5, 2 * base)))));
  const healthy = Math.round(Math.max(atRisk + Math.ceil(margin) + 1, Math.min(95, scoreAt(base))));
  return {
    healthy,
    atRisk,
    why: `churn probability by score (logistic fit): base rate ${(base * 100).toFixed(1)}% at ${healthy}, twice it at ${atRisk}`,
  };
}
