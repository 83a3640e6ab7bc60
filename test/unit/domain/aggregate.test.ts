import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Aggregate,
  aggregateOf,
  applyUpdate,
  attr,
  emptyAggregate,
  isNewer,
  metric,
  signalToUpdate,
  textSentiment,
  usageImpactOf,
} from "../../../functions/domain/aggregate.ts";
import { decayEpoch, forwardWeight } from "../../../functions/domain/decay.ts";
import { subscriptionRank } from "../../../functions/domain/lifecycle.ts";
import { compileModel } from "../../../functions/domain/model.ts";
import { score } from "../../../functions/domain/score.ts";
import { epochDay, weekStartDay, yearMonth } from "../../../functions/domain/time.ts";
import { signalsArb, withPermutation } from "../../support/arbitraries.ts";
import { DAY, NOW, signal } from "../../support/signals.ts";
import { testCompiled, testModelInput } from "../../support/test-model.ts";

const compiled = testCompiled;
const decay = compiled.model.decay;
const epoch = decayEpoch(NOW);

/** Sums equal within a relative 1e-9 (float addition is not associative). */
function expectSumsClose(actual: Aggregate["sums"], expected: Aggregate["sums"]) {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [key, value] of Object.entries(expected)) {
    const other = actual[key] as number;
    expect(Math.abs(other - value)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(value)));
  }
}

describe("textSentiment", () => {
  it.each([
    "",
    "   ",
    "the table and the chair",
  ])("returns undefined for text with no scored word: %j", (text) => {
    expect(textSentiment(text)).toBeUndefined();
  });

  it.each([
    ["I hate this", -1],
    ["This is terrible and I am angry", -6 / 7],
    ["Great, thank you!", 5 / 3],
  ])("scores %j as %s per word", (text, mood) => {
    expect(textSentiment(text)).toBeCloseTo(mood, 12);
  });
});

