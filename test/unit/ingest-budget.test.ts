/**
 * The work a webhook request does for the events waiting on the ids it teaches (review 5, 6;
 * issue 9 §4): one budget for the whole request, and what it leaves behind is never silent.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MemoryStore } from "../../functions/adapters/memory/ingest-store.ts";
import { logger, metrics } from "../../functions/adapters/powertools.ts";
import type { ExternalRef, InboundEvent } from "../../functions/webhook/inbound.ts";
import { ingestEvent } from "../../functions/webhook/ingest.ts";
import { ingestDelivery } from "../../functions/webhook/ingest-batch.ts";
import { totalOf } from "../support/stored-aggregate.ts";
import { testModel } from "../support/test-model.ts";

const model = testModel;
const START = Date.UTC(2026, 10, 20, 12);

const pageView = (eventId: string, user: string): InboundEvent => ({
  source: "segment",
  eventId,
  type: "page",
  occurredAt: START - 60_000,
  accountId: null,
  refs: [{ kind: "segment", id: user }],
  // Usage adds to a sum, so an event applied twice shows (an active day would not).
  signals: [{ kind: "usage", event: "page", count: 1 }],
  ignored: false,
});

/** An event that names both `accountId` and the tool's `user`: it teaches the alias. */
const group = (eventId: string, accountId: string, user: string): InboundEvent => ({
  ...pageView(eventId, user),
  type: "group",
  accountId,
  signals: [],
});

/** Each step of applying waiting events takes `stepMs` of (fake) wall-clock time. */
class SlowApplyStore extends MemoryStore {
  constructor(private readonly stepMs: number) {
    super();
  }
  override async applyWaiting(
    ref: ExternalRef,
    accountId: string,
    events: Parameters<MemoryStore["applyWaiting"]>[2],
  ) {
    vi.setSystemTime(Date.now() + this.stepMs);
    return super.applyWaiting(ref, accountId, events);
  }
}

async function park(store: MemoryStore, user: string, count: number) {
  for (let i = 0; i < count; i++) {
    await ingestEvent(store, model, pageView(`${user}-view-${i}`, user), START);
  }
}

const waiting = (store: MemoryStore) =>
  [...store.records.values()].filter((r) => r.status === "unmatched").length;

describe("waiting events applied by a webhook request", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(START);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("warns and counts AliasApplyRemaining when the budget leaves events waiting", async () => {
    const store = new SlowApplyStore(5_000);
    await park(store, "user-1", 60);
    const warn = vi.spyOn(logger, "warn");
    const addMetric = vi.spyOn(metrics, "addMetric");

    expect(await ingestEvent(store, model, group("g1", "acct-1", "user-1"), START)).toBe(
      "accepted",
    );

    // One step of 50 spent the time budget: 10 are left for a later event or PUT aliases.
    expect(waiting(store)).toBe(10);
    expect(addMetric).toHaveBeenCalledWith("AliasApplyRemaining", "Count", 10);
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining("waiting"),
      expect.objectContaining({ accountId: "acct-1", remaining: 10 }),
    );
  });

  it("counts nothing when every waiting event was applied", async () => {
    const store = new MemoryStore();
    await park(store, "user-2", 3);
    const addMetric = vi.spyOn(metrics, "addMetric");

    await ingestEvent(store, model, group("g2", "acct-2", "user-2"), START);

    expect(waiting(store)).toBe(0);
    expect(addMetric).not.toHaveBeenCalledWith("AliasApplyRemaining", "Count", expect.anything());
  });

  it("spends one time budget for the whole delivery, not one per event", async () => {
    const store = new SlowApplyStore(5_000);
    await park(store, "user-a", 1);
    await park(store, "user-b", 1);

    const results = await ingestDelivery(
      store,
      model,
      [group("ga", "acct-3", "user-a"), group("gb", "acct-3", "user-b")],
      START,
    );

    expect(results.map((r) => r.outcome)).toEqual(["accepted", "accepted"]);
    // Both aliases are learned; the first event's work spent the request's budget.
    expect(store.aliases.get("segment:user-b")).toBe("acct-3");
    expect(store.records.get("segment#user-a-view-0")?.status).toBe("applied");
    expect(store.records.get("segment#user-b-view-0")?.status).toBe("unmatched");
  });

  it("spends one event budget for the whole delivery", async () => {
    const store = new MemoryStore();
    await park(store, "user-c", 3);
    await park(store, "user-d", 3);
    const budget = { maxEvents: 4, deadline: Number.POSITIVE_INFINITY, clock: Date.now };

    await ingestDelivery(
      store,
      model,
      [group("gc", "acct-4", "user-c"), group("gd", "acct-4", "user-d")],
      START,
      { budget },
    );

    expect(totalOf(store.aggregates.get("acct-4"), "usage")).toBe(4);
    expect(waiting(store)).toBe(2);
  });
});
