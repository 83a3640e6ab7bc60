/**
 * L2-regularized logistic regression, fitted by Newton's method (IRLS) with ml-matrix's
 * linear algebra, with optional sign constraints on the coefficients (an active set:
 * a coefficient that would take the wrong sign is held at 0 unless the gradient says
 * freeing it helps), and k-fold cross-validation choosing the penalty.
 *
 * Objective maximized: Σ log-likelihood − (λ/2)·‖β‖², the intercept unpenalized.
 */
import { CholeskyDecomposition, Matrix, solve } from "ml-matrix";

/** +1: the coefficient must be ≥ 0; −1: ≤ 0; 0: free. */
export type Sign = -1 | 0 | 1;

export interface LogisticOptions {
  readonly lambda: number;
  readonly signs?: readonly Sign[];
  readonly maxIterations?: number;
}

export interface LogisticFit {
  readonly intercept: number;
  readonly coefficients: number[];
  /** Features held at 0 by their sign constraint. */
  readonly held: boolean[];
  readonly converged: boolean;
  readonly lambda: number;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

function logLoss(p: number, y: number): number {
  const q = Math.min(1 - 1e-12, Math.max(1e-12, p));
  return -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
}

/** Linear predictor of row `x`. */
export const linear = (
  fit: Pick<LogisticFit, "intercept" | "coefficients">,
  x: readonly number[],
) => x.reduce((sum, v, j) => sum + v * (fit.coefficients[j] as number), fit.intercept);

export const probability = (
  fit: Pick<LogisticFit, "intercept" | "coefficients">,
  x: readonly number[],
) => sigmoid(linear(fit, x));

/** Newton iterations on the features in `free` (the others are 0). */
function newton(
  rows: readonly (readonly number[])[],
  y: readonly number[],
  free: readonly number[],
  lambda: number,
  maxIterations: number,
): { beta: number[]; converged: boolean } {
  const n = rows.length;
  const d = free.length + 1; // intercept first
  // The design matrix, intercept column first, as flat rows (read many times per step).
  const X = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = rows[i] as readonly number[];
    X[i * d] = 1;
    for (let k = 0; k < free.length; k++) X[i * d + k + 1] = row[free[k] as number] as number;
  }
  const eta = (b: readonly number[], i: number) => {
    let z = 0;
    for (let k = 0; k < d; k++) z += (X[i * d + k] as number) * (b[k] as number);
    return z;
  };
  const mean = y.reduce((s, v) => s + v, 0) / Math.max(1, n);
  const beta = new Array<number>(d).fill(0);
  beta[0] = Math.log(Math.max(1e-6, mean) / Math.max(1e-6, 1 - mean));
  const objective = (b: readonly number[]) => {
    let total = 0;
    for (let i = 0; i < n; i++) total -= logLoss(sigmoid(eta(b, i)), y[i] as number);
    let penalty = 0;
    for (let k = 1; k < d; k++) penalty += (b[k] as number) ** 2;
    return total - (lambda / 2) * penalty;
  };
  let current = objective(beta);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const gradient = new Matrix(d, 1);
    const weighted = new Matrix(n, d);
    for (let i = 0; i < n; i++) {
      const p = sigmoid(eta(beta, i));
      const w = Math.sqrt(Math.max(p * (1 - p), 1e-10));
      const residual = (y[i] as number) - p;
      for (let k = 0; k < d; k++) {
        const x = X[i * d + k] as number;
        gradient.set(k, 0, gradient.get(k, 0) + x * residual);
        weighted.set(i, k, x * w);
      }
    }
    // Hessian of the negative objective: Xᵀ W X + λ I (intercept unpenalized).
    const hessian = weighted.gram();
    for (let k = 1; k < d; k++) {
      hessian.set(k, k, hessian.get(k, k) + lambda);
      gradient.set(k, 0, gradient.get(k, 0) - lambda * (beta[k] as number));
    }
    // A tiny ridge keeps an unpenalized, separable or constant column solvable.
    for (let k = 0; k < d; k++) hessian.set(k, k, hessian.get(k, k) + 1e-9);
    const cholesky = new CholeskyDecomposition(hessian);
    const step = (
      cholesky.isPositiveDefinite() ? cholesky.solve(gradient) : solve(hessian, gradient, true)
    ).to1DArray();
    // Damped: halve the step until the objective does not fall.
    let scale = 1;
    let next = beta.map((b, k) => b + (step[k] as number));
    let value = objective(next);
    while (value < current - 1e-12 && scale > 1e-4) {
      scale /= 2;
      next = beta.map((b, k) => b + scale * (step[k] as number));
      value = objective(next);
    }
    const moved = Math.max(...next.map((b, k) => Math.abs(b - (beta[k] as number))));
    for (let k = 0; k < d; k++) beta[k] = next[k] as number;
    const improved = value - current;
    current = value;
    if (moved < 1e-8 || Math.abs(improved) < 1e-10 * (1 + Math.abs(current))) {
      return { beta, converged: true };
    }
  }
  return { beta, converged: false };
}

