import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  baseTier,
  classifyTierChange,
  isScoreDrop,
  type Tier,
  tierWithHysteresis,
} from "../../../functions/domain/tiers.ts";

const DEFAULTS = { healthy: 70, atRisk: 40, margin: 5 };

describe("baseTier", () => {
  it.each([
    [72, "healthy"],
    [70, "healthy"],
    [69.9, "at-risk"],
    [40, "at-risk"],
    [39.9, "critical"],
    [0, "critical"],
    [null, "unknown"],
  ] as const)("places %s in %s", (score, tier) => {
    expect(baseTier(score, DEFAULTS)).toBe(tier);
  });
});

describe("tierWithHysteresis", () => {
  it.each([
    [72, undefined, "healthy"],
    [66, "healthy", "healthy"],
    [65, "healthy", "healthy"],
    [64, "healthy", "at-risk"],
    [38, "healthy", "critical"],
    [43, "critical", "critical"],
    [44.9, "critical", "critical"],
    [46, "critical", "at-risk"],
    [80, "critical", "healthy"],
    [74.9, "at-risk", "at-risk"],
    [75, "at-risk", "healthy"],
    [35, "at-risk", "at-risk"],
    [34.9, "at-risk", "critical"],
    [64, "unknown", "at-risk"],
  ] as const)("gives %s after %s the tier %s", (score, previous, tier) => {
    expect(tierWithHysteresis(score, previous, DEFAULTS)).toBe(tier);
  });

  it("returns unknown for a null score whatever the previous tier", () => {
    for (const previous of ["healthy", "at-risk", "critical", "unknown", undefined] as const) {
      expect(tierWithHysteresis(null, previous, DEFAULTS)).toBe("unknown");
    }
  });

  it("never flips a tier on a wobble smaller than the margin", () => {
    const thresholds = fc
      .record({
        atRisk: fc.integer({ min: 0, max: 98 }),
        gap: fc.integer({ min: 1, max: 60 }),
        margin: fc.double({ min: 0, max: 20, noNaN: true }),
      })
      .map(({ atRisk, gap, margin }) => ({
        atRisk,
        healthy: Math.min(100, atRisk + gap),
        margin,
      }));
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(DEFAULTS), thresholds),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: -1, max: 1, minExcluded: true, maxExcluded: true, noNaN: true }),
        (t, s0, fraction) => {
          // Arrange
          const s1 = s0 + fraction * t.margin;
          fc.pre(s1 > s0 - t.margin && s1 < s0 + t.margin);
          const start = baseTier(s0, t);
          // Act
          const next = tierWithHysteresis(s1, start, t);
          // Assert
          expect(next).toBe(start);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("leaves a tier once the score crosses its boundary by more than the margin", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 100, noNaN: true }), (score) => {
        const fromHealthy = tierWithHysteresis(score, "healthy", DEFAULTS);
        const fromCritical = tierWithHysteresis(score, "critical", DEFAULTS);
        expect(fromHealthy === "healthy").toBe(score >= 65);
        expect(fromCritical === "critical").toBe(score < 45);
      }),
      { numRuns: 300 },
    );
  });
});

describe("classifyTierChange", () => {
  it.each([
    ["healthy", "critical", "intoCritical"],
    ["at-risk", "critical", "intoCritical"],
    ["unknown", "critical", "intoCritical"],
    ["healthy", "at-risk", "healthyToAtRisk"],
    ["critical", "at-risk", "improvement"],
    ["at-risk", "healthy", "improvement"],
    ["critical", "healthy", "improvement"],
    // Data coming in or running out is neither an improvement nor a worsening.
    ["unknown", "healthy", "unknown"],
    ["unknown", "at-risk", "unknown"],
    ["healthy", "unknown", "unknown"],
    ["at-risk", "unknown", "unknown"],
    ["critical", "unknown", "unknown"],
  ] as const)("classifies %s → %s as %s", (previous, next, kind) => {
    expect(classifyTierChange(previous, next)).toBe(kind);
  });

  it("returns undefined when the tier does not change", () => {
    for (const tier of ["healthy", "at-risk", "critical", "unknown"] as Tier[]) {
      expect(classifyTierChange(tier, tier)).toBeUndefined();
    }
  });
});

describe("isScoreDrop", () => {
  it.each([
    [65, 80, true],
    [50, 80, true],
    [65.1, 80, false],
    [90, 80, false],
    [null, 80, false],
    [10, null, false],
    [10, undefined, false],
  ] as const)("with 15 points, %s after %s is a drop: %s", (current, earlier, drop) => {
    expect(isScoreDrop(current, earlier, 15)).toBe(drop);
  });
});
