import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Aggregate,
  aggregateOf,
  applyUpdate,
  applyUpdates,
  emptyAggregate,
  isNewer,
  mergeUpdates,
  signalToUpdate,
  textSentiment,
  updatesByDay,
  usageImpactOf,
} from "../../../functions/domain/aggregate.ts";
import {
  paymentRank,
  priorityRank,
  subscriptionRank,
  ticketRank,
} from "../../../functions/domain/lifecycle.ts";
import { compileModel } from "../../../functions/domain/model.ts";
import { score } from "../../../functions/domain/score.ts";
import type { Signal } from "../../../functions/domain/signals.ts";
import { epochDay } from "../../../functions/domain/time.ts";
import { expectClose } from "../../support/approx.ts";
import { signalsArb, withPermutation } from "../../support/arbitraries.ts";
import { DAY, NOW, signal } from "../../support/signals.ts";
import { testCompiled, testModelInput } from "../../support/test-model.ts";

const compiled = testCompiled;
const today = epochDay(NOW);

/** Everything of an aggregate but the order its parts were built in. */
const stateOf = (agg: Aggregate) => ({ ...agg });

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
  it("adds usage raw, undecayed, to the event's UTC day and marks the day active", () => {
    const s = signal({ kind: "usage", event: "report_viewed", count: 3 }, 2);

    const update = signalToUpdate(s);

    expect(update).toEqual({
      day: today - 2,
      add: { usage: 3 },
      active: true,
      features: [],
      milestones: [],
      registers: {},
      tickets: {},
      invoices: {},
    });
  });

  it("puts an event at 23:59:59.999 UTC on its day and one a millisecond later on the next", () => {
    const midnight = Date.UTC(2026, 10, 20);
    const at = (occurredAt: number) =>
      signalToUpdate(signal({ kind: "active" }, 0, { occurredAt })).day;

    expect(at(midnight - 1)).toBe(epochDay(midnight) - 1);
    expect(at(midnight)).toBe(epochDay(midnight));
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
      const update = signalToUpdate(usage("report_exported", 3), impactOf);

      expect(update.add).toEqual({ usage: 15 });
      expect(update.active).toBe(true);
    });

    it("adds count × |impact| to usageNegative, not usage, for a negative impact, and marks no day active", () => {
      const update = signalToUpdate(usage("error_shown", 4), impactOf);

      expect(update.add).toEqual({ usageNegative: 8 });
      expect(update.active).toBe(false);
    });

    it("weighs an unnamed event by the default impact, and adds nothing for an impact of 0", () => {
      expect(signalToUpdate(usage("login", 2), impactOf).add).toEqual({ usage: 3 });

      const zero = signalToUpdate(usage("tour_closed", 9), impactOf);

      expect(zero.add).toEqual({});
      expect(zero.active).toBe(false);
    });

    it("keeps positive and negative usage of one day apart, so net usage is their difference", () => {
      const good = usage("report_exported", 2);
      const bad = usage("error_shown", 3);

      const before = aggregateOf("acct-1", [good], impactOf);
      const after = aggregateOf("acct-1", [good, bad], impactOf);

      expect(before.days.get(today - 2)).toEqual({ sums: { usage: 10 }, active: true });
      expect(after.days.get(today - 2)).toEqual({
        sums: { usage: 10, usageNegative: 6 },
        active: true,
      });
    });

    it("weighs every event 1 without impacts, as before them", () => {
      const s = usage("error_shown", 4);
      expect(signalToUpdate(s)).toEqual(signalToUpdate(s, () => 1));
      expect(signalToUpdate(s, usageImpactOf(compiled.model))).toEqual(signalToUpdate(s));
    });
  });

  it("records a used feature on its day and marks the day active", () => {
    const update = signalToUpdate(signal({ kind: "feature_used", feature: "reports" }, 1));

    expect(update).toMatchObject({ day: today - 1, features: ["reports"], active: true, add: {} });
  });

  it.each([
    [10, "npsPromoters"],
    [9, "npsPromoters"],
    [8, "npsPassives"],
    [7, "npsPassives"],
    [6, "npsDetractors"],
    [0, "npsDetractors"],
  ])("counts an NPS answer of %s in %s and remembers it", (answer, bucket) => {
    const s = signal({ kind: "nps", score: answer }, 0, { sourceEventId: "nps-1" });

    const update = signalToUpdate(s);

    expect(update.add).toEqual({ [bucket]: 1 });
    expect(update.registers).toEqual({ lastNps: { score: answer, ts: NOW, eid: "nps-1" } });
    expect(update.active).toBe(false);
  });

  it("counts an opened ticket, its mood, and opens its register with its priority", () => {
    const s = signal(
      { kind: "ticket_opened", ticketId: "t1", priority: "high", text: "I hate this" },
      0,
      { sourceEventId: "tkt-evt" },
    );

    const update = signalToUpdate(s);

    expect(update.add).toEqual({
      ticketsOpened: 1,
      ticketSentimentSum: -1,
      ticketSentimentCount: 1,
    });
    expect(update.tickets).toEqual({
      t1: {
        status: { status: "open", ts: NOW, rk: ticketRank("opened"), eid: "tkt-evt" },
        priority: { priority: "high", ts: NOW, rk: priorityRank("high"), eid: "tkt-evt" },
      },
    });
  });

  it("leaves the ticket sentiment sums alone for text with no scored word", () => {
    const s = signal({ kind: "ticket_comment", ticketId: "t1", text: "see attached file" });

    expect(signalToUpdate(s).add).toEqual({});
  });

  it("records the subscription state and the day's MRR with the same rank", () => {
    const s = signal({ kind: "subscription", status: "active", mrr: 9_900, seats: 4 }, 0, {
      sourceEventId: "sub-1",
    });

    const update = signalToUpdate(s);

    const rk = subscriptionRank("active", false);
    expect(update.registers).toEqual({
      subscription: {
        status: "active",
        mrr: 9_900,
        currency: null,
        seats: 4,
        plan: null,
        renewsAt: null,
        cancelAtPeriodEnd: false,
        ts: NOW,
        rk,
        eid: "sub-1",
      },
    });
    expect(update.mrr).toEqual({ mrr: 9_900, ts: NOW, rk, eid: "sub-1" });
  });

  it("sets no MRR register for a subscription change without MRR", () => {
    const update = signalToUpdate(signal({ kind: "subscription", status: "past_due" }));

    expect(update.mrr).toBeUndefined();
    expect(update.registers.subscription).toMatchObject({ status: "past_due", mrr: null });
  });

  it("counts a failed payment and keeps its attempt on the invoice, or apart when it has none", () => {
    const withInvoice = signalToUpdate(
      signal({ kind: "payment_failed", invoiceId: "in_1", attempt: 2 }, 0, {
        sourceEventId: "pf-1",
      }),
    );
    const loose = signalToUpdate(signal({ kind: "payment_failed" }, 0, { sourceEventId: "pf-2" }));

    expect(withInvoice.add).toEqual({ paymentsFailed: 1 });
    expect(withInvoice.invoices).toEqual({
      in_1: { status: { status: "failed", attempt: 2, ts: NOW, rk: 2, eid: "pf-1" } },
    });
    expect(withInvoice.registers.looseFailure).toBeUndefined();
    expect(loose.invoices).toEqual({});
    expect(loose.registers.looseFailure).toEqual({ attempt: 1, ts: NOW, rk: 1, eid: "pf-2" });
  });

  it("records a payment as the last payment, the last success and the invoice paid", () => {
    const update = signalToUpdate(
      signal({ kind: "payment_succeeded", invoiceId: "in_1" }, 0, { sourceEventId: "ps-1" }),
    );

    const rk = paymentRank("succeeded");
    expect(update.registers).toEqual({
      lastPayment: { status: "succeeded", invoice: "in_1", ts: NOW, rk, eid: "ps-1" },
      lastPaid: { invoice: "in_1", ts: NOW, eid: "ps-1" },
    });
    expect(update.invoices).toEqual({
      in_1: { status: { status: "paid", ts: NOW, rk, eid: "ps-1" } },
    });
  });
});

