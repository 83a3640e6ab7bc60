import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../functions/adapters/memory/ingest-store.ts";
import type { AggregateUpdate } from "../../functions/domain/aggregate.ts";
import { defaultModel } from "../../functions/domain/model.default.ts";
import { compileModel } from "../../functions/domain/model.ts";
import type { InboundEvent } from "../../functions/webhook/inbound.ts";
import type { EventRecord } from "../../functions/webhook/ingest.ts";
import { ingestDelivery } from "../../functions/webhook/ingest-batch.ts";

const model = compileModel(defaultModel).model;
const NOW = Date.UTC(2026, 10, 20);

const usage = (eventId: string, accountId: string): InboundEvent => ({
  source: "segment",
  eventId,
  type: "track",
  occurredAt: NOW - 1000,
  accountId,
  refs: [],
  signals: [{ kind: "usage", event: "login", count: 1 }],
  ignored: false,
});

/** A store whose writes take a while, recording how many run at once, overall and per account. */
class SlowStore extends MemoryStore {
  inFlight = 0;
  maxInFlight = 0;
  readonly perAccount = new Map<string, number>();
  maxPerAccount = 0;
  readonly order: string[] = [];
  failOn: string | undefined;

  override async recordApplied(record: EventRecord, update: AggregateUpdate) {
    const account = record.accountId as string;
    this.inFlight++;
    this.perAccount.set(account, (this.perAccount.get(account) ?? 0) + 1);
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.maxPerAccount = Math.max(this.maxPerAccount, this.perAccount.get(account) ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 2));
    this.inFlight--;
    this.perAccount.set(account, (this.perAccount.get(account) ?? 1) - 1);
    if (record.eventId === this.failOn) throw new Error("storage down");
    this.order.push(record.eventId);
    return super.recordApplied(record, update);
  }
}

describe("ingestDelivery", () => {
  it("writes customers in parallel up to the limit, one write per customer at a time, results in delivery order", async () => {
    const store = new SlowStore();
    const events = Array.from({ length: 60 }, (_, i) => usage(`m${i}`, `acct-${i % 12}`));

    const results = await ingestDelivery(store, model, events, NOW, { concurrency: 5 });

    expect(results.map((r) => r.eventId)).toEqual(events.map((e) => e.eventId));
    expect(results.every((r) => r.outcome === "accepted")).toBe(true);
    expect(store.maxInFlight).toBe(5);
    expect(store.maxPerAccount).toBe(1);
    // Each customer's events are applied in the order they were delivered.
    const ofAccount0 = store.order.filter((id) => Number(id.slice(1)) % 12 === 0);
    expect(ofAccount0).toEqual(["m0", "m12", "m24", "m36", "m48"]);
  });

  it("fails with the storage error once every lane has settled, starting nothing new after it", async () => {
    const store = new SlowStore();
    store.failOn = "m3";
    const events = Array.from({ length: 40 }, (_, i) => usage(`m${i}`, `acct-${i % 4}`));

    await expect(ingestDelivery(store, model, events, NOW, { concurrency: 4 })).rejects.toThrow(
      "storage down",
    );

    expect(store.inFlight).toBe(0);
    expect(store.records.size).toBeLessThan(40);
  });
});
