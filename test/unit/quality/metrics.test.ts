import { describe, expect, it } from "vitest";
import {
  auc,
  churnRate,
  liftAtTop,
  median,
  pairedAucDifference,
  prAuc,
  reliabilityBins,
} from "../../../lib/quality/metrics.ts";

// Five observations, riskiest first; churned: the 1st and the 3rd.
const risk = [0.9, 0.8, 0.7, 0.6, 0.5];
const churned = [true, false, true, false, false];

describe("auc", () => {
  it("counts the share of churned/retained pairs ranked right", () => {
    // 0.9 outranks the three retained, 0.7 outranks 0.6 and 0.5: 5 of 6 pairs.
    expect(auc(risk, churned)).toBeCloseTo(5 / 6, 12);
  });

  it("counts a tie as half a pair", () => {
    // The churned 1 ties the retained 1 (0.5) and beats the retained 0 (1): 1.5 of 2.
    expect(auc([1, 1, 0], [true, false, false])).toBe(0.75);
  });

  it("is 1 for a perfect ranking and 0 for a reversed one, in any input order", () => {
    expect(auc([0.1, 0.9, 0.2, 0.8], [false, true, false, true])).toBe(1);
    expect(auc([0.1, 0.9, 0.2, 0.8], [true, false, true, false])).toBe(0);
  });

  it("is NaN without a churned or without a retained observation", () => {
    expect(auc([0.3, 0.2], [false, false])).toBeNaN();
    expect(auc([0.3, 0.2], [true, true])).toBeNaN();
  });

  it("rejects inputs of different lengths", () => {
    expect(() => auc([1, 2], [true])).toThrow(RangeError);
  });
});

describe("pairedAucDifference", () => {
  it("gives DeLong's difference and standard error (worked by hand)", () => {
    // Churned: the first two. A ranks one churned below a retained one (AUC 0.75), B none (1).
    const churnedPair = [true, true, false, false];
    const { difference, standardError } = pairedAucDifference(
      [0.9, 0.4, 0.5, 0.1],
      [0.9, 0.6, 0.5, 0.1],
      churnedPair,
    );
    expect(difference).toBeCloseTo(0.25, 12);
    // Components of A: churned [1, 0.5], retained [0.5, 1], each of variance 0.125; B's
    // are constant: (0.125 / 2 + 0.125 / 2) ** 0.5.
    expect(standardError).toBeCloseTo(Math.sqrt(0.125), 12);
  });

  it("is exactly zero for the same ranking, and NaN without both outcomes", () => {
    expect(pairedAucDifference(risk, risk, churned)).toEqual({ difference: 0, standardError: 0 });
    expect(pairedAucDifference([1, 2], [2, 1], [false, false]).difference).toBeNaN();
    expect(() => pairedAucDifference([1], [1, 2], [true, false])).toThrow(RangeError);
  });
});

describe("prAuc", () => {
  it("averages the precision at each churned observation's threshold", () => {
    // Recall 1/2 at precision 1 (0.9), recall 2/2 at precision 2/3 (0.7).
    expect(prAuc(risk, churned)).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 12);
  });

  it("treats equal risks as one threshold", () => {
    // Both risk-1 observations enter together: recall 1 at precision 1/2.
    expect(prAuc([1, 1, 0], [true, false, false])).toBe(0.5);
  });

  it("is NaN without a churned observation", () => {
    expect(prAuc([1, 0], [false, false])).toBeNaN();
  });
});

describe("liftAtTop", () => {
  const tenRisks = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
  const tenChurned = [true, false, false, false, false, false, false, false, false, true];

  it("divides the churn rate of the riskiest decile by the overall rate", () => {
    // The riskiest one of ten churned (rate 1); overall 2 of 10 (0.2): lift 5.
    expect(liftAtTop(tenRisks, tenChurned)).toBe(5);
  });

  it("takes ceil(n × fraction) observations", () => {
    // ceil(10 × 0.25) = 3, one of them churned: (1/3) / 0.2.
    expect(liftAtTop(tenRisks, tenChurned, 0.25)).toBeCloseTo(5 / 3, 12);
  });

  it("is NaN when nobody churned", () => {
    expect(liftAtTop([1, 2], [false, false])).toBeNaN();
  });
});

describe("reliabilityBins", () => {
  it("bins predictions by width and reports mean prediction and churn rate per bin", () => {
    const bins = reliabilityBins([0.05, 0.15, 0.12, 0.95, 1], [false, true, false, true, true]);
    expect(bins).toHaveLength(10);
    expect(bins[0]).toMatchObject({ lower: 0, upper: 0.1, count: 1, observedRate: 0 });
    expect(bins[0]?.meanPredicted).toBeCloseTo(0.05, 12);
    expect(bins[1]).toMatchObject({ count: 2, observedRate: 0.5 });
    expect(bins[1]?.meanPredicted).toBeCloseTo(0.135, 12);
    // 1 falls into the last bin.
    expect(bins[9]).toMatchObject({ count: 2, observedRate: 1 });
    expect(bins[9]?.meanPredicted).toBeCloseTo(0.975, 12);
    expect(bins[5]?.count).toBe(0);
    expect(bins[5]?.observedRate).toBeNaN();
  });
});

describe("churnRate and median", () => {
  it("computes the share churned", () => {
    expect(churnRate([true, false, false, false])).toBe(0.25);
    expect(churnRate([])).toBeNaN();
  });

  it("takes the middle value, or the mean of the two middle values", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
