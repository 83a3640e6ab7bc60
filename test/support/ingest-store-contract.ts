/**
 * The contract of the ingest store port's write methods (recordApplied, recordUnmatched,
 * recordIgnored): one suite, run against the in-memory store (unit) and the DynamoDB store
 * on DynamoDB Local (integration), so the fake cannot drift from the real thing.
 */

import { describe, expect, it } from "vitest";
import type { Aggregate } from "../../functions/domain/aggregate.ts";
import { defaultModel } from "../../functions/domain/model.default.ts";
import { compileModel } from "../../functions/domain/model.ts";
import type { SignalValues } from "../../functions/domain/signals.ts";
import { type EventRecord, type IngestStore, updateFor } from "../../functions/webhook/ingest.ts";
import type { Provider } from "../../functions/webhook/providers/registry.ts";
import { canonicalAggregate, totalOf } from "./stored-aggregate.ts";

/** A store under test and what the suite reads back through its implementation. */
export interface IngestStoreHarness {
  readonly store: IngestStore;
  aggregate(accountId: string): Promise<Aggregate | undefined>;
  record(source: Provider, eventId: string): Promise<EventRecord | undefined>;
  ignoredCount(source: Provider, type: string): Promise<number>;
}

const model = compileModel(defaultModel).model;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20, 12);
let serial = 0;
/** Ids unique to one test, so a suite may share one table. */
const unique = (name: string) => `${name}-${++serial}-${Math.random().toString(36).slice(2, 8)}`;

function record(
  overrides: Partial<EventRecord> & Pick<EventRecord, "eventId" | "status">,
): EventRecord {
  return {
    source: "generic",
    type: "payment",
    occurredAt: NOW - DAY,
    receivedAt: NOW,
    accountId: null,
    refs: [],
    signals: [],
    ...overrides,
  };
}

const failedPayment: SignalValues = { kind: "payment_failed", amount: 1200, currency: "usd" };
const subscription = (status: "active" | "past_due"): SignalValues => ({
  kind: "subscription",
  status,
  mrr: 10_000,
});

/** Applies `signals` of a new event to `accountId` through `recordApplied`. */
async function apply(
  store: IngestStore,
  accountId: string,
  eventId: string,
  signals: SignalValues[],
  occurredAt = NOW - DAY,
) {
  const applied = record({ eventId, accountId, status: "applied", signals, occurredAt });
  return store.recordApplied(applied, updateFor(applied, accountId, model));
}

/** Runs the contract against the stores `harness` makes. */
export function ingestStoreContract(name: string, harness: () => Promise<IngestStoreHarness>) {
  describe(`IngestStore contract: ${name}`, () => {
    it("recordApplied stores an event and its update once; a second delivery is a duplicate", async () => {
      const { store, aggregate, record: read } = await harness();
      const account = unique("acct");
      const eventId = unique("evt");

      expect(await apply(store, account, eventId, [failedPayment])).toBe("stored");
      const once = await aggregate(account);
      expect(await apply(store, account, eventId, [failedPayment])).toBe("duplicate");

      expect(totalOf(once, "paymentsFailed")).toBe(1);
      expect(canonicalAggregate(await aggregate(account))).toEqual(canonicalAggregate(once));
      expect(await read("generic", eventId)).toMatchObject({
        status: "applied",
        accountId: account,
      });
    });

    it("recordApplied without an update writes the record only, once (an import's; the rebuild applies it)", async () => {
      const { store, aggregate, record: read } = await harness();
      const account = unique("acct");
      const eventId = unique("evt");
      const applied = record({
        eventId,
        accountId: account,
        status: "applied",
        signals: [failedPayment],
      });

      expect(await store.recordApplied(applied, null)).toBe("stored");
      expect(await store.recordApplied(applied, null)).toBe("duplicate");
      // A webhook delivering the same event afterwards is a duplicate too.
      expect(await apply(store, account, eventId, [failedPayment])).toBe("duplicate");

      expect(await aggregate(account)).toBeUndefined();
      expect(await read("generic", eventId)).toMatchObject({
        status: "applied",
        accountId: account,
      });
    });

    it("recordApplied dedupes per source: the same event id from two sources is two events", async () => {
      const { store, aggregate } = await harness();
      const account = unique("acct");
      const eventId = unique("evt");
      const fromStripe = record({
        source: "stripe",
        eventId,
        accountId: account,
        status: "applied",
        signals: [failedPayment],
      });

      expect(await apply(store, account, eventId, [failedPayment])).toBe("stored");
      expect(await store.recordApplied(fromStripe, updateFor(fromStripe, account, model))).toBe(
        "stored",
      );

      expect(totalOf(await aggregate(account), "paymentsFailed")).toBe(2);
    });

    it("recordApplied keeps the newest latest value whatever the order of arrival", async () => {
      const { store, aggregate } = await harness();
      const account = unique("acct");

      await apply(store, account, unique("evt"), [subscription("past_due")], NOW - DAY);
      await apply(store, account, unique("evt"), [subscription("active")], NOW - 5 * DAY);

      const got = await aggregate(account);
      expect(got?.registers.subscription).toMatchObject({ status: "past_due" });
    });

    it("recordApplied applies one of three concurrent deliveries of an event", async () => {
      const { store, aggregate } = await harness();
      const account = unique("acct");
      const eventId = unique("evt");

      const outcomes = await Promise.all(
        [1, 2, 3].map(() => apply(store, account, eventId, [failedPayment])),
      );

      expect(outcomes.sort()).toEqual(["duplicate", "duplicate", "stored"]);
      expect(totalOf(await aggregate(account), "paymentsFailed")).toBe(1);
    });

    it("recordUnmatched keeps the event once and touches no aggregate; applying it later is a duplicate", async () => {
      const { store, aggregate, record: read } = await harness();
      const eventId = unique("evt");
      const account = unique("acct");
      const unmatched = record({
        source: "stripe",
        eventId,
        status: "unmatched",
        refs: [{ kind: "stripe", id: unique("cus") }],
        signals: [failedPayment],
      });

      expect(await store.recordUnmatched(unmatched)).toBe("stored");
      expect(await store.recordUnmatched(unmatched)).toBe("duplicate");
      const applied = { ...unmatched, accountId: account, status: "applied" as const };
      expect(await store.recordApplied(applied, updateFor(applied, account, model))).toBe(
        "duplicate",
      );

      expect(await read("stripe", eventId)).toMatchObject({
        status: "unmatched",
        accountId: null,
        refs: unmatched.refs,
        signals: unmatched.signals,
      });
      expect(await aggregate(account)).toBeUndefined();
    });

    it("recordIgnored keeps the event and counts its type once per event", async () => {
      const { store, ignoredCount, record: read } = await harness();
      const type = unique("contact.created");
      const first = record({ eventId: unique("evt"), type, status: "ignored" });
      const second = record({ eventId: unique("evt"), type, status: "ignored" });

      expect(await store.recordIgnored(first)).toBe("stored");
      expect(await store.recordIgnored(first)).toBe("duplicate");
      expect(await store.recordIgnored(second)).toBe("stored");

      expect(await ignoredCount("generic", type)).toBe(2);
      expect(await read("generic", first.eventId)).toMatchObject({ status: "ignored", type });
    });
  });
}
