import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Aggregate,
  aggregateOf,
  applyUpdate,
  emptyAggregate,
  signalToUpdate,
} from "../../../functions/domain/aggregate.ts";
import {
  paymentRank,
  priorityRank,
  subscriptionRank,
  ticketRank,
} from "../../../functions/domain/lifecycle.ts";
import {
  type Signal,
  type SignalValues,
  SUBSCRIPTION_STATUSES,
  type SubscriptionStatus,
  TICKET_PRIORITIES,
} from "../../../functions/domain/signals.ts";
import { epochDay } from "../../../functions/domain/time.ts";
import { DAY, NOW } from "../../support/signals.ts";

/** The second every change of a story shares. */
const SECOND = NOW - 3 * DAY;

/** Stripe's subscription lifecycle, earliest first (incomplete_expired ends `incomplete`). */
const SUBSCRIPTION_PATH = [
  "incomplete",
  "trialing",
  "paused",
  "active",
  "past_due",
  "unpaid",
  "canceled",
] as const satisfies readonly SubscriptionStatus[];

/** Distinct event ids in no particular order relative to the lifecycle. */
const eventIdsArb = (n: number) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: 2 ** 31 }), { minLength: n, maxLength: n })
    .map((ids) => ids.map((id) => `evt_${id.toString(36)}`));

/**
 * Changes of one object that happened in this order within one second, each with its
 * own random event id, delivered in any order; plus older changes of any kind, which
 * never win. Gives [the changes in lifecycle order, all signals as delivered].
 */
function sameSecondStory(
  steps: fc.Arbitrary<SignalValues[]>,
  older: fc.Arbitrary<SignalValues>,
): fc.Arbitrary<{ inOrder: Signal[]; delivered: Signal[] }> {
  return steps
    .chain((values) =>
      fc.tuple(
        fc.constant(values),
        eventIdsArb(values.length),
        fc.array(fc.tuple(older, fc.integer({ min: 1, max: 10 * DAY })), { maxLength: 4 }),
      ),
    )
    .map(([values, ids, earlier]) => {
      const inOrder = values.map(
        (v, i): Signal => ({
          accountId: "acct-1",
          source: "stripe",
          sourceEventId: ids[i] as string,
          occurredAt: SECOND,
          values: v,
        }),
      );
      const before = earlier.map(
        ([v, ago], i): Signal => ({
          accountId: "acct-1",
          source: "stripe",
          sourceEventId: `old_${i}`,
          occurredAt: SECOND - ago,
          values: v,
        }),
      );
      return { inOrder, all: [...inOrder, ...before] };
    })
    .chain(({ inOrder, all }) =>
      fc
        .shuffledSubarray(all, { minLength: all.length, maxLength: all.length })
        .map((delivered) => ({ inOrder, delivered })),
    );
}

/** The aggregate both ways the code builds one: folded in place, and update by update. */
function bothWays(signals: readonly Signal[]): Aggregate[] {
  const stepwise = signals.reduce(
    (agg, s) => applyUpdate(agg, signalToUpdate(s)),
    emptyAggregate("acct-1"),
  );
  return [aggregateOf("acct-1", signals), stepwise];
}

const last = <T>(list: readonly T[]): T => list[list.length - 1] as T;

