/**
 * The contract of the scoring ports (ScoreStore, DueScores), run against the in-memory
 * store of the unit tests and the DynamoDB adapter on DynamoDB Local: both must behave alike.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { DynamoDueScores } from "../../functions/adapters/dynamo/due-scores.ts";
import { accountPk, SCORE_SK, tierPk, tierSk } from "../../functions/adapters/dynamo/keys.ts";
import { DynamoScoreStore } from "../../functions/adapters/dynamo/score-store.ts";
import { MemoryScoreStore } from "../../functions/adapters/memory/score-store.ts";
import {
  type AggregateUpdate,
  applyUpdates,
  emptyAggregate,
  signalToUpdate,
} from "../../functions/domain/aggregate.ts";
import { nextDayStart } from "../../functions/domain/due.ts";
import { decideEvents } from "../../functions/scoring/decide.ts";
import type { DueScores } from "../../functions/scoring/rescore.ts";
import type { ScoreStore, StoredScore } from "../../functions/scoring/score-accounts.ts";
import { freshTable, testClients } from "../support/dynamo.ts";
import { compiled, criticalScore, healthyScore, label } from "../support/scores.ts";
import { DAY, dailyUsage, NOW, signal } from "../support/signals.ts";

import { canonicalAggregate, writeUpdates } from "../support/stored-aggregate.ts";

const HOUR = 3_600_000;

interface Subject {
  readonly store: ScoreStore;
  readonly due: DueScores;
  /** Writes a score item as a version before red flags and standing drivers stored it. */
  readonly putScoreWithout: (score: StoredScore, fields: readonly string[]) => Promise<void>;
  /** Applies an aggregate update as ingestion would. */
  readonly applyAggregateUpdate: (
    accountId: string,
    update: AggregateUpdate | readonly AggregateUpdate[],
  ) => Promise<void>;
}

const subjects: [string, () => Promise<Subject>][] = [
  [
    "MemoryScoreStore",
    async () => {
      const store = new MemoryScoreStore();
      return {
        store,
        due: store,
        putScoreWithout: async (score, fields) => {
          const old: Record<string, unknown> = { ...score };
          for (const field of fields) delete old[field];
          store.scores.set(score.accountId, old as unknown as StoredScore);
        },
        applyAggregateUpdate: async (id, u) => {
          for (const update of [u].flat()) store.applyAggregateUpdate(id, update);
        },
      };
    },
  ],
  [
    "DynamoScoreStore on DynamoDB Local",
    async () => {
      const { doc } = testClients();
      const { tableName } = await freshTable("score-contract");
      return {
        store: new DynamoScoreStore(doc, { tableName }),
        due: new DynamoDueScores(doc, { tableName }),
        putScoreWithout: async (score, fields) => {
          const { outbox: _, ...item }: Record<string, unknown> = { ...score };
          for (const field of fields) delete item[field];
          await doc.send(
            new PutCommand({
              TableName: tableName,
              Item: {
                ...item,
                pk: accountPk(score.accountId),
                sk: SCORE_SK,
                // Every stored score is in the tier index.
                tierPk: tierPk(score.tier),
                tierSk: tierSk(score.score, score.accountId),
              },
            }),
          );
        },
        applyAggregateUpdate: (accountId, update) =>
          writeUpdates(doc, tableName, accountId, [update].flat()),
      };
    },
  ],
];

const stored = (overrides: Partial<StoredScore> = {}): StoredScore => ({
  ...healthyScore(overrides.accountId ?? "acct-1"),
  ...label,
  version: 1,
  inDrop: false,
  outbox: [],
  ...overrides,
});

const tierChange = (accountId: string) =>
  decideEvents(
    { version: 1, score: 80, tier: "healthy", inDrop: false },
    criticalScore(accountId),
    null,
    compiled.model,
    label,
  ).events;

async function collect(pages: AsyncIterable<string[]>): Promise<string[][]> {
  const all: string[][] = [];
  for await (const page of pages) all.push(page);
  return all;
}

