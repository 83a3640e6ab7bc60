/**
 * Pure metrics of a risk ranking against churn labels. Every function takes `risk` (higher
 * means more likely to churn) and `churned` of the same length, and returns NaN where the
 * metric is undefined (no churned or no retained observation), never a made-up number.
 */

function checkSameLength(risk: readonly number[], churned: readonly boolean[]): void {
  if (risk.length !== churned.length) {
    throw new RangeError(`risk (${risk.length}) and churned (${churned.length}) differ in length`);
  }
}

/** Indices ordered by risk, highest first; equal risks keep input order. */
function byRiskDescending(risk: readonly number[]): number[] {
  return risk.map((_, i) => i).sort((a, b) => (risk[b] as number) - (risk[a] as number) || a - b);
}

/**
 * The runs of equal risk along `order`, as [first, last] positions: tied observations share
 * one rank (AUC) or one threshold step (PR-AUC).
 */
function* tieRuns(order: readonly number[], risk: readonly number[]): Generator<[number, number]> {
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (
      end + 1 < order.length &&
      risk[order[end + 1] as number] === risk[order[start] as number]
    )
      end++;
    yield [start, end];
    start = end + 1;
  }
}

/**
 * Area under the ROC curve: the probability that a churned observation has a higher risk
 * than a retained one, ties counting one half (Mann-Whitney U / (positives × negatives)).
 */
export function auc(risk: readonly number[], churned: readonly boolean[]): number {
  checkSameLength(risk, churned);
  const order = risk.map((_, i) => i).sort((a, b) => (risk[a] as number) - (risk[b] as number));
  let positives = 0;
  let rankSumOfPositives = 0;
  // Ranks are 1-based; a run of equal risks shares the average of its ranks.
  for (const [start, end] of tieRuns(order, risk)) {
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (churned[order[k] as number]) {
        positives++;
        rankSumOfPositives += averageRank;
      }
    }
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSumOfPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Two AUCs over the same observations: their difference (b − a) and its standard error
 * (DeLong, DeLong & Clarke-Pearson, 1988). Both rank the same churned/retained pairs, so
 * their errors move together and the difference is known better than either AUC alone.
 */
export function pairedAucDifference(
  riskA: readonly number[],
  riskB: readonly number[],
  churned: readonly boolean[],
): { readonly difference: number; readonly standardError: number } {
  checkSameLength(riskA, churned);
  checkSameLength(riskB, churned);
  const positives = churned.flatMap((c, i) => (c ? [i] : []));
  const negatives = churned.flatMap((c, i) => (c ? [] : [i]));
  if (positives.length === 0 || negatives.length === 0) {
    return { difference: Number.NaN, standardError: Number.NaN };
  }
  const won = (risk: readonly number[], p: number, n: number) => {
    const [x, y] = [risk[p] as number, risk[n] as number];
    return x > y ? 1 : x === y ? 0.5 : 0;
  };
  // Each churned observation's share of retained ones ranked below it, and the reverse.
  const components = (risk: readonly number[]) => ({
    ofPositives: positives.map((p) => mean(negatives.map((n) => won(risk, p, n)))),
    ofNegatives: negatives.map((n) => mean(positives.map((p) => won(risk, p, n)))),
  });
  const a = components(riskA);
  const b = components(riskB);
  const varianceOfDifference = (x: readonly number[], y: readonly number[]) =>
    covariance(x, x) + covariance(y, y) - 2 * covariance(x, y);
  const variance =
    varianceOfDifference(a.ofPositives, b.ofPositives) / positives.length +
    varianceOfDifference(a.ofNegatives, b.ofNegatives) / negatives.length;
  return {
    difference: mean(b.ofPositives) - mean(a.ofPositives),
    standardError: Math.sqrt(Math.max(0, variance)),
  };
}

const mean = (xs: readonly number[]) => xs.reduce((sum, x) => sum + x, 0) / xs.length;

/** Sample covariance (n − 1); 0 for fewer than two values. */
function covariance(x: readonly number[], y: readonly number[]): number {
  if (x.length < 2) return 0;
  const mx = mean(x);
  const my = mean(y);
  return x.reduce((sum, xi, i) => sum + (xi - mx) * ((y[i] as number) - my), 0) / (x.length - 1);
}

/**
 * Area under the precision-recall curve as average precision: Σ (recallₖ − recallₖ₋₁) ×
 * precisionₖ over the distinct risk thresholds, highest first (equal risks form one step).
 */
export function prAuc(risk: readonly number[], churned: readonly boolean[]): number {
  checkSameLength(risk, churned);
  const positives = churned.filter(Boolean).length;
  if (positives === 0) return Number.NaN;
  const order = byRiskDescending(risk);
  let truePositives = 0;
  let seen = 0;
  let area = 0;
  for (const [start, end] of tieRuns(order, risk)) {
    let stepPositives = 0;
    for (let k = start; k <= end; k++) if (churned[order[k] as number]) stepPositives++;
    truePositives += stepPositives;
    seen += end - start + 1;
    area += (stepPositives / positives) * (truePositives / seen);
  }
  return area;
}

/** Share of observations that churned; NaN for none. */
export function churnRate(churned: readonly boolean[]): number {
  return churned.length === 0 ? Number.NaN : churned.filter(Boolean).length / churned.length;
}

/**
 * Lift of the riskiest `fraction` (default a decile): churn rate among the ceil(n ×
 * fraction) highest risks over the churn rate of all. Equal risks at the cut are taken in
 * input order.
 */
export function liftAtTop(
  risk: readonly number[],
  churned: readonly boolean[],
  fraction = 0.1,
): number {
  checkSameLength(risk, churned);
  const base = churnRate(churned);
  if (!(base > 0)) return Number.NaN;
  const take = Math.ceil(risk.length * fraction);
  const top = byRiskDescending(risk).slice(0, take);
  return churnRate(top.map((i) => churned[i] as boolean)) / base;
}

export interface ReliabilityBin {
  /** The bin covers predicted values in [lower, upper); the last bin includes 1. */
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean predicted value in the bin; NaN when empty. */
  readonly meanPredicted: number;
  /** Observed churn rate in the bin; NaN when empty. */
  readonly observedRate: number;
}

/**
 * Reliability (calibration) bins: `bins` equal-width bins of predicted values in [0, 1],
 * each with its mean prediction and observed churn rate. Predictions outside [0, 1] are
 * clamped into the first or last bin.
 */
export function reliabilityBins(
  predicted: readonly number[],
  churned: readonly boolean[],
  bins = 10,
): ReliabilityBin[] {
  checkSameLength(predicted, churned);
  const count = new Array<number>(bins).fill(0);
  const sum = new Array<number>(bins).fill(0);
  const positives = new Array<number>(bins).fill(0);
  predicted.forEach((p, i) => {
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    count[bin] = (count[bin] as number) + 1;
    sum[bin] = (sum[bin] as number) + p;
    if (churned[i]) positives[bin] = (positives[bin] as number) + 1;
  });
  return count.map((n, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    count: n,
    meanPredicted: n === 0 ? Number.NaN : (sum[b] as number) / n,
    observedRate: n === 0 ? Number.NaN : (positives[b] as number) / n,
  }));
}

/** The median, the mean of the two middle values for an even count; NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
