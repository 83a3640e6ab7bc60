import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DECAY_BASE_MS,
  decayEpoch,
  decayedIncrement,
  decayedKey,
  decayedValueOf,
  EPOCH_DAYS,
  epochLandmark,
  forwardWeight,
  parseDecayedKey,
} from "../../../functions/domain/decay.ts";
import { DAY } from "../../support/signals.ts";

/** Reads one event's increment back at `now`. */
function readBack(weight: number, t: number, halfLifeDays: number, now: number) {
  const { key, value } = decayedIncrement("usage", halfLifeDays, weight, t);
  const parsed = parseDecayedKey(key);
  if (!parsed) throw new Error(`unparseable key ${key}`);
  return decayedValueOf(value, parsed.epoch, parsed.halfLifeDays, now);
}

describe("decayEpoch", () => {
  it("starts epoch 0 at DECAY_BASE_MS and a new epoch every EPOCH_DAYS", () => {
    expect(decayEpoch(DECAY_BASE_MS)).toBe(0);
    expect(decayEpoch(DECAY_BASE_MS + EPOCH_DAYS * DAY - 1)).toBe(0);
    expect(decayEpoch(DECAY_BASE_MS + EPOCH_DAYS * DAY)).toBe(1);
    expect(decayEpoch(DECAY_BASE_MS - 1)).toBe(-1);
    expect(epochLandmark(1)).toBe(Date.UTC(2026, 6, 2));
    expect(epochLandmark(-1)).toBe(DECAY_BASE_MS - EPOCH_DAYS * DAY);
  });
});

describe("decayedKey / parseDecayedKey", () => {
  it.each([
    ["usage", 7, 1, "d_usage_7d_e1"],
    ["tktSentSum", 30, 0, "d_tktSentSum_30d_e0"],
    ["npsPro", 90, -1, "d_npsPro_90d_e-1"],
    ["usage", 2.5, 3, "d_usage_2.5d_e3"],
  ])("round-trips %s with half-life %s in epoch %s as %s", (metric, halfLifeDays, epoch, key) => {
    expect(decayedKey(metric, halfLifeDays, epoch)).toBe(key);
    expect(parseDecayedKey(key)).toEqual({ metric, halfLifeDays, epoch });
  });

  it.each([
    "n_usage",
    "s_activeDays",
    "l_sub",
    "d_usage",
    "d_usage_7x_e1",
    "d_usage_7d_ex",
  ])("returns undefined for %s", (key) => {
    expect(parseDecayedKey(key)).toBeUndefined();
  });
});

describe("forwardWeight", () => {
  it("is the weight itself at the epoch landmark", () => {
    expect(forwardWeight(3, epochLandmark(1), 7)).toBe(3);
  });

  it("keeps the exponent below EPOCH_DAYS / half-life", () => {
    const lastInstant = epochLandmark(2) - 1;

    const value = forwardWeight(1, lastInstant, 1);

    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeLessThan(2 ** EPOCH_DAYS);
    expect(value).toBeGreaterThan(2 ** (EPOCH_DAYS - 1));
  });
});

describe("decayedValueOf", () => {
  it("counts an event one half-life old as half", () => {
    const t = Date.UTC(2026, 10, 1);

    expect(readBack(4, t, 7, t)).toBeCloseTo(4, 12);
    expect(readBack(4, t, 7, t + 7 * DAY)).toBeCloseTo(2, 12);
    expect(readBack(4, t, 7, t + 14 * DAY)).toBeCloseTo(1, 12);
  });

  it("counts an event half across an epoch boundary", () => {
    const t = epochLandmark(1) - 3 * DAY;
    const { key } = decayedIncrement("usage", 7, 1, t);

    const halfLifeLater = readBack(1, t, 7, t + 7 * DAY);

    expect(key).toBe("d_usage_7d_e0");
    expect(decayEpoch(t + 7 * DAY)).toBe(1);
    expect(halfLifeLater).toBeCloseTo(0.5, 12);
  });

  it("counts an event before DECAY_BASE_MS half a half-life later", () => {
    const t = DECAY_BASE_MS - 10 * DAY;
    const { key } = decayedIncrement("usage", 30, 1, t);

    expect(key).toBe("d_usage_30d_e-1");
    expect(readBack(1, t, 30, t + 30 * DAY)).toBeCloseTo(0.5, 12);
  });

  it("halves any event per half-life, in any epoch", () => {
    const halfLife = fc.oneof(
      fc.constantFrom(1, 7, 30, 90),
      fc.double({ min: 0.5, max: 365, noNaN: true }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: DECAY_BASE_MS - 400 * DAY, max: DECAY_BASE_MS + 1000 * DAY }),
        halfLife,
        fc.double({ min: 0.01, max: 1000, noNaN: true }),
        fc.integer({ min: 0, max: 4 }),
        (t, h, weight, halfLives) => {
          // Act
          const then = readBack(weight, t, h, t);
          const later = readBack(weight, t, h, t + halfLives * h * DAY);
          // Assert
          expect(then / weight).toBeCloseTo(1, 10);
          expect(later / weight).toBeCloseTo(2 ** -halfLives, 10);
        },
      ),
      { numRuns: 400 },
    );
  });
});
