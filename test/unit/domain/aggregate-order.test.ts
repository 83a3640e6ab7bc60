/**
 * Any permutation of the same signals gives the same stored state, and a signal applied
 * twice leaves every register as once (issue 10, "any permutation and duplication of
 * events gives the same stored state"). The canonical form is what the layout stores:
 * `encodeAggregate(agg, now)`. Sums are not idempotent in the domain (an event applied
 * twice counts twice): the event record dedupes whole events, which the DynamoDB test
 * (test/integration/aggregate-layout.test.ts) proves.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeAggregate, type Item } from "../../../functions/adapters/dynamo/aggregate-layout.ts";
import { type Aggregate, aggregateOf } from "../../../functions/domain/aggregate.ts";
import type { Signal } from "../../../functions/domain/signals.ts";
import { epochDay } from "../../../functions/domain/time.ts";
import { differences } from "../../support/approx.ts";
import { signalsArb } from "../../support/arbitraries.ts";
import { DAY, NOW } from "../../support/signals.ts";

const MONTHS_14 = 426;

/** Items by sort key, so that two encodings compare whatever their order. */
const bySk = (items: readonly Item[]) =>
  Object.fromEntries(items.map((item) => [String(item.sk), item]));

/** `now` anywhere in the day after the newest signal, up to two months later. */
const nowArb = fc.integer({ min: 0, max: 60 * DAY }).map((later) => epochDay(NOW) * DAY + later);

/** Signals over 14 months with a permutation of them. */
const shuffledHistory = signalsArb({ maxLength: 80, maxDaysAgo: MONTHS_14 }).chain((signals) =>
  fc
    .shuffledSubarray(signals, { minLength: signals.length, maxLength: signals.length })
    .map((shuffled) => [signals, shuffled] as const),
);

/** An aggregate without its sums: what a duplicate signal must leave as it found it. */
function registersOf(agg: Aggregate) {
  return {
    ...agg,
    days: new Map([...agg.days].map(([day, d]) => [day, { active: d.active, mrr: d.mrr }])),
    months: new Map(
      [...agg.months].map(([month, m]) => [month, { ...m, moments: Object.keys(m.moments) }]),
    ),
  };
}

describe("stored state of an account", () => {
  it("is the same for any order of the same signals", () => {
    fc.assert(
      fc.property(shuffledHistory, nowArb, ([signals, shuffled], now) => {
        const stored = encodeAggregate(aggregateOf("acct-1", signals), now);
        const reordered = encodeAggregate(aggregateOf("acct-1", shuffled), now);

        expect(differences(bySk(reordered), bySk(stored))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it("has the same registers, tickets, invoices, features and milestones when signals repeat", () => {
    const withRepeats = shuffledHistory.chain(([signals, shuffled]) =>
      fc.subarray([...signals]).chain((repeated) =>
        fc
          .shuffledSubarray([...shuffled, ...repeated], {
            minLength: shuffled.length + repeated.length,
            maxLength: shuffled.length + repeated.length,
          })
          .map((delivered) => [signals, delivered] as const),
      ),
    );
    fc.assert(
      fc.property(
        withRepeats,
        nowArb,
        ([signals, delivered]: readonly [Signal[], Signal[]], now) => {
          const once = aggregateOf("acct-1", signals);
          const repeated = aggregateOf("acct-1", delivered);

          expect(differences(registersOf(repeated), registersOf(once))).toEqual([]);
          // The state, ticket and invoice items hold no sums: they are stored the same.
          const registerItems = (items: Item[]) =>
            bySk(items.filter((item) => !String(item.sk).startsWith("AGG#")));
          expect(
            differences(
              registerItems(encodeAggregate(repeated, now)),
              registerItems(encodeAggregate(once, now)),
            ),
          ).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("counts a repeated signal twice in the sums (dedupe is the event record's job)", () => {
    const usage: Signal = {
      accountId: "acct-1",
      source: "segment",
      sourceEventId: "evt-1",
      occurredAt: NOW,
      values: { kind: "usage", event: "report_viewed", count: 2 },
    };

    const twice = aggregateOf("acct-1", [usage, usage]);

    expect(twice.days.get(epochDay(NOW))?.sums.usage).toBe(4);
  });
});
