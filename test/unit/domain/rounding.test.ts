import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hundredths, round1 } from "../../../functions/domain/rounding.ts";

/** A decimal with at most two places, as JSON and the API print it. */
const TWO_PLACES = /^-?\d+(\.\d{1,2})?$/;

describe("hundredths", () => {
  it.each([
    [5.253, 5.25],
    [5.2549, 5.25],
    [5.255, 5.26],
    [1.005, 1.01],
    [2.675, 2.68],
    [0.285, 0.29],
    [0.125, 0.13],
    [-0.125, -0.13],
    [-5.253, -5.25],
    [100, 100],
    [0.1 + 0.2, 0.3],
  ])("rounds %s to %s", (x, expected) => {
    expect(hundredths(x)).toBe(expected);
    expect(String(hundredths(x))).toBe(String(expected));
  });

  it("returns 0, not -0, for a small negative value", () => {
    expect(Object.is(hundredths(-0.004), 0)).toBe(true);
    expect(Object.is(hundredths(-0), 0)).toBe(true);
  });

  it("gives the nearest two-decimal number, printed without float noise", () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (x) => {
        const rounded = hundredths(x);

        expect(String(rounded)).toMatch(TWO_PLACES);
        expect(Math.abs(rounded - x)).toBeLessThanOrEqual(0.005 + 1e-9 * Math.max(1, Math.abs(x)));
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps a number that already has two decimals", () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000, max: 10_000_000 }), (cents) => {
        expect(hundredths(cents / 100)).toBe(cents / 100);
      }),
    );
  });
});

describe("round1", () => {
  it.each([
    [67.46, 67.5],
    [67.44, 67.4],
    [0.05 * 3, 0.2],
  ])("rounds %s to %s", (x, expected) => {
    expect(round1(x)).toBe(expected);
  });
});