describe("applyUpdate", () => {
  it("adds to the day's sums, marks it active and leaves its input untouched", () => {
    const before = aggregateOf("acct-1", [
      signal({ kind: "usage", event: "report_viewed", count: 2 }, 0),
    ]);
    const update = signalToUpdate(signal({ kind: "usage", event: "report_viewed", count: 5 }, 0));

    const after = applyUpdate(before, update);

    expect(after.days.get(today)).toEqual({ sums: { usage: 7 }, active: true });
    expect(before.days.get(today)).toEqual({ sums: { usage: 2 }, active: true });
  });

  it("keeps a feature's latest day and every milestone", () => {
    const agg = aggregateOf("acct-1", [
      signal({ kind: "feature_used", feature: "reports" }, 3),
      signal({ kind: "feature_used", feature: "reports" }, 9),
      signal({ kind: "milestone", name: "first_report" }, 5),
      signal({ kind: "milestone", name: "first_report" }, 1),
    ]);

    expect([...agg.features]).toEqual([["reports", today - 3]]);
    expect([...agg.milestones]).toEqual(["first_report"]);
  });

  it("applies one event's merged update as its signals one by one", () => {
    const at = { occurredAt: NOW - 2 * DAY, sourceEventId: "evt-many" };
    const signals = [
      signal({ kind: "usage", event: "report_viewed", count: 2 }, 0, at),
      signal({ kind: "feature_used", feature: "api" }, 0, at),
      signal({ kind: "subscription", status: "active", mrr: 500 }, 0, at),
      signal({ kind: "ticket_opened", ticketId: "t1", priority: "low" }, 0, at),
    ];

    const merged = applyUpdate(
      emptyAggregate("acct-1"),
      mergeUpdates(signals.map((s) => signalToUpdate(s))),
    );

    expectClose(stateOf(merged), stateOf(aggregateOf("acct-1", signals)));
  });
});