/** Fits y (0/1) on the feature rows; every row has the same length. */
export function fitLogistic(
  rows: readonly (readonly number[])[],
  y: readonly number[],
  options: LogisticOptions,
): LogisticFit {
  const p = rows[0]?.length ?? 0;
  const signs = options.signs ?? new Array<Sign>(p).fill(0);
  const maxIterations = options.maxIterations ?? 50;
  const held = new Array<boolean>(p).fill(false);
  let result = { beta: [0], converged: false };
  let feasible: LogisticFit | null = null;
  // Active set: rounds of holding wrong-signed coefficients or freeing one (bounded).
  for (let round = 0; round <= 4 * p + 4; round++) {
    const free = [...Array(p).keys()].filter((j) => !held[j]);
    result = newton(rows, y, free, options.lambda, maxIterations);
    const coefficients = new Array<number>(p).fill(0);
    free.forEach((j, k) => {
      coefficients[j] = result.beta[k + 1] as number;
    });
    // Every free coefficient on the wrong side of its sign is held at 0 for the next round
    // (one at a time is slower and, with the freeing step below, ends in the same place).
    const wrong = free.filter((j) => (signs[j] as Sign) * (coefficients[j] as number) < 0);
    if (wrong.length > 0) {
      for (const j of wrong) held[j] = true;
      continue;
    }
    // A held feature whose gradient at 0 points to its allowed side would improve the fit.
    const fit = { intercept: result.beta[0] as number, coefficients };
    let freed = -1;
    let freedValue = 1e-6 * rows.length;
    for (let j = 0; j < p; j++) {
      if (!held[j]) continue;
      let g = 0;
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] as readonly number[];
        g += (row[j] as number) * ((y[i] as number) - probability(fit, row));
      }
      const towards = (signs[j] as Sign) * g;
      if (towards > freedValue) {
        freed = j;
        freedValue = towards;
      }
    }
    feasible = {
      intercept: fit.intercept,
      coefficients,
      held: [...held],
      converged: result.converged,
      lambda: options.lambda,
    };
    if (freed < 0) return feasible;
    held[freed] = false;
  }
  // Rounds used up (holding and freeing went in circles): the last fit that kept every sign.
  if (feasible !== null) return { ...feasible, converged: false };
  return {
    intercept: result.beta[0] as number,
    coefficients: new Array<number>(p).fill(0),
    held: new Array<boolean>(p).fill(true),
    converged: false,
    lambda: options.lambda,
  };
}

/** The fold (0..k-1) of a group key: a stable string hash, so one account is in one fold. */
export function foldOf(group: string, k: number): number {
  let h = 2166136261;
  for (let i = 0; i < group.length; i++) h = Math.imul(h ^ group.charCodeAt(i), 16777619);
  return (h >>> 0) % k;
}

export interface CrossValidation {
  readonly lambda: number;
  /** Mean out-of-fold log loss per candidate penalty. */
  readonly scores: readonly { lambda: number; logLoss: number }[];
}

/** The default penalties tried: half-decades from 10⁻³ to 10³. */
export const LAMBDAS: readonly number[] = Array.from({ length: 13 }, (_, i) => 10 ** (i / 2 - 3));

/**
 * Chooses the penalty with the lowest mean out-of-fold log loss over `k` folds by group
 * (one account's observations stay in one fold, so its other dates cannot leak). Ties
 * go to the larger penalty (the simpler model).
 */
export function crossValidate(
  rows: readonly (readonly number[])[],
  y: readonly number[],
  groups: readonly string[],
  options: { k?: number; lambdas?: readonly number[]; signs?: readonly Sign[] } = {},
): CrossValidation {
  const k = options.k ?? 5;
  const lambdas = options.lambdas ?? LAMBDAS;
  const folds = groups.map((g) => foldOf(g, k));
  const scores = lambdas.map((lambda) => {
    let loss = 0;
    let count = 0;
    for (let f = 0; f < k; f++) {
      const trainRows = rows.filter((_, i) => folds[i] !== f);
      const trainY = y.filter((_, i) => folds[i] !== f);
      if (trainRows.length === 0 || trainRows.length === rows.length) continue;
      const fit = fitLogistic(trainRows, trainY, { lambda, signs: options.signs });
      rows.forEach((row, i) => {
        if (folds[i] !== f) return;
        loss += logLoss(probability(fit, row), y[i] as number);
        count++;
      });
    }
    return { lambda, logLoss: count ? loss / count : Number.POSITIVE_INFINITY };
  });
  let best = scores[0] as { lambda: number; logLoss: number };
  for (const s of scores) if (s.logLoss <= best.logLoss + 1e-12) best = s;
  return { lambda: best.lambda, scores };
}
