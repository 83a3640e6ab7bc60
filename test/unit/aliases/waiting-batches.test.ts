/**
 * Cutting waiting events into transactions (review 20: the pure part of the DynamoDB alias
 * store, out of alias-store.ts so that file stays under 400 lines).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MAX_TRANSACTION_ITEMS } from "../../../functions/adapters/dynamo/transactions.ts";
import {
  batches,
  MAX_BATCH_EVENTS,
  MAX_BATCH_REGISTERS,
  toRecord,
} from "../../../functions/adapters/dynamo/waiting-batches.ts";
import type { WaitingEvent } from "../../../functions/aliases/aliases.ts";
import type { ExternalRef } from "../../../functions/webhook/inbound.ts";

/** A waiting event with `refs` tool ids that changes the tickets named in `registers`. */
function waiting(id: number, registers: string[] = [], refs = 1): WaitingEvent {
  const refList: ExternalRef[] = Array.from({ length: refs }, (_, i) => ({
    kind: "segment",
    id: `u${id}-${i}`,
  }));
  return {
    record: {
      source: "segment",
      eventId: `m${id}`,
      type: "page",
      occurredAt: 1,
      receivedAt: 2,
      accountId: null,
      refs: refList,
      signals: [],
      status: "unmatched",
    },
    update: {
      day: 0,
      add: {},
      active: false,
      features: [],
      milestones: [],
      registers: {},
      tickets: Object.fromEntries(
        registers.map((r) => [r, { status: { status: "open", ts: 1, eid: `m${id}` } }]),
      ),
      invoices: {},
    },
  };
}

const sizes = (out: WaitingEvent[][]) => out.map((batch) => batch.length);

describe("batches of waiting events", () => {
  it("keeps every event, in order, at most MAX_BATCH_EVENTS per batch", () => {
    const events = Array.from({ length: 60 }, (_, i) => waiting(i));

    const out = batches(events);

    expect(sizes(out)).toEqual([MAX_BATCH_EVENTS, MAX_BATCH_EVENTS, 60 - 2 * MAX_BATCH_EVENTS]);
    expect(out.flat()).toEqual(events);
  });

  it("cuts before the transaction would pass 100 items (record update plus one delete per ref)", () => {
    // Three items for the state, the day bucket and the alias check; each event costs 1 +
    // its refs.
    const events = Array.from({ length: 20 }, (_, i) => waiting(i, [], 9));

    const out = batches(events);

    for (const batch of out) {
      const items = 3 + batch.reduce((n, e) => n + 1 + e.record.refs.length, 0);
      expect(items).toBeLessThanOrEqual(MAX_TRANSACTION_ITEMS);
    }
    expect(sizes(out)).toEqual([9, 9, 2]);
  });

  it("cuts before a batch's merged update would set more than MAX_BATCH_REGISTERS registers", () => {
    const events = Array.from({ length: 30 }, (_, i) => waiting(i, [`l_t${i}`]));

    expect(sizes(batches(events))).toEqual([MAX_BATCH_REGISTERS, 30 - MAX_BATCH_REGISTERS]);
  });

  it("reads an event record item back as the use cases see it", () => {
    expect(
      toRecord({
        pk: "EVENT#segment#m1",
        source: "segment",
        eventId: "m1",
        type: "page",
        occurredAt: 5,
        receivedAt: 6,
        status: "unmatched",
      }),
    ).toEqual({
      source: "segment",
      eventId: "m1",
      type: "page",
      occurredAt: 5,
      receivedAt: 6,
      accountId: null,
      refs: [],
      signals: [],
      status: "unmatched",
    });
  });

  it("leaves alias-store.ts under 400 lines", () => {
    const lines = readFileSync("functions/adapters/dynamo/alias-store.ts", "utf8").split("\n");
    expect(lines.length).toBeLessThan(400);
  });
});