describe("tickets and invoices", () => {
  const opened = signal({ kind: "ticket_opened", ticketId: "t1", priority: "urgent" }, 5);
  const solved = signal({ kind: "ticket_solved", ticketId: "t1" }, 3);
  const reopened = signal({ kind: "ticket_reopened", ticketId: "t1" }, 1);

  it.each([
    ["opened", [opened], { priority: "urgent", since: opened.occurredAt }],
    ["opened, then solved", [opened, solved], undefined],
    ["solved, delivered before it was opened", [solved, opened], undefined],
    [
      "reopened after it was solved",
      [reopened, opened, solved],
      { priority: "urgent", since: reopened.occurredAt },
    ],
  ])("count a ticket %s as open or not, in any order", (_story, signals, open) => {
    for (const order of [signals, [...signals].reverse()]) {
      const agg = aggregateOf("acct-1", order);

      expect(agg.openTickets.get("t1")).toEqual(open);
      expect(agg.tickets.get("t1")?.priority?.priority).toBe("urgent");
    }
  });

  it("take a priority change on an open ticket, and the older one never overrides it", () => {
    const lowered = signal({ kind: "ticket_priority", ticketId: "t1", priority: "low" }, 2);

    for (const order of [
      [opened, lowered],
      [lowered, opened],
    ]) {
      expect(aggregateOf("acct-1", order).openTickets.get("t1")?.priority).toBe("low");
    }
  });

  const failed = signal({ kind: "payment_failed", invoiceId: "in_1", attempt: 1 }, 6);
  const retried = signal({ kind: "payment_failed", invoiceId: "in_1", attempt: 2 }, 4);
  const paid = signal({ kind: "payment_succeeded", invoiceId: "in_1" }, 2);

  it.each([
    ["failed", [failed], { at: failed.occurredAt, attempt: 1 }],
    ["failed twice", [failed, retried], { at: retried.occurredAt, attempt: 2 }],
    ["failed, then paid", [failed, retried, paid], undefined],
  ])("count an invoice %s as failed or not, in any order", (_story, signals, failure) => {
    for (const order of [signals, [...signals].reverse()]) {
      expect(aggregateOf("acct-1", order).failedInvoices.get("in_1")).toEqual(failure);
    }
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
    const agg = aggregateOf("acct-1", signals);

    expect(agg.registers.subscription).toMatchObject({
      status: "canceled",
      mrr: 0,
      eid: "sub-new",
      ts: NOW - 2 * DAY,
    });
    // Each day keeps its own MRR: contraction reads the one at the lookback.
    expect(agg.days.get(today - 10)?.mrr).toMatchObject({ mrr: 10_000, eid: "sub-old" });
    expect(agg.days.get(today - 2)?.mrr).toMatchObject({ mrr: 0, eid: "sub-new" });
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

    const inOrder = aggregateOf("acct-1", [created, updated]);
    const reversed = aggregateOf("acct-1", [updated, created]);

    expect(inOrder.registers.subscription).toMatchObject({ status: "active", eid: "evt_A" });
    expect(inOrder.days.get(today - 1)?.mrr).toMatchObject({ mrr: 2_000 });
    expect(reversed.registers).toEqual(inOrder.registers);
    expect(reversed.days).toEqual(inOrder.days);
  });

  it("break a tie of source time and lifecycle by event id, in either order", () => {
    const a = signal({ kind: "subscription", status: "active", mrr: 1_000 }, 1, {
      sourceEventId: "evt-a",
    });
    const b = signal({ kind: "subscription", status: "active", mrr: 2_000 }, 1, {
      sourceEventId: "evt-b",
    });

    const ab = aggregateOf("acct-1", [a, b]);
    const ba = aggregateOf("acct-1", [b, a]);

    expect(ab.registers.subscription).toMatchObject({ mrr: 2_000, eid: "evt-b" });
    expect(ba.registers.subscription).toEqual(ab.registers.subscription);
    expect(ba.days.get(today - 1)?.mrr).toEqual(ab.days.get(today - 1)?.mrr);
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
    expect(aggregateOf("acct-9", [])).toEqual(emptyAggregate("acct-9"));
  });

  it("gives the same aggregate and score for any order of the same signals", () => {
    const history = signalsArb({ maxLength: 60 }).chain(withPermutation);
    fc.assert(
      fc.property(history, fc.integer({ min: 0, max: 30 }), ([signals, shuffled], daysLater) => {
        // Act
        const a = aggregateOf("acct-1", signals);
        const b = aggregateOf("acct-1", shuffled);
        // Assert
        expectClose(stateOf(b), stateOf(a));
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
          const a = aggregateOf("acct-1", signals, impactOf);
          const b = aggregateOf("acct-1", shuffled, impactOf);

          expectClose(stateOf(b), stateOf(a));
          for (const day of a.days.values()) {
            // Both sums are kept positive: net usage is their difference when read.
            expect(day.sums.usage ?? 1).toBeGreaterThan(0);
            expect(day.sums.usageNegative ?? 1).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("gives the same aggregate whether updates come one by one or merged per day", () => {
    fc.assert(
      fc.property(signalsArb({ maxLength: 40, maxDaysAgo: 10 }), (signals: Signal[]) => {
        const updates = signals.map((s) => signalToUpdate(s));

        const byDay = applyUpdates(emptyAggregate("acct-1"), updatesByDay(updates));

        expectClose(stateOf(byDay), stateOf(aggregateOf("acct-1", signals)));
      }),
      { numRuns: 200 },
    );
  });
});