describe("signalToUpdate", () => {
  it("counts usage and adds it to both usage half-lives", () => {
    const s = signal({ kind: "usage", event: "report_viewed", count: 3 }, 2);

    const update = signalToUpdate(s, decay);

    expect(update.add).toEqual({
      n_usage: 1,
      [`d_usage_7d_e${epoch}`]: forwardWeight(3, s.occurredAt, 7),
      [`d_usage_30d_e${epoch}`]: forwardWeight(3, s.occurredAt, 30),
    });
    expect(update.union).toEqual({ [attr.activeDays]: [String(epochDay(NOW - 2 * DAY))] });
    expect(update.latest).toEqual({});
  });

  describe("with usage impacts", () => {
    const impacts = compileModel({
      ...testModelInput(),
      components: {
        ...testModelInput().components,
        engagement: {
          ...testModelInput().components.engagement,
          impacts: { error_shown: -2, report_exported: 5, tour_closed: 0 },
          defaultImpact: 1.5,
        },
      },
    }).model;
    const impactOf = usageImpactOf(impacts);
    const usage = (event: string, count: number) => signal({ kind: "usage", event, count }, 2);

    it("reads each named impact, and the default for a name the model does not list", () => {
      expect(["error_shown", "report_exported", "tour_closed", "login"].map(impactOf)).toEqual([
        -2, 5, 0, 1.5,
      ]);
      // A name that is also an Object.prototype key is an unnamed event, not a function.
      expect(impactOf("constructor")).toBe(1.5);
    });

    it("adds count × impact to usage for a positive impact", () => {
      const s = usage("report_exported", 3);

      const update = signalToUpdate(s, decay, impactOf);

      expect(update.add).toEqual({
        n_usage: 1,
        [`d_usage_7d_e${epoch}`]: forwardWeight(15, s.occurredAt, 7),
        [`d_usage_30d_e${epoch}`]: forwardWeight(15, s.occurredAt, 30),
      });
      expect(update.union).toEqual({ [attr.activeDays]: [String(epochDay(NOW - 2 * DAY))] });
    });

    it("adds count × |impact| to usageNeg, not usage, for a negative impact, and marks no day active", () => {
      const s = usage("error_shown", 4);

      const update = signalToUpdate(s, decay, impactOf);

      expect(metric.usageNegative).toBe("usageNeg");
      expect(update.add).toEqual({
        n_usage: 1,
        [`d_usageNeg_7d_e${epoch}`]: forwardWeight(8, s.occurredAt, 7),
        [`d_usageNeg_30d_e${epoch}`]: forwardWeight(8, s.occurredAt, 30),
      });
      expect(update.union).toEqual({});
    });

    it("weighs an unnamed event by the default impact, and counts an impact of 0 only in n_usage", () => {
      const s = usage("login", 2);
      expect(signalToUpdate(s, decay, impactOf).add).toEqual({
        n_usage: 1,
        [`d_usage_7d_e${epoch}`]: forwardWeight(3, s.occurredAt, 7),
        [`d_usage_30d_e${epoch}`]: forwardWeight(3, s.occurredAt, 30),
      });
      expect(signalToUpdate(usage("tour_closed", 9), decay, impactOf)).toEqual({
        add: { n_usage: 1 },
        union: {},
        latest: {},
      });
    });

    it("lowers net usage (usage − usageNeg) by a negative-impact event", () => {
      const good = usage("report_exported", 2);
      const bad = usage("error_shown", 3);
      const net = (agg: Aggregate) =>
        (agg.sums[`d_usage_7d_e${epoch}`] ?? 0) - (agg.sums[`d_usageNeg_7d_e${epoch}`] ?? 0);

      const before = aggregateOf("acct-1", [good], decay, impactOf);
      const after = aggregateOf("acct-1", [good, bad], decay, impactOf);

      // In units of one event's forward weight (the stored sums are large numbers).
      const unit = forwardWeight(1, good.occurredAt, 7);
      expect(net(before) / unit).toBeCloseTo(10, 9);
      expect(net(after) / unit).toBeCloseTo(10 - 6, 9);
    });

    it("weighs every event 1 without impacts, as before them", () => {
      const s = usage("error_shown", 4);
      expect(signalToUpdate(s, decay)).toEqual(signalToUpdate(s, decay, () => 1));
      expect(signalToUpdate(s, decay, usageImpactOf(compiled.model))).toEqual(
        signalToUpdate(s, decay),
      );
    });
  });

  it("records a used feature by week and marks the day active", () => {
    const update = signalToUpdate(signal({ kind: "feature_used", feature: "reports" }, 1), decay);

    expect(update.union).toEqual({
      [attr.featureWeeks]: [`reports@${weekStartDay(NOW - DAY)}`],
      [attr.activeDays]: [String(epochDay(NOW - DAY))],
    });
  });

  it.each([
    [10, "npsPro"],
    [9, "npsPro"],
    [8, "npsPas"],
    [7, "npsPas"],
    [6, "npsDet"],
    [0, "npsDet"],
  ])("puts an NPS answer of %s in %s and remembers it", (answer, bucket) => {
    const s = signal({ kind: "nps", score: answer }, 0, { sourceEventId: "nps-1" });

    const update = signalToUpdate(s, decay);

    expect(Object.keys(update.add)).toEqual(["n_nps", `d_${bucket}_90d_e${epoch}`]);
    expect(update.latest[attr.lastNps]).toEqual({ score: answer, ts: NOW, eid: "nps-1" });
  });

  it("adds the mood of an angry ticket to the ticket sentiment sums", () => {
    const s = signal({ kind: "ticket_opened", ticketId: "t1", text: "I hate this" });

    const update = signalToUpdate(s, decay);

    expect(update.add[`d_tktSentSum_30d_e${epoch}`]).toBeCloseTo(forwardWeight(-1, NOW, 30), 12);
    expect(update.add[`d_tktSentN_30d_e${epoch}`]).toBeCloseTo(forwardWeight(1, NOW, 30), 12);
  });

  it("leaves the ticket sentiment sums alone for text with no scored word", () => {
    const s = signal({ kind: "ticket_comment", ticketId: "t1", text: "see attached file" });

    expect(signalToUpdate(s, decay).add).toEqual({ n_ticket_comment: 1 });
  });

  it("records the subscription state and the month's MRR", () => {
    const s = signal({ kind: "subscription", status: "active", mrr: 9_900, seats: 4 }, 0, {
      sourceEventId: "sub-1",
    });

    const update = signalToUpdate(s, decay);

    expect(update.latest).toEqual({
      [attr.subscription]: {
        status: "active",
        mrr: 9_900,
        currency: null,
        seats: 4,
        plan: null,
        renewsAt: null,
        cancelAtPeriodEnd: false,
        ts: NOW,
        rk: subscriptionRank("active", false),
        eid: "sub-1",
      },
      [attr.mrrMonth(yearMonth(NOW))]: {
        mrr: 9_900,
        ts: NOW,
        rk: subscriptionRank("active", false),
        eid: "sub-1",
      },
    });
  });
});

