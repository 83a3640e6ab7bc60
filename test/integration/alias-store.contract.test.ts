import { beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../../functions/adapters/dynamo/event-store.ts";
import { MemoryStore } from "../../functions/adapters/memory/ingest-store.ts";
import type { AliasStore, WaitingEvent } from "../../functions/aliases/aliases.ts";
import type { Aggregate } from "../../functions/domain/aggregate.ts";
import { defaultModel } from "../../functions/domain/model.default.ts";
import { compileModel } from "../../functions/domain/model.ts";
import type { SignalValues } from "../../functions/domain/signals.ts";
import type { ExternalRef } from "../../functions/webhook/inbound.ts";
import { type EventRecord, updateFor } from "../../functions/webhook/ingest.ts";
import { freshTable, testClients } from "../support/dynamo.ts";
import { storedAggregate, totalOf } from "../support/stored-aggregate.ts";

const model = compileModel(defaultModel).model;

interface Subject {
  readonly store: AliasStore;
  /** Stores an event as unmatched, as ingestion does. */
  seedUnmatched(record: EventRecord): Promise<void>;
  /** An account's aggregate, undefined before any event is applied to it. */
  aggregate(accountId: string): Promise<Aggregate | undefined>;
}

async function memorySubject(): Promise<Subject> {
  const store = new MemoryStore();
  return {
    store,
    seedUnmatched: async (record) => void (await store.recordUnmatched(record)),
    aggregate: async (accountId) => store.aggregates.get(accountId),
  };
}

async function dynamoSubject(): Promise<Subject> {
  const { doc } = testClients();
  const { tableName } = await freshTable("alias-contract");
  const store = new DynamoEventStore(doc, { tableName });
  return {
    store,
    seedUnmatched: async (record) => void (await store.recordUnmatched(record)),
    aggregate: (accountId) => storedAggregate(doc, tableName, accountId),
  };
}

let serial = 0;
/** Ids unique within a run, so tests sharing a table never see each other's items. */
const unique = (prefix: string) => `${prefix}-${++serial}`;

function waiting(
  ref: ExternalRef,
  receivedAt: number,
  // Usage adds to a sum, so an event applied twice shows (an active day would not).
  signals: SignalValues[] = [{ kind: "usage", event: "page", count: 1 }],
  eventId = unique("evt"),
): EventRecord {
  return {
    source: ref.kind === "stripe" ? "stripe" : ref.kind === "zendesk" ? "zendesk" : "segment",
    eventId,
    type: "test",
    occurredAt: receivedAt - 1000,
    receivedAt,
    accountId: null,
    refs: [ref],
    signals,
    status: "unmatched",
  };
}

const asWaiting = (records: readonly EventRecord[], accountId: string): WaitingEvent[] =>
  records.map((record) => ({ record, update: updateFor(record, accountId, model) }));

describe.each([
  ["in memory", memorySubject],
  ["DynamoDB Local", dynamoSubject],
])("AliasStore contract (%s)", (_name, makeSubject) => {
  let subject: Subject;
  beforeAll(async () => {
    subject = await makeSubject();
  });

  it("registers new aliases, then finds them unchanged for the same account", async () => {
    const refs: ExternalRef[] = [
      { kind: "stripe", id: unique("cus") },
      { kind: "domain", id: `${unique("acme")}.com` },
    ];
    const account = unique("acct");

    const first = await subject.store.saveAliases(account, refs);
    const again = await subject.store.saveAliases(account, refs);

    expect(first).toEqual({
      saved: true,
      changes: refs.map((ref) => ({ ref, change: "registered" })),
    });
    expect(again).toEqual({
      saved: true,
      changes: refs.map((ref) => ({ ref, change: "unchanged" })),
    });
    const owners = await subject.store.resolveAliases([...refs, { kind: "segment", id: "nobody" }]);
    expect(owners).toEqual(
      new Map([
        [`stripe:${refs[0]?.id}`, account],
        [`domain:${refs[1]?.id}`, account],
      ]),
    );
  });

  it("saves nothing when one alias belongs to another account, and names that account", async () => {
    const taken: ExternalRef = { kind: "zendesk", id: unique("org") };
    const free: ExternalRef = { kind: "zendesk", id: unique("org") };
    await subject.store.saveAliases("acct-x", [taken]);

    const result = await subject.store.saveAliases("acct-y", [free, taken]);

    expect(result).toEqual({ saved: false, conflicts: [{ ref: taken, accountId: "acct-x" }] });
    const owners = await subject.store.resolveAliases([taken, free]);
    expect(owners.get(`zendesk:${taken.id}`)).toBe("acct-x");
    expect(owners.has(`zendesk:${free.id}`)).toBe(false);
  });

  it("moves an alias only when asked to, and says where from", async () => {
    const ref: ExternalRef = { kind: "segment", id: unique("user") };
    await subject.store.saveAliases("acct-old", [ref]);

    const moved = await subject.store.saveAliases("acct-new", [ref], { move: true });

    expect(moved).toEqual({ saved: true, changes: [{ ref, change: "moved", from: "acct-old" }] });
    expect((await subject.store.resolveAliases([ref])).get(`segment:${ref.id}`)).toBe("acct-new");
  });

  it("lets exactly one of two concurrent claims of an alias win; the loser sees the winner", async () => {
    const ref: ExternalRef = { kind: "zendesk", id: unique("org") };

    const [x, y] = await Promise.all([
      subject.store.saveAliases("acct-x", [ref]),
      subject.store.saveAliases("acct-y", [ref]),
    ]);

    const winners = [x, y].filter((r) => r.saved);
    expect(winners).toHaveLength(1);
    const owner = (await subject.store.resolveAliases([ref])).get(`zendesk:${ref.id}`);
    const loser = x.saved ? y : x;
    expect(loser).toEqual({ saved: false, conflicts: [{ ref, accountId: owner }] });
  });

  it("finds, counts and applies waiting events exactly once each", async () => {
    const ref: ExternalRef = { kind: "stripe", id: unique("cus") };
    const account = unique("acct");
    for (let i = 0; i < 7; i++) await subject.seedUnmatched(waiting(ref, 1_700_000_000_000 + i));
    await subject.store.saveAliases(account, [ref]);

    const page = await subject.store.unmatchedFor(ref, 5);
    expect(page).toHaveLength(5);
    expect(await subject.store.countUnmatchedFor(ref)).toBe(7);
    const first = await subject.store.applyWaiting(ref, account, asWaiting(page, account));
    const replay = await subject.store.applyWaiting(ref, account, asWaiting(page, account));
    const rest = await subject.store.unmatchedFor(ref, 50);
    const second = await subject.store.applyWaiting(ref, account, asWaiting(rest, account));

    expect(first).toEqual({ applied: 5 });
    expect(replay).toEqual({ applied: 0 });
    expect(rest).toHaveLength(2);
    expect(second).toEqual({ applied: 2 });
    expect(await subject.store.countUnmatchedFor(ref)).toBe(0);
    expect(await subject.store.unmatchedFor(ref, 50)).toEqual([]);
    expect(totalOf(await subject.aggregate(account), "usage")).toBe(7);
  });

  it("applies many events about different tickets in one call", async () => {
    const ref: ExternalRef = { kind: "zendesk", id: unique("org") };
    const account = unique("acct");
    // 60 events setting 60 different ticket registers: more than one transaction holds.
    for (let i = 0; i < 60; i++) {
      await subject.seedUnmatched(
        waiting(ref, 1_700_000_000_000 + i, [{ kind: "ticket_opened", ticketId: `T${i}` }]),
      );
    }
    await subject.store.saveAliases(account, [ref]);

    const page = await subject.store.unmatchedFor(ref, 100);
    const result = await subject.store.applyWaiting(ref, account, asWaiting(page, account));

    expect(page).toHaveLength(60);
    expect(result).toEqual({ applied: 60 });
    expect(totalOf(await subject.aggregate(account), "ticketsOpened")).toBe(60);
  });

  it("applies concurrent duplicate requests once in total", async () => {
    const ref: ExternalRef = { kind: "segment", id: unique("user") };
    const account = unique("acct");
    for (let i = 0; i < 30; i++) await subject.seedUnmatched(waiting(ref, 1_700_000_000_000 + i));
    await subject.store.saveAliases(account, [ref]);
    const page = await subject.store.unmatchedFor(ref, 100);

    const results = await Promise.all([
      subject.store.applyWaiting(ref, account, asWaiting(page, account)),
      subject.store.applyWaiting(ref, account, asWaiting(page, account)),
    ]);

    expect(results.reduce((n, r) => n + r.applied, 0)).toBe(30);
    expect(totalOf(await subject.aggregate(account), "usage")).toBe(30);
  });

  it("applies nothing once the alias belongs to another account, and names it", async () => {
    const ref: ExternalRef = { kind: "stripe", id: unique("cus") };
    await subject.seedUnmatched(waiting(ref, 1_700_000_000_000));
    await subject.store.saveAliases("acct-first", [ref]);
    const page = await subject.store.unmatchedFor(ref, 10);
    await subject.store.saveAliases("acct-second", [ref], { move: true });

    const result = await subject.store.applyWaiting(
      ref,
      "acct-first",
      asWaiting(page, "acct-first"),
    );

    expect(result).toEqual({ applied: 0, ownerNow: "acct-second" });
    expect(await subject.store.countUnmatchedFor(ref)).toBe(1);
    const unowned: ExternalRef = { kind: "stripe", id: unique("cus") };
    const orphan = waiting(unowned, 1_700_000_000_000);
    await subject.seedUnmatched(orphan);
    expect(
      await subject.store.applyWaiting(unowned, "acct-first", asWaiting([orphan], "acct-first")),
    ).toEqual({ applied: 0, ownerNow: null });
    expect(await subject.store.countUnmatchedFor(unowned)).toBe(1);
  });

  it("applies a single unmatched event once", async () => {
    const ref: ExternalRef = { kind: "segment", id: unique("user") };
    const record = waiting(ref, 1_700_000_000_000);
    const account = unique("acct");
    await subject.seedUnmatched(record);
    const update = updateFor(record, account, model);

    expect(await subject.store.applyUnmatched(record, account, update)).toBe(true);
    expect(await subject.store.applyUnmatched(record, account, update)).toBe(false);
    expect(totalOf(await subject.aggregate(account), "usage")).toBe(1);
    expect(await subject.store.countUnmatchedFor(ref)).toBe(0);
  });

  it("lists unmatched events oldest first, a page at a time, each once", async () => {
    const ref: ExternalRef = { kind: "zendesk", id: unique("org") };
    // Far in the future, so these are the newest events of the table and listed last.
    const base = Date.UTC(2090, 0, 1);
    const seeded = [3, 1, 2, 0, 4].map((i) => waiting(ref, base + i * 1000));
    for (const record of seeded) await subject.seedUnmatched(record);

    const listed: EventRecord[] = [];
    let page = await subject.store.listUnmatched(2);
    for (let guard = 0; guard < 100; guard++) {
      listed.push(...page.records);
      if (!page.next) break;
      page = await subject.store.listUnmatched(2, page.next);
    }

    const ours = listed.filter((r) => r.refs[0]?.id === ref.id);
    expect(ours.map((r) => r.receivedAt)).toEqual([0, 1, 2, 3, 4].map((i) => base + i * 1000));
    const times = listed.map((r) => r.receivedAt);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(listed.map((r) => r.eventId)).size).toBe(listed.length);
    expect(page.next).toBeNull();
    // The last page says it is the last even when it is full.
    const lastTwo = await subject.store.listUnmatched(2, {
      receivedAt: base + 2000,
      source: ours[2]?.source ?? "zendesk",
      eventId: ours[2]?.eventId ?? "",
    });
    expect(lastTwo.records.map((r) => r.receivedAt)).toEqual([base + 3000, base + 4000]);
    expect(lastTwo.next).toBeNull();
  });
});
