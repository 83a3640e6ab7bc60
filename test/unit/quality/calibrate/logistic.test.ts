/**
 * The logistic fit behind `npm run calibrate`: it recovers a known logistic relation,
 * respects sign constraints, and cross-validation picks a small penalty for a real signal
 * and a large one for noise.
 */
import { describe, expect, it } from "vitest";
import {
  crossValidate,
  fitLogistic,
  foldOf,
  probability,
} from "../../../../lib/quality/calibrate/logistic.ts";
import { Random } from "../../../../lib/quality/random.ts";

/** n rows of `p` uniform features and labels drawn from σ(intercept + x·β). */
function synthetic(n: number, beta: readonly number[], intercept: number, seed: number) {
  const rng = new Random(seed);
  const random = () => rng.next();
  const rows = Array.from({ length: n }, () => beta.map(() => random()));
  const fit = { intercept, coefficients: [...beta] };
  const y = rows.map((x) => (random() < probability(fit, x) ? 1 : 0));
  return { rows, y };
}

describe("fitLogistic", () => {
  it("recovers the coefficients of a known logistic relation", () => {
    const truth = [-4, -2, 1.5];
    const { rows, y } = synthetic(20_000, truth, 0.5, 7);
    const fit = fitLogistic(rows, y, { lambda: 1e-3 });
    expect(fit.converged).toBe(true);
    for (const [j, b] of fit.coefficients.entries()) {
      expect(Math.abs(b - (truth[j] as number))).toBeLessThan(0.3);
    }
    expect(Math.abs(fit.intercept - 0.5)).toBeLessThan(0.3);
  });

  it("holds a coefficient at 0 when the data pushes it across its sign constraint", () => {
    const { rows, y } = synthetic(10_000, [-4, 3], 0, 3);
    const free = fitLogistic(rows, y, { lambda: 1e-3 });
    expect(free.coefficients[1]).toBeGreaterThan(2);
    const constrained = fitLogistic(rows, y, { lambda: 1e-3, signs: [-1, -1] });
    expect(constrained.held).toEqual([false, true]);
    expect(constrained.coefficients[1]).toBe(0);
    expect(constrained.coefficients[0]).toBeLessThan(-2);
  });

  it("shrinks the coefficients as the penalty grows", () => {
    const { rows, y } = synthetic(2_000, [-3, -1], 0, 5);
    const small = fitLogistic(rows, y, { lambda: 0.01 });
    const large = fitLogistic(rows, y, { lambda: 1000 });
    expect(Math.abs(large.coefficients[0] as number)).toBeLessThan(
      Math.abs(small.coefficients[0] as number) / 2,
    );
  });
});

describe("crossValidate", () => {
  const lambdas = [0.01, 0.1, 1, 10, 100, 1000];

  it("chooses a small penalty for a strong signal", () => {
    const { rows, y } = synthetic(3_000, [-5, -3], 1, 11);
    const cv = crossValidate(
      rows,
      y,
      rows.map((_, i) => `a${i}`),
      { lambdas },
    );
    expect(cv.scores).toHaveLength(lambdas.length);
    expect(cv.lambda).toBeLessThanOrEqual(1);
  });

  it("chooses a large penalty when the features are noise", () => {
    const { rows, y } = synthetic(600, [0, 0, 0, 0, 0, 0, 0, 0], -1, 13);
    const cv = crossValidate(
      rows,
      y,
      rows.map((_, i) => `a${i}`),
      { lambdas },
    );
    expect(cv.lambda).toBeGreaterThanOrEqual(100);
  });

  it("keeps every observation of one account in one fold", () => {
    const groups = ["acct-1", "acct-2", "acct-1", "acct-3", "acct-1"];
    const folds = groups.map((g) => foldOf(g, 5));
    expect(new Set([folds[0], folds[2], folds[4]]).size).toBe(1);
  });
});
