import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../../functions/adapters/memory/ingest-store.ts";
import {
  MemoryCheckpoint,
  MemoryEventLog,
  MemoryRebuildTarget,
} from "../../../functions/adapters/memory/replay-store.ts";
import type { Aggregate } from "../../../functions/domain/aggregate.ts";
import { isoDay } from "../../../functions/domain/time.ts";
import type { RebuildTarget } from "../../../functions/replay/ports.ts";
import {
  endOfDay,
  HISTORY_RETENTION_DAYS,
  rebuildAccount,
  replayAccount,
} from "../../../functions/replay/rebuild.ts";
import { replayAccounts } from "../../../functions/replay/replay.ts";
import { eventLine, steadyCustomerLines } from "../../support/event-lines.ts";
import { ingestLinesAsWebhooks } from "../../support/ingest-lines.ts";
import { testCompiled } from "../../support/test-model.ts";

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2026, 10, 29, 15, 30);

/** A memory store holding `lines` ingested as the webhook would, and a log over it. */
async function ingested(lines: readonly string[], now = NOW) {
  const store = new MemoryStore();
  await ingestLinesAsWebhooks(store, testCompiled.model, lines, now);
  const log = new MemoryEventLog(() => store.records.values());
  return { store, log };
}

describe("replayAccount", () => {
  it("scores the end of every day from the first event's day to yesterday, filed under that day", async () => {
    const { store } = await ingested(steadyCustomerLines("acme", NOW, 120));

    const { points } = replayAccount("acme", [...store.records.values()], testCompiled, NOW);

    expect(points).toHaveLength(120);
    expect(points[0]?.computedAt).toBe(endOfDay(Math.floor(NOW / DAY_MS) - 120));
    expect(points.at(-1)?.computedAt).toBe(endOfDay(Math.floor(NOW / DAY_MS) - 1));
    expect(new Set(points.map((p) => isoDay(p.computedAt))).size).toBe(120);
    expect(points.at(-1)).toMatchObject({
      tier: "healthy",
      modelVersion: testCompiled.modelVersion,
    });
  });

  it("counts an event dated ahead of its receipt as of its receipt, as the webhook did", async () => {
    const receivedAt = NOW - 30 * DAY_MS;
    const aYearAhead = NOW + 365 * DAY_MS;
    const { store } = await ingested(
      [eventLine("usage", aYearAhead, { account_id: "acme", event: "login", count: 5 }, "u-1")],
      receivedAt,
    );

    const { aggregate, points } = replayAccount(
      "acme",
      [...store.records.values()],
      testCompiled,
      NOW,
    );

    expect([...aggregate.days.keys()]).toEqual([Math.floor(receivedAt / DAY_MS)]);
    expect(aggregate).toEqual(store.aggregates.get("acme"));
    // A point for every day from its receipt to yesterday: the customer has gone silent.
    expect(points).toHaveLength(30);
    expect(points.at(-1)?.tier).not.toBe("healthy");
  });

  it("folds the log into the aggregate online ingestion wrote, in any order", async () => {
    const { store } = await ingested(steadyCustomerLines("acme", NOW, 60));
    const records = [...store.records.values()];

    const inOrder = replayAccount("acme", records, testCompiled, NOW);
    const shuffled = replayAccount("acme", [...records].reverse(), testCompiled, NOW);

    expect(inOrder.aggregate).toEqual(store.aggregates.get("acme"));
    expect(shuffled).toEqual(inOrder);
  });

  it("writes no point older than the retention, but folds those events in", async () => {
    const lines = steadyCustomerLines("old", NOW, 450);
    // Imported when they were recent (an import today would find them stale).
    const { store } = await ingested(lines, NOW - 100 * DAY_MS);

    const { points, aggregate } = replayAccount(
      "old",
      [...store.records.values()],
      testCompiled,
      NOW,
    );

    expect(points).toHaveLength(HISTORY_RETENTION_DAYS);
    expect(isoDay(points[0]?.computedAt as number)).toBe(
      isoDay(NOW - HISTORY_RETENTION_DAYS * DAY_MS),
    );
    expect(aggregate).toEqual(store.aggregates.get("old"));
  });
});

describe("replayAccount over a stored aggregate", () => {
  const old = (name: string) => ({ ts: NOW - 600 * DAY_MS, eid: `old-${name}`, value: name });

  it("keeps what predates the log (its events expired) and takes the log's word on the rest", async () => {
    const { store } = await ingested(steadyCustomerLines("acme", NOW, 30));
    const online = store.aggregates.get("acme") as Aggregate;
    const stored: Aggregate = {
      ...online,
      registers: {
        ...online.registers,
        profileName: old("Acme Corp") as never,
        // Newer than the log's first event yet named by no event of it: not the log's truth.
        profileOwner: { ts: NOW - 5 * DAY_MS, eid: "ghost", value: "Nobody" },
      },
      milestones: new Set(["onboarded"]),
      openTickets: new Map([["t-ancient", { priority: "urgent", since: NOW - 500 * DAY_MS }]]),
    };

    const { aggregate, points } = replayAccount(
      "acme",
      [...store.records.values()],
      testCompiled,
      NOW,
      stored,
    );
    const again = replayAccount("acme", [...store.records.values()], testCompiled, NOW, aggregate);

    expect(aggregate.registers.profileName).toEqual(old("Acme Corp"));
    expect(aggregate.registers.profileOwner).toBeUndefined();
    expect(aggregate.registers.subscription).toEqual(online.registers.subscription);
    expect([...aggregate.milestones]).toEqual(["onboarded"]);
    expect([...aggregate.openTickets.keys()]).toContain("t-ancient");
    expect(aggregate.days).toEqual(online.days);
    expect(points).toHaveLength(30);
    expect(again).toEqual({ aggregate, points });
  });
});