describe.each(subjects)("score store contract: %s", (_name, makeSubject) => {
  it("loads nothing for a customer it has never seen", async () => {
    const { store } = await makeSubject();

    const states = await store.load(["acct-new"], NOW, 7);

    expect(states.get("acct-new")).toEqual({ aggregate: null, current: null, earlierScore: null });
  });

  it("loads the aggregate ingestion wrote", async () => {
    const { store, applyAggregateUpdate } = await makeSubject();
    const signals = [
      ...dailyUsage(3, 5),
      signal({ kind: "subscription", status: "active", mrr: 9_000, seats: 4, plan: "pro" }, 10),
      signal({ kind: "milestone", name: "first_report" }, 2),
    ].map((s) => ({ ...s, accountId: "acct-agg" }));
    const updates = signals.map((s) => signalToUpdate(s));
    await applyAggregateUpdate("acct-agg", updates);

    const state = (await store.load(["acct-agg"], NOW, 7)).get("acct-agg");

    const expected = applyUpdates(emptyAggregate("acct-agg"), updates);
    expect(canonicalAggregate(state?.aggregate)).toEqual(canonicalAggregate(expected));
    expect(state?.current).toBeNull();
  });

  it("creates a first score only when none exists, and reads it back whole", async () => {
    const { store } = await makeSubject();
    const first = stored();

    expect(await store.save(first, null)).toBe(true);
    expect(await store.save({ ...first, score: 10 }, null)).toBe(false);

    const current = (await store.load(["acct-1"], NOW, 7)).get("acct-1")?.current;
    expect(current).toEqual(first);
  });

  it("keeps a score's red flags and what holds it down, and reads them back whole", async () => {
    const { store } = await makeSubject();
    const flagged = stored({
      flags: [
        {
          name: "cancelScheduled",
          component: "financial",
          tier: "critical",
          reason: "set to cancel at period end on Nov 12",
        },
      ],
      holdingDown: [
        { component: "financial", impact: -30, reason: "set to cancel at period end on Nov 12" },
        { component: "support", impact: -4.5, reason: "3 urgent tickets open" },
      ],
    });

    await store.save(flagged, null);

    const current = (await store.load(["acct-1"], NOW, 7)).get("acct-1")?.current;
    expect(current?.flags).toEqual(flagged.flags);
    expect(current?.holdingDown).toEqual(flagged.holdingDown);
    // The stored flags decide: the same flag on the next score is not raised again, a new one is.
    const next = { ...healthyScore("acct-1"), flags: flagged.flags };
    const decide = (flags: StoredScore["flags"]) =>
      decideEvents(current ?? null, { ...next, flags }, null, compiled.model, label).events;
    expect(decide(flagged.flags)).toEqual([]);
    const dispute = {
      name: "openDispute",
      component: "financial",
      tier: "at-risk",
      reason: "x",
    } as const;
    expect(decide([...flagged.flags, dispute]).map((e) => e.detailType)).toEqual([
      "HealthFlagRaised",
    ]);
  });

  it("reads a score stored before red flags and standing drivers as having none", async () => {
    const { store, putScoreWithout } = await makeSubject();
    await putScoreWithout(stored(), ["flags", "holdingDown"]);

    const current = (await store.load(["acct-1"], NOW, 7)).get("acct-1")?.current;

    expect(current).toMatchObject({ flags: [], holdingDown: [], version: 1, tier: "healthy" });
    // And a new flag on it is "raised": nothing was raised before.
    expect(
      decideEvents(
        current ?? null,
        {
          ...healthyScore("acct-1"),
          flags: [{ name: "openDispute", component: "financial", tier: "at-risk", reason: "x" }],
        },
        null,
        compiled.model,
        label,
      ).events.map((e) => e.detailType),
    ).toEqual(["HealthFlagRaised"]);
  });

  it("writes over the version it read, and never over a newer or missing one", async () => {
    const { store } = await makeSubject();
    await store.save(stored(), null);

    expect(await store.save(stored({ version: 2, score: 75 }), 1)).toBe(true);
    expect(await store.save(stored({ version: 2, score: 10 }), 1)).toBe(false);
    expect(await store.save(stored({ version: 6 }), 5)).toBe(false);
    expect(await store.save(stored({ accountId: "acct-none", version: 2 }), 1)).toBe(false);

    const states = await store.load(["acct-1", "acct-none"], NOW, 7);
    expect(states.get("acct-1")?.current).toMatchObject({ version: 2, score: 75 });
    expect(states.get("acct-none")?.current).toBeNull();
  });

  it("keeps the outbox until it is cleared for its own version", async () => {
    const { store } = await makeSubject();
    const events = tierChange("acct-1");
    await store.save(stored({ outbox: events }), null);

    expect((await store.load(["acct-1"], NOW, 7)).get("acct-1")?.current?.outbox).toEqual(events);
    await store.clearOutbox("acct-1", 1);
    expect((await store.load(["acct-1"], NOW, 7)).get("acct-1")?.current?.outbox).toEqual([]);

    const newer = tierChange("acct-1").map((e) => ({
      ...e,
      detail: { ...e.detail, eventId: "newer" },
    })) as StoredScore["outbox"];
    await store.save(stored({ version: 2, outbox: newer }), 1);
    // A late clear for version 1 leaves version 2's events alone.
    await store.clearOutbox("acct-1", 1);
    expect((await store.load(["acct-1"], NOW, 7)).get("acct-1")?.current?.outbox).toEqual(newer);
    // Clearing for a customer with no score is not an error.
    await expect(store.clearOutbox("acct-none", 1)).resolves.toBeUndefined();
  });

  it("keeps one snapshot a day, the last score of that day, for the drop window", async () => {
    const { store } = await makeSubject();
    await store.save(stored({ score: 80, computedAt: NOW }), null);
    await store.save(stored({ version: 2, score: 78, computedAt: NOW + 3_600_000 }), 1);
    await store.save(stored({ version: 3, score: 50, computedAt: NOW + DAY }), 2);

    const weekLater = (await store.load(["acct-1"], NOW + 7 * DAY, 7)).get("acct-1");
    const sixDaysLater = (await store.load(["acct-1"], NOW + 6 * DAY, 7)).get("acct-1");
    const eightDaysLater = (await store.load(["acct-1"], NOW + 8 * DAY, 7)).get("acct-1");

    expect(weekLater?.earlierScore).toBe(78);
    expect(eightDaysLater?.earlierScore).toBe(50);
    expect(sixDaysLater?.earlierScore).toBeNull();
  });

  it("lists every score due, each in exactly one shard, and none due later or never scored", async () => {
    const { store, due, applyAggregateUpdate } = await makeSubject();
    const dueIds = ["s-1", "s-2", "s-3", "s-4", "s-5", "s-6", "s-7"];
    for (const [n, id] of dueIds.entries()) {
      await store.save(stored({ accountId: id }), null, NOW - n * 60_000);
    }
    await store.save(stored({ accountId: "exactly-now" }), null, NOW);
    for (const id of ["f-1", "f-2"]) await store.save(stored({ accountId: id }), null, NOW + 1);
    // A customer with an aggregate and no score yet is the stream's business, not rescore's.
    await applyAggregateUpdate(
      "a-only",
      signalToUpdate(signal({ kind: "usage", event: "x", count: 1 })),
    );

    const listed: string[] = [];
    for (let shard = 0; shard < due.shards; shard++) {
      for (const page of await collect(due.dueAccounts(NOW, shard))) listed.push(...page);
    }

    expect(listed.sort()).toEqual([...dueIds, "exactly-now"].sort());
  });

  it("takes a score's due time from its latest write", async () => {
    const { store, due } = await makeSubject();
    await store.save(stored(), null, NOW - 60_000);
    await store.save(stored({ version: 2 }), 1, NOW + 60_000);

    const listed: string[] = [];
    for (let shard = 0; shard < due.shards; shard++) {
      for (const page of await collect(due.dueAccounts(NOW, shard))) listed.push(...page);
    }

    expect(listed).toEqual([]);
  });

  it("keeps a score: moves its due time and writes today's point, without touching the score", async () => {
    const { store, due } = await makeSubject();
    const first = stored({ score: 81, computedAt: NOW - DAY });
    await store.save(first, null, NOW);

    expect(await store.keep(first, NOW + 60_000, NOW + HOUR)).toBe(true);

    expect(await dueAt(due, NOW + 60_000)).toEqual([]);
    expect(await dueAt(due, NOW + HOUR)).toEqual(["acct-1"]);
    const state = (await store.load(["acct-1"], NOW + 7 * DAY, 7)).get("acct-1");
    expect(state?.current).toEqual(first);
    // Today's point (a week before the load) is the kept score.
    expect(state?.earlierScore).toBe(81);
  });

  it("leaves a score due at the next day start to the sweep, kept or written, unless looked at in the day's last minutes", async () => {
    const { store, due } = await makeSubject();
    const dayStart = nextDayStart(NOW);
    const kept = stored({ accountId: "kept" });
    await store.save(kept, null, NOW + HOUR);
    await store.keep(kept, NOW + 60_000, dayStart);
    await store.save(stored({ accountId: "written" }), null, dayStart);
    await store.save(stored({ accountId: "within" }), null, NOW + HOUR);
    // Written, or kept, just before midnight: it could land after the new day's sweep read
    // past it.
    await store.save(stored({ accountId: "late", computedAt: dayStart - 60_000 }), null, dayStart);
    const keptLate = stored({ accountId: "kept-late" });
    await store.save(keptLate, null, NOW + HOUR);
    await store.keep(keptLate, dayStart - 60_000, dayStart);

    // The due index holds "within" and the late ones; at the day start the sweep has them all.
    expect((await dueAt(due, dayStart)).sort()).toEqual(["kept-late", "late", "within"]);
    expect((await swept(due, dayStart)).sort()).toEqual([
      "kept",
      "kept-late",
      "late",
      "within",
      "written",
    ]);
    expect(await swept(due, dayStart - 1)).toEqual(["within"]);
  });

  it("refuses to keep a score a newer one replaced, and leaves the newer one's point alone", async () => {
    const { store } = await makeSubject();
    await store.save(stored({ score: 80, computedAt: NOW }), null, NOW);
    await store.save(stored({ version: 2, score: 60, computedAt: NOW + 1 }), 1, NOW + DAY);

    expect(await store.keep(stored({ score: 80 }), NOW + 2, NOW + 3)).toBe(false);

    const state = (await store.load(["acct-1"], NOW + 7 * DAY, 7)).get("acct-1");
    expect(state?.current).toMatchObject({ version: 2, score: 60 });
    expect(state?.earlierScore).toBe(60);
  });

  it("sweeps the scores due, of another model or without a due time, each in one shard, and remembers the sweep", async () => {
    const { store, due, putScoreWithout } = await makeSubject();
    // A score stored before due times existed.
    await putScoreWithout(stored({ accountId: "no-due" }), []);
    await store.save(stored({ accountId: "old-1", modelVersion: "old#1" }), null, NOW + DAY);
    await store.save(stored({ accountId: "old-2", modelVersion: "old#1" }), null, NOW + DAY);
    await store.save(stored({ accountId: "current" }), null, NOW + DAY);

    expect((await swept(due, NOW)).sort()).toEqual(["no-due", "old-1", "old-2"]);
    expect(await due.lastSweep()).toBeNull();
    const sweep = {
      modelVersion: compiled.modelVersion,
      at: NOW,
      impacts: { impacts: { login: 1, error_shown: -2 }, defaultImpact: 0.5 },
    };
    await due.markSwept(sweep);
    expect(await due.lastSweep()).toEqual(sweep);
  });
});

/** Every id the due index lists at `at`, over all shards. */
async function dueAt(due: DueScores, at: number): Promise<string[]> {
  const ids: string[] = [];
  for (let shard = 0; shard < due.shards; shard++) {
    for (const page of await collect(due.dueAccounts(at, shard))) ids.push(...page);
  }
  return ids;
}

/** Every id a sweep at `at` with the current model lists, over all shards. */
async function swept(due: DueScores, at: number): Promise<string[]> {
  const ids: string[] = [];
  for (let shard = 0; shard < due.shards; shard++) {
    for (const page of await collect(due.unsweptAccounts(compiled.modelVersion, at, shard))) {
      ids.push(...page);
    }
  }
  return ids;
}
