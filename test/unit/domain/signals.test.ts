import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Signal, type SignalKind } from "../../../functions/domain/signals.ts";
import {
  failedPaymentArb,
  paymentStoryArb,
  signalsArb,
  valuesArbs,
} from "../../support/arbitraries.ts";
import { DAY, NOW } from "../../support/signals.ts";

describe("Signal (test arbitraries)", () => {
  it("accepts every generated signal, with unique event ids and times in the window", () => {
    fc.assert(
      fc.property(signalsArb({ maxLength: 40 }), (signals) => {
        for (const s of signals) {
          expect(Signal.safeParse(s).success).toBe(true);
          expect(s.accountId).toBe("acct-1");
          expect(s.occurredAt).toBeLessThanOrEqual(NOW);
          expect(s.occurredAt).toBeGreaterThanOrEqual(NOW - 120 * DAY);
        }
        expect(new Set(signals.map((s) => s.sourceEventId)).size).toBe(signals.length);
      }),
      { numRuns: 200 },
    );
  });

  it("generates every kind of signal", () => {
    const kinds = Object.keys(valuesArbs()) as SignalKind[];
    const seen = new Set<string>();

    for (const signals of fc.sample(signalsArb({ minLength: 20, maxLength: 20 }), 50)) {
      for (const s of signals) seen.add(s.values.kind);
    }

    expect([...seen].sort()).toEqual([...kinds].sort());
    expect(kinds).toHaveLength(18);
  });

  it("accepts generated failed payments and payment stories", () => {
    fc.assert(
      fc.property(failedPaymentArb(), paymentStoryArb(), (failed, story) => {
        expect(Signal.safeParse(failed).success).toBe(true);
        expect(failed.values.kind).toBe("payment_failed");
        expect(failed.occurredAt).toBeGreaterThanOrEqual(NOW - 60 * DAY);
        for (const s of story) expect(Signal.safeParse(s).success).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