describe("rebuildAccount", () => {
  it("writes the same history and aggregate on a second run", async () => {
    const { log } = await ingested(steadyCustomerLines("acme", NOW, 90));
    const target = new MemoryRebuildTarget();
    const deps = { log, target, model: testCompiled };

    const first = await rebuildAccount(deps, "acme", NOW);
    const after = structuredClone({ h: target.history, a: target.aggregates });
    const second = await rebuildAccount(deps, "acme", NOW);

    expect(second).toEqual(first);
    expect({ h: target.history, a: target.aggregates }).toEqual(after);
    expect(target.history.get("acme")?.size).toBe(90);
  });

  it("leaves an account with no events in its log alone", async () => {
    const { log } = await ingested([]);
    const target = new MemoryRebuildTarget();

    const result = await rebuildAccount({ log, target, model: testCompiled }, "ghost", NOW);

    expect(result).toEqual({ accountId: "ghost", events: 0, days: 0 });
    expect(target.replaced.size).toBe(0);
  });
});

describe("replayAccounts", () => {
  /** A target that fails the first write of `failing`, as a run killed mid-way. */
  class FlakyTarget extends MemoryRebuildTarget implements RebuildTarget {
    constructor(private failing: string | null) {
      super();
    }
    override async replaceAggregate(accountId: string, aggregate: Aggregate) {
      if (accountId === this.failing) {
        this.failing = null;
        throw new Error("connection reset");
      }
      return super.replaceAggregate(accountId, aggregate);
    }
  }

  it("resumes an interrupted run without redoing the accounts it finished", async () => {
    const { log } = await ingested([
      ...steadyCustomerLines("a", NOW, 10),
      ...steadyCustomerLines("b", NOW, 10),
      ...steadyCustomerLines("c", NOW, 10),
    ]);
    const target = new FlakyTarget("b");
    const checkpoint = new MemoryCheckpoint();
    const deps = { log, target, model: testCompiled };

    const first = await replayAccounts(deps, ["a", "b", "c"], NOW, { checkpoint, concurrency: 1 });
    const second = await replayAccounts(deps, ["a", "b", "c"], NOW, { checkpoint });

    expect([...first.failed.keys()]).toEqual(["b"]);
    expect(first.rebuilt.map((r) => r.accountId)).toEqual(["a", "c"]);
    expect(second.skipped).toBe(2);
    expect(second.rebuilt.map((r) => r.accountId)).toEqual(["b"]);
    expect(Object.fromEntries(target.replaced)).toEqual({ a: 1, b: 1, c: 1 });
    expect(checkpoint.cleared).toBe(true);
  });

  it("rebuilds an account again when a webhook was applied while it was being rebuilt", async () => {
    const { store, log } = await ingested(steadyCustomerLines("a", NOW, 5));
    const late = eventLine(
      "usage",
      NOW - DAY_MS,
      { account_id: "a", event: "login", count: 9 },
      "late",
    );
    class RacedTarget extends MemoryRebuildTarget {
      override async replaceAggregate(accountId: string, aggregate: Aggregate) {
        if (this.replaced.size === 0) {
          await ingestLinesAsWebhooks(store, testCompiled.model, [late], NOW);
        }
        return super.replaceAggregate(accountId, aggregate);
      }
    }
    const target = new RacedTarget();

    const report = await replayAccounts({ log, target, model: testCompiled }, ["a"], NOW, {
      checkpoint: new MemoryCheckpoint(),
    });

    expect(report.failed.size).toBe(0);
    expect(target.replaced.get("a")).toBe(2);
    expect(target.aggregates.get("a")).toEqual(store.aggregates.get("a"));
  });

  it("reports progress after every account, with the events read", async () => {
    const { log } = await ingested([
      ...steadyCustomerLines("a", NOW, 5),
      ...steadyCustomerLines("b", NOW, 5),
    ]);
    const seen: string[] = [];

    const report = await replayAccounts(
      { log, target: new MemoryRebuildTarget(), model: testCompiled },
      ["a", "b", "a"],
      NOW,
      {
        checkpoint: new MemoryCheckpoint(),
        concurrency: 1,
        onProgress: (p) => seen.push(`${p.done}/${p.total} ${p.events}`),
      },
    );

    expect(report.events).toBe(report.rebuilt.reduce((n, r) => n + r.events, 0));
    expect(seen).toEqual(["0/2 0", `1/2 ${report.rebuilt[0]?.events}`, `2/2 ${report.events}`]);
  });

  it("waits for an import's own events to show in the log, and gives up naming the account", async () => {
    const { log } = await ingested(steadyCustomerLines("a", NOW, 3));
    const target = new MemoryRebuildTarget();

    const report = await replayAccounts({ log, target, model: testCompiled }, ["a"], NOW, {
      checkpoint: new MemoryCheckpoint(),
      expected: new Map([["a", new Set(["generic#never-written"])]]),
      expectedWaitMs: 200,
    });

    expect(report.failed.get("a")?.message).toMatch(/npm run replay -- --account a/);
    expect(target.replaced.size).toBe(0);
  });
});
