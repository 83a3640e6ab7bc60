import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aggregateOf } from "../../../functions/domain/aggregate.ts";
import { daysSinceActive, readFacts } from "../../../functions/domain/facts.ts";
import { compactAggregate } from "../../../functions/domain/history.ts";
import type { Signal, SignalValues } from "../../../functions/domain/signals.ts";
import { failedPaymentArb, paymentStoryArb } from "../../support/arbitraries.ts";
import { DAY, NOW, signal } from "../../support/signals.ts";
import { testModel } from "../../support/test-model.ts";

const model = testModel;

const factsOf = (signals: readonly Signal[], now = NOW) =>
  readFacts(aggregateOf("acct-1", signals), model, now);

/** A signal at an exact instant. */
const at = (values: SignalValues, occurredAt: number, id?: string) =>
  signal(values, 0, { occurredAt, ...(id ? { sourceEventId: id } : {}) });

const usage = (count: number, occurredAt: number) =>
  at({ kind: "usage", event: "report_viewed", count }, occurredAt);

describe("readFacts decay", () => {
  it("counts a usage event one half-life old as half", () => {
    // Arrange: the same first active day in both, so both read the same history length.
    const since = at({ kind: "active" }, NOW - 60 * DAY);
    // Act
    const fresh = factsOf([since, usage(10, NOW)]);
    const weekOld = factsOf([since, usage(10, NOW - 7 * DAY)]);
    const monthOld = factsOf([since, usage(10, NOW - 30 * DAY)]);
    // Assert
    const short = (f: typeof fresh) => f.usagePerDayShort as number;
    const long = (f: typeof fresh) => f.usagePerDayLong as number;
    expect(short(weekOld) / short(fresh)).toBeCloseTo(0.5, 12);
    expect(long(monthOld) / long(fresh)).toBeCloseTo(0.5, 12);
    expect(short(monthOld) / short(fresh)).toBeCloseTo(2 ** (-30 / 7), 12);
  });

  it("reads a steady daily rate back as that rate", () => {
    const signals = Array.from({ length: 90 }, (_, i) => usage(4, NOW - i * DAY));

    const facts = factsOf(signals);

    // Daily samples read slightly high: today's sample counts whole, where a continuous
    // rate would have spread it over the day (about +5% at a 7-day half-life, +1.3% at 30).
    expect(facts.usagePerDayShort).toBeGreaterThanOrEqual(4);
    expect(facts.usagePerDayShort).toBeLessThanOrEqual(4 * 1.055);
    expect(facts.usagePerDayLong).toBeGreaterThanOrEqual(4);
    expect(facts.usagePerDayLong).toBeLessThanOrEqual(4 * 1.015);
  });

  it("counts usage a half-life old as half whatever the day's position in its month", () => {
    for (const now of [
      Date.UTC(2026, 2, 1, 12),
      Date.UTC(2026, 5, 15, 12),
      Date.UTC(2027, 0, 31, 12),
    ]) {
      const since = at({ kind: "active" }, now - 60 * DAY);

      const fresh = factsOf([since, usage(10, now)], now);
      const weekOld = factsOf([since, usage(10, now - 7 * DAY)], now);

      expect((weekOld.usagePerDayShort as number) / (fresh.usagePerDayShort as number)).toBeCloseTo(
        0.5,
        12,
      );
    }
  });

  it("reads a month folded into moments within 1% of its exact days", () => {
    // Usage on every day of a month 4-5 months ago, read at a 30-day half-life: folded, the
    // month is three moments, read back by a second-order expansion (history.ts).
    const now = Date.UTC(2026, 10, 20, 12);
    const signals = Array.from({ length: 30 }, (_, i) =>
      usage(3 + (i % 5), Date.UTC(2026, 5, 1 + i, 9)),
    );
    const exact = aggregateOf("acct-1", signals);
    const folded = compactAggregate(exact, now);
    expect(folded.days.size).toBe(0);
    expect(folded.months.size).toBe(1);

    const long = (agg: typeof exact) => readFacts(agg, model, now).usagePerDayLong as number;

    expect(Math.abs(long(folded) / long(exact) - 1)).toBeLessThan(0.01);
  });

  it("halves a refund per billing half-life from any instant, counted at its day's noon", () => {
    const base = Date.UTC(2026, 0, 1);
    fc.assert(
      fc.property(
        fc.integer({ min: base - 200 * DAY, max: base + 900 * DAY }),
        fc.integer({ min: 0, max: 120 * DAY }),
        (now, age) => {
          // Act
          const facts = factsOf([at({ kind: "refund" }, now - age)], now);
          // Assert: time resolution is the UTC day (history.ts)
          const noon = (Math.floor((now - age) / DAY) + 0.5) * DAY;
          expect(facts.refunds).toBeCloseTo(2 ** (-(now - noon) / (30 * DAY)), 10);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reads no usage as null rather than zero", () => {
    const facts = factsOf([at({ kind: "active" }, NOW - DAY)]);

    expect(facts.usagePerDayShort).toBeNull();
    expect(facts.usagePerDayLong).toBeNull();
    expect(daysSinceActive(facts)).toBe(1);
  });
});

describe("readFacts tickets", () => {
  it("counts open tickets after opens, solves and reopens", () => {
    const signals = [
      at({ kind: "ticket_opened", ticketId: "t1" }, NOW - 5 * DAY),
      at({ kind: "ticket_opened", ticketId: "t2" }, NOW - 5 * DAY),
      at({ kind: "ticket_solved", ticketId: "t2" }, NOW - 4 * DAY),
      at({ kind: "ticket_opened", ticketId: "t3" }, NOW - 5 * DAY),
      at({ kind: "ticket_solved", ticketId: "t3" }, NOW - 4 * DAY),
      at({ kind: "ticket_reopened", ticketId: "t3" }, NOW - 3 * DAY),
    ];

    const facts = factsOf(signals);

    expect(facts.ticketsEver).toBe(true);
    expect(facts.openTickets).toBe(2);
    expect(facts.urgentOpenTickets).toBe(0);
    // One reopen per two solves, all within a day of each other.
    expect(facts.reopenRate).toBeCloseTo(0.5 * 2 ** (1 / 90), 12);
  });

  it("keeps a ticket solved when its opening arrives after its solving", () => {
    const signals = [
      at({ kind: "ticket_solved", ticketId: "t1" }, NOW - DAY),
      at({ kind: "ticket_opened", ticketId: "t1" }, NOW - 3 * DAY),
    ];

    expect(factsOf(signals).openTickets).toBe(0);
  });

  it("counts an open ticket raised to urgent as urgent", () => {
    const signals = [
      at({ kind: "ticket_opened", ticketId: "t1", priority: "low" }, NOW - 3 * DAY),
      at({ kind: "ticket_priority", ticketId: "t1", priority: "urgent" }, NOW - 2 * DAY),
      at({ kind: "ticket_opened", ticketId: "t2", priority: "high" }, NOW - 2 * DAY),
      at({ kind: "ticket_opened", ticketId: "t3", priority: "urgent" }, NOW - 2 * DAY),
      at({ kind: "ticket_priority", ticketId: "t3", priority: "normal" }, NOW - DAY),
      at({ kind: "ticket_opened", ticketId: "t4", priority: "urgent" }, NOW - 2 * DAY),
      at({ kind: "ticket_solved", ticketId: "t4" }, NOW - DAY),
    ];

    const facts = factsOf(signals);

    expect(facts.openTickets).toBe(3);
    expect(facts.urgentOpenTickets).toBe(2);
  });

  it("reads no tickets as no ticket data", () => {
    const facts = factsOf([usage(1, NOW)]);

    expect(facts.ticketsEver).toBe(false);
    expect(facts.reopenRate).toBeNull();
    expect(facts.ticketMood).toBeNull();
  });
});

describe("readFacts unrecovered failed payments", () => {
  const failed = (invoiceId: string | undefined, daysAgo: number) =>
    at(
      invoiceId === undefined ? { kind: "payment_failed" } : { kind: "payment_failed", invoiceId },
      NOW - daysAgo * DAY,
    );
  const paid = (invoiceId: string | undefined, daysAgo: number) =>
    at(
      invoiceId === undefined
        ? { kind: "payment_succeeded" }
        : { kind: "payment_succeeded", invoiceId },
      NOW - daysAgo * DAY,
    );

  it.each([
    {
      what: "a failed invoice later paid",
      expected: 0,
      signals: [failed("in_1", 10), paid("in_1", 5)],
    },
    {
      what: "a failed invoice paid, arriving first",
      expected: 0,
      signals: [paid("in_1", 5), failed("in_1", 10)],
    },
    {
      what: "a failed invoice followed by another paid one",
      expected: 0,
      signals: [failed("in_1", 10), paid("in_2", 5)],
    },
    { what: "two failed invoices", expected: 2, signals: [failed("in_1", 10), failed("in_2", 3)] },
    {
      what: "one invoice failing twice",
      expected: 1,
      signals: [failed("in_1", 10), failed("in_1", 3)],
    },
    {
      what: "a failed invoice outside the 30-day window",
      expected: 0,
      signals: [failed("in_1", 31)],
    },
    { what: "a failure without an invoice id", expected: 1, signals: [failed(undefined, 3)] },
    {
      what: "a failure without an invoice id, later paid",
      expected: 0,
      signals: [failed(undefined, 3), paid(undefined, 1)],
    },
    {
      what: "a failure without an invoice id outside the window",
      expected: 0,
      signals: [failed(undefined, 40)],
    },
    // Failures without an invoice id cannot be told apart from retries: the latest stands for all.
    {
      what: "two failures without an invoice id",
      expected: 1,
      signals: [failed(undefined, 10), failed(undefined, 5)],
    },
    {
      what: "a paid invoice failing again",
      expected: 1,
      signals: [failed("in_1", 20), paid("in_1", 15), failed("in_1", 5)],
    },
    {
      what: "a recovered failure followed by a new one",
      expected: 1,
      signals: [failed("in_1", 20), paid("in_2", 15), failed("in_3", 5)],
    },
    {
      what: "a recovered failure followed by a new one without an invoice id",
      expected: 1,
      signals: [failed("in_1", 20), paid("in_2", 15), failed(undefined, 5)],
    },
    {
      what: "a failure without an invoice id followed by a failed invoice",
      expected: 2,
      signals: [failed(undefined, 10), failed("in_1", 5)],
    },
    {
      what: "a failed invoice retried after a failure without an invoice id",
      expected: 2,
      signals: [failed("in_1", 20), failed(undefined, 10), failed("in_1", 5)],
    },
  ])("counts $what as $expected", ({ signals, expected }) => {
    expect(factsOf(signals).unrecoveredFailures).toBe(expected);
  });

  it("never counts fewer unrecovered failures after one more failed payment", () => {
    fc.assert(
      fc.property(paymentStoryArb(), failedPaymentArb(), (story, failed) => {
        // Act
        const before = factsOf(story).unrecoveredFailures;
        const after = factsOf([...story, failed]).unrecoveredFailures;
        // Assert
        expect(after).toBeGreaterThanOrEqual(before);
        expect(after).toBeLessThanOrEqual(before + 1);
      }),
      { numRuns: 1000 },
    );
  });

  it("knows billing without a baseline from a failed payment alone", () => {
    const facts = factsOf([failed("in_1", 3)]);

    expect(facts.billingEver).toBe(true);
    expect(facts.billingBaseline).toBe(false);
  });
});

describe("readFacts subscription and MRR", () => {
  const sub = (mrr: number, daysAgo: number, extra: Partial<SignalValues> = {}) =>
    at(
      { kind: "subscription", status: "active", mrr, ...extra } as SignalValues,
      NOW - daysAgo * DAY,
    );

  it("reads MRR now against the latest month at or before the lookback", () => {
    // NOW is 2026-11-22: the 90-day lookback falls in August 2026.
    const signals = [sub(8_000, 130), sub(10_000, 100), sub(9_000, 60), sub(6_000, 5)];

    const facts = factsOf(signals);

    expect(facts.mrr).toBe(6_000);
    expect(facts.mrrAtLookback).toBe(10_000);
  });

  it("has no MRR at the lookback for a customer younger than the lookback", () => {
    expect(factsOf([sub(6_000, 5)]).mrrAtLookback).toBeNull();
  });

  it("takes seats and plan from the subscription over the profile", () => {
    const signals = [
      at({ kind: "profile", seats: 40, plan: "pro", owner: "ana@example.com" }, NOW - DAY),
      sub(6_000, 2, { seats: 12, plan: "enterprise" } as Partial<SignalValues>),
    ];

    const facts = factsOf(signals);

    expect(facts.seats).toBe(12);
    expect(facts.plan).toBe("enterprise");
    expect(facts.owner).toBe("ana@example.com");
    expect(facts.billingBaseline).toBe(true);
  });

  it("falls back to the profile's seats without a subscription", () => {
    const facts = factsOf([at({ kind: "profile", seats: 3 }, NOW - DAY)]);

    expect(facts.seats).toBe(3);
    expect(facts.billingEver).toBe(false);
  });
});