describe("lifecycle ranks", () => {
  it("rank subscription statuses in Stripe's lifecycle order", () => {
    const ranks = SUBSCRIPTION_PATH.map((status) => subscriptionRank(status, false));

    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(ranks).size).toBe(ranks.length);
    expect(subscriptionRank("incomplete_expired", false)).toBeGreaterThan(
      subscriptionRank("incomplete", true),
    );
    expect(Math.min(...ranks)).toBeGreaterThan(0);
  });

  it("rank a scheduled cancellation after the same status without one, before the next status", () => {
    expect(subscriptionRank("active", true)).toBeGreaterThan(subscriptionRank("active", false));
    expect(subscriptionRank("active", true)).toBeLessThan(subscriptionRank("past_due", false));
  });

  it("rank a ticket opened, then solved, then reopened", () => {
    expect(ticketRank("opened")).toBeGreaterThan(0);
    expect(ticketRank("solved")).toBeGreaterThan(ticketRank("opened"));
    expect(ticketRank("reopened")).toBeGreaterThan(ticketRank("solved"));
  });

  it("rank a payment success after any failed attempt, a later attempt after an earlier one", () => {
    expect(paymentRank("failed", 2)).toBeGreaterThan(paymentRank("failed", 1));
    expect(paymentRank("failed")).toBe(paymentRank("failed", 1));
    expect(paymentRank("succeeded")).toBeGreaterThan(paymentRank("failed", 1_000_000));
  });

  it("rank ticket priorities by severity", () => {
    const ranks = TICKET_PRIORITIES.map(priorityRank);

    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(ranks).size).toBe(ranks.length);
  });
});