describe("applyUpdate", () => {
  it("adds counters, unions sets and leaves its input untouched", () => {
    const before = aggregateOf("acct-1", [signal({ kind: "active" }, 1)], decay);
    const update = signalToUpdate(signal({ kind: "active" }, 0), decay);

    const after = applyUpdate(before, update);

    expect(after.sums).toEqual({ n_active: 2 });
    expect(after.sets[attr.activeDays]).toEqual(
      new Set([String(epochDay(NOW - DAY)), String(epochDay(NOW))]),
    );
    expect(before.sums).toEqual({ n_active: 1 });
    expect(before.sets[attr.activeDays]?.size).toBe(1);
  });
});

describe("latest-value registers", () => {
  const older = signal({ kind: "subscription", status: "active", mrr: 10_000 }, 10, {
    sourceEventId: "sub-old",
  });
  const newer = signal({ kind: "subscription", status: "canceled", mrr: 0 }, 2, {
    sourceEventId: "sub-new",
  });

  it.each([
    ["older first", [older, newer]],
    ["newer first", [newer, older]],
  ])("keep the newer subscription state when the %s arrives", (_order, signals) => {
    const agg = aggregateOf("acct-1", signals, decay);

    expect(agg.latest[attr.subscription]).toMatchObject({
      status: "canceled",
      mrr: 0,
      eid: "sub-new",
      ts: NOW - 2 * DAY,
    });
  });

  it("break a tie of source time by lifecycle, whatever the event ids, in either order", () => {
    // Stripe: created `incomplete` and updated to `active` in the same second; the event
    // ids happen to sort the other way.
    const created = signal({ kind: "subscription", status: "incomplete", mrr: 0 }, 1, {
      sourceEventId: "evt_B",
    });
    const updated = signal({ kind: "subscription", status: "active", mrr: 2_000 }, 1, {
      sourceEventId: "evt_A",
    });

    const inOrder = aggregateOf("acct-1", [created, updated], decay);
    const reversed = aggregateOf("acct-1", [updated, created], decay);

    expect(inOrder.latest[attr.subscription]).toMatchObject({ status: "active", eid: "evt_A" });
    expect(inOrder.latest[attr.mrrMonth(yearMonth(NOW - DAY))]).toMatchObject({ mrr: 2_000 });
    expect(reversed.latest).toEqual(inOrder.latest);
  });

  it("break a tie of source time and lifecycle by event id, in either order", () => {
    const a = signal({ kind: "subscription", status: "active", mrr: 1_000 }, 1, {
      sourceEventId: "evt-a",
    });
    const b = signal({ kind: "subscription", status: "active", mrr: 2_000 }, 1, {
      sourceEventId: "evt-b",
    });

    const ab = aggregateOf("acct-1", [a, b], decay);
    const ba = aggregateOf("acct-1", [b, a], decay);

    expect(ab.latest[attr.subscription]).toMatchObject({ mrr: 2_000, eid: "evt-b" });
    expect(ba.latest[attr.subscription]).toEqual(ab.latest[attr.subscription]);
  });

  it("are replaced only by a newer time, then a higher rank, then a greater event id", () => {
    const base = { ts: 100, rk: 3, eid: "m" };

    expect(isNewer({ ts: 101, eid: "a" }, base)).toBe(true);
    expect(isNewer({ ts: 101, rk: 1, eid: "a" }, base)).toBe(true);
    expect(isNewer({ ts: 99, rk: 9, eid: "z" }, base)).toBe(false);
    expect(isNewer({ ts: 100, rk: 4, eid: "a" }, base)).toBe(true);
    expect(isNewer({ ts: 100, rk: 2, eid: "z" }, base)).toBe(false);
    expect(isNewer({ ts: 100, rk: 3, eid: "n" }, base)).toBe(true);
    expect(isNewer({ ts: 100, rk: 3, eid: "m" }, base)).toBe(false);
    expect(isNewer({ ts: 100, rk: 3, eid: "l" }, base)).toBe(false);
    expect(isNewer(base, undefined)).toBe(true);
  });

  it("read a register without a rank as rank 0", () => {
    const unranked = { ts: 100, eid: "m" };

    expect(isNewer({ ts: 100, rk: 1, eid: "a" }, unranked)).toBe(true);
    expect(isNewer(unranked, { ts: 100, rk: 1, eid: "a" })).toBe(false);
    expect(isNewer({ ts: 100, eid: "n" }, unranked)).toBe(true);
    expect(isNewer({ ts: 100, eid: "l" }, unranked)).toBe(false);
    expect(isNewer({ ts: 100, rk: 0, eid: "n" }, unranked)).toBe(true);
  });
});

