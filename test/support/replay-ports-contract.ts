/**
 * The contracts of the replay ports (EventLog, RebuildTarget): one suite each, run against
 * the in-memory implementations (unit) and the DynamoDB ones on DynamoDB Local
 * (integration), so the fakes the use-case tests rely on cannot drift from the real thing.
 */
import { describe, expect, it } from "vitest";
import { type Aggregate, applyUpdate, emptyAggregate } from "../../functions/domain/aggregate.ts";
import { isoDay } from "../../functions/domain/time.ts";
import type { EventLog, HistoryPoint, RebuildTarget } from "../../functions/replay/ports.ts";
import { readLog } from "../../functions/replay/rebuild.ts";
import { type EventRecord, type IngestStore, updateFor } from "../../functions/webhook/ingest.ts";
import { testModel } from "./test-model.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20, 12);
let serial = 0;
/** Ids unique to one test, so a suite may share one table. */
const unique = (name: string) => `${name}-${++serial}-${Math.random().toString(36).slice(2, 8)}`;

const usage = (accountId: string, eventId: string, daysAgo: number): EventRecord => ({
  source: "generic",
  eventId,
  type: "usage",
  occurredAt: NOW - daysAgo * DAY,
  receivedAt: NOW,
  accountId,
  refs: [],
  signals: [{ kind: "usage", event: "login", count: 1 }],
  status: "applied",
});

/** An event log under test, over an ingest store that writes what it reads. */
export interface EventLogHarness {
  readonly store: IngestStore;
  readonly log: EventLog;
  /** Makes the account one `accounts()` must list (the DynamoDB log lists scored accounts). */
  scored(accountId: string): Promise<void>;
}

export function eventLogContract(name: string, harness: () => Promise<EventLogHarness>) {
  describe(`${name}: the EventLog contract`, () => {
    it("gives an account's applied events only, oldest source time first, across pages", async () => {
      const { store, log } = await harness();
      const acme = unique("acme");
      const other = unique("other");
      const written = [30, 2, 17, 2, 45, 9].map((daysAgo, i) =>
        usage(acme, `e${i}-${acme}`, daysAgo),
      );
      for (const r of [...written, usage(other, `x-${other}`, 3)]) {
        await store.recordApplied(r, updateFor(r, r.accountId as string, testModel));
      }
      await store.recordUnmatched({
        ...usage(acme, `u-${acme}`, 1),
        accountId: null,
        status: "unmatched",
        refs: [{ kind: "segment", id: `user-${acme}` }],
      });

      const read = await readLog(log, acme);

      expect(read.map((r) => r.eventId).sort()).toEqual(written.map((r) => r.eventId).sort());
      const times = read.map((r) => r.occurredAt);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(read[0]).toMatchObject({ source: "generic", status: "applied", accountId: acme });
      expect(read[0]?.signals).toEqual([{ kind: "usage", event: "login", count: 1 }]);
    });

    it("gives nothing for an account it does not know", async () => {
      const { log } = await harness();

      expect(await readLog(log, unique("nobody"))).toEqual([]);
    });

    it("lists every scored account with events, each once", async () => {
      const { store, log, scored } = await harness();
      const ids = [unique("a"), unique("b"), unique("c")];
      for (const id of ids) {
        const r = usage(id, `e-${id}`, 1);
        await store.recordApplied(r, updateFor(r, id, testModel));
        await scored(id);
      }

      const listed: string[] = [];
      for await (const page of log.accounts()) listed.push(...page);

      expect(listed.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
      expect(new Set(listed).size).toBe(listed.length);
    });
  });
}

/** A rebuild target under test and how the suite reads back what it wrote. */
export interface RebuildTargetHarness {
  readonly target: RebuildTarget;
  history(accountId: string): Promise<HistoryPoint[]>;
  aggregate(accountId: string): Promise<Aggregate | undefined>;
}

const point = (accountId: string, daysAgo: number, value: number | null): HistoryPoint => ({
  accountId,
  score: value,
  tier: value === null ? "unknown" : value >= 70 ? "healthy" : "at-risk",
  coverage: 0.8,
  modelVersion: "test-model.1",
  computedAt: NOW - daysAgo * DAY,
});

export function rebuildTargetContract(name: string, harness: () => Promise<RebuildTargetHarness>) {
  describe(`${name}: the RebuildTarget contract`, () => {
    it("files each history point under its day, and a second write of it changes nothing", async () => {
      const { target, history } = await harness();
      const id = unique("acme");
      const points = [point(id, 3, 80), point(id, 2, null), point(id, 1, 64.5)];

      await target.writeHistory(id, points);
      const once = await history(id);
      await target.writeHistory(id, points);

      expect(once.map((p) => isoDay(p.computedAt))).toEqual(
        points.map((p) => isoDay(p.computedAt)),
      );
      expect(once).toEqual(points);
      expect(await history(id)).toEqual(once);
    });

    it("replaces a stored aggregate: what the new one lacks is gone", async () => {
      const { target, aggregate } = await harness();
      const id = unique("acme");
      const opened = applyUpdate(
        emptyAggregate(id),
        updateFor(
          {
            ...usage(id, `t-${id}`, 5),
            type: "ticket",
            signals: [{ kind: "ticket_opened", ticketId: "t1", priority: "urgent" }],
          },
          id,
          testModel,
        ),
      );
      const used = applyUpdate(
        emptyAggregate(id),
        updateFor(usage(id, `u-${id}`, 2), id, testModel),
      );

      await target.replaceAggregate(id, opened, NOW);
      const before = await aggregate(id);
      await target.replaceAggregate(id, used, NOW);
      const after = await aggregate(id);

      expect(await target.currentAggregate(unique("nobody"))).toBeNull();
      expect((await target.currentAggregate(id))?.days).toEqual(after?.days);
      expect(before?.openTickets.has("t1")).toBe(true);
      expect(after?.openTickets.size).toBe(0);
      expect([...(after?.days.keys() ?? [])]).toEqual([...used.days.keys()]);
      expect(after?.days.get([...used.days.keys()][0] as number)?.sums).toEqual(
        [...used.days.values()][0]?.sums,
      );
    });
  });
}
