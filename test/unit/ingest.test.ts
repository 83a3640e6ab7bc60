import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryStore } from "../../functions/adapters/memory/ingest-store.ts";
import { logger } from "../../functions/adapters/powertools.ts";
import type { InboundEvent } from "../../functions/webhook/inbound.ts";
import {
  CLOCK_SKEW_MS,
  countedAt,
  type EventRecord,
  ingestEvent,
} from "../../functions/webhook/ingest.ts";
import { totalOf } from "../support/stored-aggregate.ts";
import { testModel } from "../support/test-model.ts";

const model = testModel;

const pageView = (eventId: string): InboundEvent => ({
  source: "segment",
  eventId,
  type: "page",
  occurredAt: Date.UTC(2026, 10, 20),
  accountId: null,
  refs: [{ kind: "segment", id: "user-9" }],
  // Usage adds to a sum, so applying the event twice would show (an "active" day would not).
  signals: [{ kind: "usage", event: "page", count: 1 }],
  ignored: false,
});

describe("ingestEvent", () => {
  it("keeps an event it cannot attribute as unmatched", async () => {
    const store = new MemoryStore();

    expect(await ingestEvent(store, model, pageView("m1"), Date.now())).toBe("unmatched");
    expect(store.records.get("segment#m1")?.status).toBe("unmatched");
  });

  it("applies an unmatched event whose alias was learned concurrently, while it was being stored", async () => {
    // Another request learns user-9 → acct-1 between this request's alias lookup and its write.
    class RacingStore extends MemoryStore {
      override async recordUnmatched(record: EventRecord) {
        this.aliases.set("segment:user-9", "acct-1");
        return super.recordUnmatched(record);
      }
    }
    const store = new RacingStore();

    const outcome = await ingestEvent(store, model, pageView("m2"), Date.now());

    expect(outcome).toBe("accepted");
    expect(store.records.get("segment#m2")).toMatchObject({
      status: "applied",
      accountId: "acct-1",
    });
    expect(totalOf(store.aggregates.get("acct-1"), "usage")).toBe(1);
  });

  it("learns an alias from an event that names both ids and applies what waited for it", async () => {
    const store = new MemoryStore();
    await ingestEvent(store, model, pageView("m3"), Date.now());

    const group: InboundEvent = {
      ...pageView("m4"),
      type: "group",
      accountId: "acct-2",
      signals: [],
    };
    await ingestEvent(store, model, group, Date.now());

    expect(store.aliases.get("segment:user-9")).toBe("acct-2");
    expect(store.records.get("segment#m3")).toMatchObject({
      status: "applied",
      accountId: "acct-2",
    });
    // The waiting page view now counts for acct-2, once.
    expect(totalOf(store.aggregates.get("acct-2"), "usage")).toBe(1);
  });

  it("learns the refs nobody owns even when another ref of the event belongs to another account", async () => {
    const store = new MemoryStore();
    store.aliases.set("segment:user-y", "acct-y");
    const waiting: InboundEvent = {
      ...pageView("m5"),
      refs: [{ kind: "stripe", id: "cus-new" }],
    };
    await ingestEvent(store, model, waiting, Date.now());

    const named: InboundEvent = {
      ...pageView("m6"),
      type: "group",
      accountId: "acct-x",
      refs: [
        { kind: "segment", id: "user-y" },
        { kind: "stripe", id: "cus-new" },
      ],
      signals: [],
    };
    expect(await ingestEvent(store, model, named, Date.now())).toBe("accepted");

    expect(store.aliases.get("stripe:cus-new")).toBe("acct-x");
    // The alias another account holds is left with it.
    expect(store.aliases.get("segment:user-y")).toBe("acct-y");
    expect(store.records.get("segment#m5")).toMatchObject({
      status: "applied",
      accountId: "acct-x",
    });
    expect(totalOf(store.aggregates.get("acct-x"), "usage")).toBe(1);
    expect(store.aggregates.get("acct-y")).toBeUndefined();
  });
});

describe("an event dated ahead of its receipt", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is said once, when stored, not again at a redelivery, and not for mere clock skew", async () => {
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => {});
    const store = new MemoryStore();
    const now = Date.UTC(2026, 10, 20);
    const aYearAhead = { ...pageView("ahead"), occurredAt: now + 365 * 86_400_000 };
    const skewed = { ...pageView("skewed"), occurredAt: now + 60_000 };

    await ingestEvent(store, model, aYearAhead, now);
    await ingestEvent(store, model, aYearAhead, now + 1_000);
    await ingestEvent(store, model, skewed, now);

    const said = warn.mock.calls.filter(([message]) => String(message).includes("dated ahead"));
    expect(said).toHaveLength(1);
    expect(said[0]?.[1]).toMatchObject({ source: "segment", eventId: "ahead" });
  });
});

describe("countedAt", () => {
  const receivedAt = Date.UTC(2026, 10, 30, 9);

  it("takes the source's time when it is at most the clock skew ahead of the receipt", () => {
    expect(countedAt({ occurredAt: receivedAt - 1_000, receivedAt })).toBe(receivedAt - 1_000);
    const skewed = receivedAt + CLOCK_SKEW_MS;
    expect(countedAt({ occurredAt: skewed, receivedAt })).toBe(skewed);
  });

  it("takes the receipt for a time further ahead: the event happened by then", () => {
    expect(countedAt({ occurredAt: receivedAt + CLOCK_SKEW_MS + 1, receivedAt })).toBe(receivedAt);
    expect(countedAt({ occurredAt: receivedAt + 365 * 86_400_000, receivedAt })).toBe(receivedAt);
  });
});