describe("aggregateOf", () => {
  it("starts from an empty aggregate for no signals", () => {
    expect(aggregateOf("acct-9", [], decay)).toEqual(emptyAggregate("acct-9"));
  });

  it("gives the same aggregate and score for any order of the same signals", () => {
    const history = signalsArb({ maxLength: 60 }).chain(withPermutation);
    fc.assert(
      fc.property(history, fc.integer({ min: 0, max: 30 }), ([signals, shuffled], daysLater) => {
        // Act
        const a = aggregateOf("acct-1", signals, decay);
        const b = aggregateOf("acct-1", shuffled, decay);
        // Assert
        expectSumsClose(b.sums, a.sums);
        expect(b.sets).toEqual(a.sets);
        expect(b.latest).toEqual(a.latest);
        const now = NOW + daysLater * DAY;
        const scoreA = score(a, compiled, null, now);
        const scoreB = score(b, compiled, null, now);
        expect(scoreB.score).toBe(scoreA.score);
        expect(scoreB.tier).toBe(scoreA.tier);
        expect(scoreB.coverage).toBe(scoreA.coverage);
      }),
      { numRuns: 300 },
    );
  });

  it("gives the same aggregate for any order with negative, zero and positive impacts", () => {
    const history = signalsArb({ maxLength: 60, maxDaysAgo: 200 }).chain(withPermutation);
    const impactTable = fc.dictionary(
      fc.constantFrom("report_viewed", "dashboard_opened", "export_created"),
      fc.integer({ min: -10, max: 10 }),
    );
    fc.assert(
      fc.property(
        history,
        impactTable,
        fc.integer({ min: -3, max: 3 }),
        ([signals, shuffled], table, fallback) => {
          const impactOf = (event: string) => table[event] ?? fallback;
          const a = aggregateOf("acct-1", signals, decay, impactOf);
          const b = aggregateOf("acct-1", shuffled, decay, impactOf);

          expectSumsClose(b.sums, a.sums);
          expect(b.sets).toEqual(a.sets);
          expect(b.latest).toEqual(a.latest);
          for (const [key, value] of Object.entries(a.sums)) {
            if (key.startsWith("d_usage")) expect(value).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("is order-independent across an epoch boundary too", () => {
    // NOW is 143 days into epoch 1: 200 days of history reach back into epoch 0.
    const history = signalsArb({ maxLength: 40, maxDaysAgo: 200 }).chain(withPermutation);
    fc.assert(
      fc.property(history, ([signals, shuffled]) => {
        const a = aggregateOf("acct-1", signals, decay);
        const b = aggregateOf("acct-1", shuffled, decay);

        expectSumsClose(b.sums, a.sums);
        expect(b.sets).toEqual(a.sets);
        expect(b.latest).toEqual(a.latest);
        expect(score(b, compiled, null, NOW).score).toBe(score(a, compiled, null, NOW).score);
      }),
      { numRuns: 200 },
    );
  });
});