describe("registers of changes in the same second", () => {
  it("keep the lifecycle-latest subscription state and its MRR, in any order", () => {
    const steps = fc
      .subarray(
        SUBSCRIPTION_PATH.flatMap((status) => [
          { status, cancel: false },
          { status, cancel: true },
        ]),
        { minLength: 1 },
      )
      .chain((path) =>
        fc.tuple(
          fc.constant(path),
          fc.array(fc.integer({ min: 0, max: 100_000 }), {
            minLength: path.length,
            maxLength: path.length,
          }),
        ),
      )
      .map(([path, mrrs]) =>
        path.map(
          ({ status, cancel }, i): SignalValues => ({
            kind: "subscription",
            status,
            cancelAtPeriodEnd: cancel,
            mrr: mrrs[i] as number,
          }),
        ),
      );
    const older = fc.record({
      kind: fc.constant("subscription" as const),
      status: fc.constantFrom(...SUBSCRIPTION_STATUSES),
      mrr: fc.integer({ min: 0, max: 100_000 }),
    });
    fc.assert(
      fc.property(sameSecondStory(steps, older), ({ inOrder, delivered }) => {
        const expected = last(inOrder);
        const values = expected.values as Extract<SignalValues, { kind: "subscription" }>;

        for (const agg of bothWays(delivered)) {
          expect(agg.registers.subscription).toMatchObject({
            status: values.status,
            cancelAtPeriodEnd: values.cancelAtPeriodEnd,
            mrr: values.mrr,
            eid: expected.sourceEventId,
          });
          expect(agg.days.get(epochDay(SECOND))?.mrr).toMatchObject({
            mrr: values.mrr,
            eid: expected.sourceEventId,
          });
        }
      }),
      { numRuns: 200 },
    );
  });

  it("end an incomplete subscription that expired in the same second as incomplete_expired", () => {
    const story = (ids: string[]) =>
      (["incomplete", "incomplete_expired"] as const).map(
        (status, i): Signal => ({
          accountId: "acct-1",
          source: "stripe",
          sourceEventId: ids[i] as string,
          occurredAt: SECOND,
          values: { kind: "subscription", status },
        }),
      );

    for (const ids of [
      ["evt_1", "evt_2"],
      ["evt_2", "evt_1"],
    ]) {
      const signals = story(ids);
      for (const agg of [...bothWays(signals), ...bothWays([...signals].reverse())]) {
        expect(agg.registers.subscription?.status).toBe("incomplete_expired");
      }
    }
  });

  it("keep the lifecycle-latest ticket status, in any order", () => {
    const kinds = ["ticket_opened", "ticket_solved", "ticket_reopened"] as const;
    const steps = fc
      .subarray([...kinds], { minLength: 1 })
      .map((path) => path.map((kind): SignalValues => ({ kind, ticketId: "tkt_1" })));
    const older = fc
      .constantFrom(...kinds)
      .map((kind): SignalValues => ({ kind, ticketId: "tkt_1" }));
    fc.assert(
      fc.property(sameSecondStory(steps, older), ({ inOrder, delivered }) => {
        const expected = last(inOrder);
        const status = expected.values.kind === "ticket_solved" ? "solved" : "open";

        for (const agg of bothWays(delivered)) {
          expect(agg.tickets.get("tkt_1")?.status).toMatchObject({
            status,
            eid: expected.sourceEventId,
          });
          // Scoring reads only what the register derives: open or not.
          expect(agg.openTickets.has("tkt_1")).toBe(status === "open");
        }
      }),
      { numRuns: 200 },
    );
  });

  it("keep the most severe of same-second ticket priorities, in any order", () => {
    const steps = fc
      .uniqueArray(fc.constantFrom(...TICKET_PRIORITIES), { minLength: 1 })
      .map((priorities) =>
        [...priorities]
          .sort((a, b) => priorityRank(a) - priorityRank(b))
          .map(
            (priority): SignalValues => ({ kind: "ticket_priority", ticketId: "tkt_1", priority }),
          ),
      );
    const older = fc
      .constantFrom(...TICKET_PRIORITIES)
      .map((priority): SignalValues => ({ kind: "ticket_priority", ticketId: "tkt_1", priority }));
    fc.assert(
      fc.property(sameSecondStory(steps, older), ({ inOrder, delivered }) => {
        const expected = last(inOrder).values as Extract<SignalValues, { kind: "ticket_priority" }>;

        for (const agg of bothWays(delivered)) {
          expect(agg.tickets.get("tkt_1")?.priority?.priority).toBe(expected.priority);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("keep an invoice's last attempt, and paid once paid, in any order", () => {
    const steps = fc
      .tuple(fc.subarray([1, 2, 3, 4], { minLength: 0 }), fc.boolean())
      .filter(([attempts, paid]) => attempts.length > 0 || paid)
      .map(([attempts, paid]) => [
        ...attempts.map(
          (attempt): SignalValues => ({ kind: "payment_failed", invoiceId: "in_1", attempt }),
        ),
        ...(paid ? [{ kind: "payment_succeeded", invoiceId: "in_1" } as SignalValues] : []),
      ]);
    const older = fc.oneof(
      fc
        .integer({ min: 1, max: 6 })
        .map((attempt): SignalValues => ({ kind: "payment_failed", invoiceId: "in_1", attempt })),
      fc.constant<SignalValues>({ kind: "payment_succeeded", invoiceId: "in_1" }),
    );
    fc.assert(
      fc.property(sameSecondStory(steps, older), ({ inOrder, delivered }) => {
        const expected = last(inOrder);
        const v = expected.values;
        const invoice =
          v.kind === "payment_succeeded"
            ? { status: "paid" }
            : { status: "failed", attempt: v.kind === "payment_failed" ? v.attempt : 0 };

        for (const agg of bothWays(delivered)) {
          expect(agg.invoices.get("in_1")?.status).toMatchObject({
            ...invoice,
            eid: expected.sourceEventId,
          });
          expect(agg.failedInvoices.get("in_1")).toEqual(
            invoice.status === "failed" ? { at: SECOND, attempt: invoice.attempt } : undefined,
          );
          expect(agg.registers.lastPayment).toMatchObject({
            status: v.kind === "payment_succeeded" ? "succeeded" : "failed",
            eid: expected.sourceEventId,
          });
        }
      }),
      { numRuns: 200 },
    );
  });

  it("keep the highest attempt of failures reported without an invoice, in any order", () => {
    const steps = fc
      .subarray([1, 2, 3, 4, 5], { minLength: 1 })
      .map((attempts) =>
        attempts.map((attempt): SignalValues => ({ kind: "payment_failed", attempt })),
      );
    const older = fc
      .integer({ min: 1, max: 9 })
      .map((attempt): SignalValues => ({ kind: "payment_failed", attempt }));
    fc.assert(
      fc.property(sameSecondStory(steps, older), ({ inOrder, delivered }) => {
        const expected = last(inOrder);

        for (const agg of bothWays(delivered)) {
          expect(agg.registers.looseFailure).toMatchObject({
            attempt: (expected.values as { attempt: number }).attempt,
            eid: expected.sourceEventId,
          });
        }
      }),
      { numRuns: 200 },
    );
  });
});
