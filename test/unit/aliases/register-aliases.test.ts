import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../../functions/adapters/memory/ingest-store.ts";
import {
  AliasConflictError,
  applyPendingEvents,
  registerAliases,
  type WaitingEvent,
  type WorkBudget,
} from "../../../functions/aliases/aliases.ts";
import type { ExternalRef } from "../../../functions/webhook/inbound.ts";
import type { EventRecord } from "../../../functions/webhook/ingest.ts";
import { totalOf } from "../../support/stored-aggregate.ts";
import { testModel } from "../../support/test-model.ts";

const model = testModel;
const org: ExternalRef = { kind: "zendesk", id: "org-1" };

function waitingFor(store: MemoryStore, ref: ExternalRef, count: number) {
  for (let i = 0; i < count; i++) {
    const record: EventRecord = {
      source: "zendesk",
      eventId: `${ref.id}-${i}`,
      type: "ticket.created",
      occurredAt: Date.UTC(2026, 10, 1),
      receivedAt: Date.UTC(2026, 10, 1) + i,
      accountId: null,
      refs: [ref],
      signals: [{ kind: "ticket_opened", ticketId: `T${i}` }],
      status: "unmatched",
    };
    store.records.set(`zendesk#${record.eventId}`, record);
  }
}

const budget = (maxEvents: number, deadline = Number.POSITIVE_INFINITY): WorkBudget => ({
  maxEvents,
  deadline,
  clock: () => 0,
});
const ticketsOf = (store: MemoryStore, accountId: string) =>
  totalOf(store.aggregates.get(accountId), "ticketsOpened");

describe("registerAliases", () => {
  it("claims free aliases and applies everything waiting for them", async () => {
    const store = new MemoryStore();
    waitingFor(store, org, 3);

    const result = await registerAliases(store, model, "acct-1", [org, org]);

    expect(result).toEqual({
      accountId: "acct-1",
      aliases: 1,
      changes: [{ ref: org, change: "registered" }],
      applied: 3,
      remaining: 0,
      lost: [],
    });
    expect(ticketsOf(store, "acct-1")).toBe(3);
  });

  it("refuses an alias of another account, naming it, and saves and applies nothing", async () => {
    const store = new MemoryStore();
    store.aliases.set("zendesk:org-1", "acct-x");
    waitingFor(store, { kind: "zendesk", id: "org-2" }, 2);

    const attempt = registerAliases(store, model, "acct-y", [
      { kind: "zendesk", id: "org-2" },
      org,
    ]);

    await expect(attempt).rejects.toThrow(AliasConflictError);
    await expect(attempt).rejects.toThrow('zendesk alias "org-1" belongs to account "acct-x"');
    expect(store.aliases.has("zendesk:org-2")).toBe(false);
    expect(ticketsOf(store, "acct-y")).toBe(0);
  });

  it("moves an alias when asked, leaving what was applied to the old account there", async () => {
    const store = new MemoryStore();
    waitingFor(store, org, 2);
    await registerAliases(store, model, "acct-old", [org]);
    // An event that arrived before the move and still waits (e.g. the alias was learned late).
    store.records.set("zendesk#late", {
      ...(store.records.get("zendesk#org-1-0") as EventRecord),
      eventId: "late",
      status: "unmatched",
      accountId: null,
    });

    const moved = await registerAliases(store, model, "acct-new", [org], { move: true });

    expect(moved.changes).toEqual([{ ref: org, change: "moved", from: "acct-old" }]);
    expect(moved.applied).toBe(1);
    expect(ticketsOf(store, "acct-old")).toBe(2);
    expect(ticketsOf(store, "acct-new")).toBe(1);
  });

  it("stops at the request's event budget and says how many remain; calling again continues", async () => {
    const store = new MemoryStore();
    waitingFor(store, org, 120);

    const answers = [];
    for (let call = 0; call < 5; call++) {
      const r = await registerAliases(store, model, "acct-1", [org], { budget: budget(50) });
      answers.push([r.applied, r.remaining]);
      if (r.remaining === 0) break;
    }

    expect(answers).toEqual([
      [50, 70],
      [50, 20],
      [20, 0],
    ]);
    expect(ticketsOf(store, "acct-1")).toBe(120);
  });

  it("starts no work after the deadline and says everything remains", async () => {
    const store = new MemoryStore();
    waitingFor(store, org, 10);

    const late = await registerAliases(store, model, "acct-1", [org], {
      budget: { maxEvents: 1000, deadline: 100, clock: () => 100 },
    });

    expect(late).toMatchObject({ applied: 0, remaining: 10 });
    expect(store.aliases.get("zendesk:org-1")).toBe("acct-1");
  });
});

describe("applyPendingEvents", () => {
  it("stops applying when the alias moves away mid-way and reports who holds it now", async () => {
    class MovingStore extends MemoryStore {
      override async applyWaiting(
        ref: ExternalRef,
        accountId: string,
        events: readonly WaitingEvent[],
      ) {
        const result = await super.applyWaiting(ref, accountId, events);
        this.aliases.set("zendesk:org-1", "acct-other");
        return result;
      }
    }
    const store = new MovingStore();
    waitingFor(store, org, 80);
    store.aliases.set("zendesk:org-1", "acct-1");

    const result = await applyPendingEvents(store, model, "acct-1", [org]);

    expect(result).toEqual({
      applied: 50,
      remaining: 0,
      lost: [{ ref: org, accountId: "acct-other" }],
    });
    expect(await store.countUnmatchedFor(org)).toBe(30);
  });
});
