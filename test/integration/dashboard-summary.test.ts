/**
 * The dashboard summary against DynamoDB Local: after a series of score writes (by the real
 * score store) projected in stream batches with redeliveries, repeats and concurrent
 * batches, the summary equals a recomputation from the scores; the customers table pages
 * through every customer once in each sort.
 */
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { registerName } from "../../functions/adapters/dynamo/aggregate-layout.ts";
import { DynamoProjectionStore } from "../../functions/adapters/dynamo/dashboard-projection.ts";
import { DynamoDashboardReads } from "../../functions/adapters/dynamo/dashboard-reads.ts";
import { alertsOf, scoreWrittenOf } from "../../functions/adapters/dynamo/dashboard-stream.ts";
import { AGGREGATE_SK, accountPk, SCORE_SK } from "../../functions/adapters/dynamo/keys.ts";
import { DynamoScoreStore } from "../../functions/adapters/dynamo/score-store.ts";
import {
  comparePositions,
  listCustomerRows,
  SORTS,
  sortValue,
} from "../../functions/dashboard/customers.ts";
import { projectChanges, type StreamChange } from "../../functions/dashboard/project.ts";
import {
  ALL_SCOPE,
  counter,
  type DashboardRow,
  moveOf,
  type ScoreWritten,
  segmentScope,
} from "../../functions/dashboard/summary.ts";
import type { Tier } from "../../functions/domain/tiers.ts";
import type { StoredScore } from "../../functions/scoring/score-accounts.ts";
import { freshTable, recordingClient, testClients } from "../support/dynamo.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 29, 12);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const tierOf = (score: number): Tier =>
  score >= 70 ? "healthy" : score >= 40 ? "at-risk" : "critical";

interface Account {
  readonly id: string;
  readonly segment: string;
  readonly owner: string | null;
  readonly mrr: number;
  /** Scores over time: [days before NOW, hours into that day, score]. */
  readonly scores: readonly [number, number, number][];
}

const ACCOUNTS: Account[] = [
  {
    id: "acme",
    segment: "enterprise",
    owner: "Aisha",
    mrr: 500_000,
    scores: [
      [3, 1, 80],
      [3, 5, 62],
      [2, 1, 35],
      [0, 1, 50],
    ],
  },
  {
    id: "globex",
    segment: "self-serve",
    owner: "Ben",
    mrr: 4_900,
    scores: [
      [3, 2, 90],
      [1, 1, 91],
      [0, 2, 88],
    ],
  },
  {
    id: "initech",
    segment: "self-serve",
    owner: null,
    mrr: 0,
    scores: [
      [2, 3, 45],
      [2, 9, 75],
      [1, 4, 30],
    ],
  },
  { id: "umbrella", segment: "enterprise", owner: "Aisha", mrr: 250_000, scores: [[1, 6, 55]] },
  {
    id: "hooli",
    segment: "",
    owner: "Ben",
    mrr: 12_000,
    scores: [
      [2, 1, 70],
      [0, 3, 71],
    ],
  },
  {
    id: "stark",
    segment: "enterprise",
    owner: "Cleo",
    mrr: 80_000,
    scores: [
      [3, 0, 20],
      [2, 0, 60],
      [1, 0, 85],
      [0, 0, 39],
    ],
  },
];

describe("dashboard summary on DynamoDB Local", () => {
  const { doc } = testClients();
  let tableName: string;
  let reads: DynamoDashboardReads;
  /** Every score change in write order, by account (as the stream would carry them). */
  const changes = new Map<string, StreamChange[]>();

  beforeAll(async () => {
    ({ tableName } = await freshTable("dashboard-summary"));
    const scores = new DynamoScoreStore(doc, { tableName });
    reads = new DynamoDashboardReads(doc, { tableName });
    for (const account of ACCOUNTS) {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: accountPk(account.id),
            sk: AGGREGATE_SK,
            [registerName("subscription")]: {
              ts: 1,
              eid: "e",
              status: "active",
              mrr: account.mrr,
              currency: "usd",
              renewsAt: NOW + 10 * DAY,
            },
          },
        }),
      );
      let version = 0;
      let tier: Tier | null = null;
      const list: StreamChange[] = [];
      for (const [daysBefore, hour, value] of account.scores) {
        const computedAt = NOW - daysBefore * DAY - 12 * 3_600_000 + hour * 3_600_000;
        const next: StoredScore = {
          accountId: account.id,
          score: value,
          tier: tierOf(value),
          components: [],
          coverage: 1,
          drivers: [{ component: "engagement", impact: -3, reason: `score ${value}` }],
          flags: [],
          holdingDown: [],
          modelVersion: "1#abc",
          segment: account.segment,
          computedAt,
          version: version + 1,
          inDrop: false,
          accountName: account.id.toUpperCase(),
          owner: account.owner,
          outbox: [],
        };
        expect(await scores.save(next, version === 0 ? null : version)).toBe(true);
        version++;
        tier = next.tier;
        const item = (
          await doc.send(
            new GetCommand({
              TableName: tableName,
              Key: { pk: accountPk(account.id), sk: SCORE_SK },
            }),
          )
        ).Item as Record<string, unknown>;
        const written = scoreWrittenOf(item);
        list.push({ kind: "score", score: written, alerts: alertsOf(item, written) });
      }
      expect(tier).not.toBeNull();
      changes.set(account.id, list);
    }
  });

  it("equals a recomputation from the scores after redeliveries, repeats and concurrent batches", async () => {
    const store = new DynamoProjectionStore(doc, { tableName, now: () => NOW });
    const all = [...changes.values()];
    // Batch 1: the first half of each account's scores; batches 2 and 3 run at the same time
    // (they update the same summary items); then every batch again, and one out of order.
    const half = all.flatMap((list) => list.slice(0, Math.ceil(list.length / 2)));
    const restOf = (list: StreamChange[]) => list.slice(Math.ceil(list.length / 2));
    const rest = all.flatMap(restOf);
    const first = await projectChanges(store, half);
    expect(first.applied).toBe(half.length);
    // Concurrent batches hold different customers (a stream shard keeps one item's records in
    // order, in one batch at a time) but update the same summary items.
    const [a, b] = await Promise.all([
      projectChanges(store, all.filter((_, i) => i % 2 === 0).flatMap(restOf)),
      projectChanges(store, all.filter((_, i) => i % 2 === 1).flatMap(restOf)),
    ]);
    expect(a.applied + b.applied).toBe(rest.length);
    const again = await projectChanges(store, [...rest, ...half]);
    expect(again.applied).toBe(0);
    expect(again.live).toHaveLength(0);

    // Recomputation: totals from each account's last score, days from the daily snapshots
    // (each customer's last score of the day), moves from each account's tier sequence.
    const expected: Record<string, number> = {};
    const bump = (key: string, n: number) => {
      expected[key] = (expected[key] ?? 0) + n;
    };
    const days = new Map<string, { sum: number; count: number; worse: number; better: number }>();
    const dayOf = (d: string) => {
      let entry = days.get(d);
      if (!entry) {
        entry = { sum: 0, count: 0, worse: 0, better: 0 };
        days.set(d, entry);
      }
      return entry;
    };
    for (const account of ACCOUNTS) {
      const list = account.scores.map(([daysBefore, hour, value]) => ({
        day: day(NOW - daysBefore * DAY - 12 * 3_600_000 + hour * 3_600_000),
        value,
      }));
      const last = list.at(-1) as { value: number };
      bump(counter.customers(tierOf(last.value)), 1);
      bump(counter.mrr(tierOf(last.value)), account.mrr);
      const lastOfDay = new Map(list.map((s) => [s.day, s.value]));
      for (const [d, value] of lastOfDay) {
        dayOf(d).sum += value;
        dayOf(d).count += 1;
      }
      for (let i = 1; i < list.length; i++) {
        const move = moveOf(
          tierOf((list[i - 1] as { value: number }).value),
          tierOf((list[i] as { value: number }).value),
        );
        if (move) dayOf((list[i] as { day: string }).day)[move] += 1;
      }
    }

    const summary = await reads.summary(ALL_SCOPE, day(NOW - 10 * DAY));
    const totals = Object.fromEntries(Object.entries(summary.totals).filter(([, n]) => n !== 0));
    expect(totals).toEqual(expected);
    for (const [d, e] of days) {
      const got = summary.days.get(d) ?? {};
      expect({
        d,
        sum: got.sum ?? 0,
        count: got.count ?? 0,
        worse: got.worse ?? 0,
        better: got.better ?? 0,
      }).toEqual({ d, ...e });
    }

    // A filter scope counts exactly its customers.
    const enterprise = await reads.summary(segmentScope("enterprise"), day(NOW));
    const enterpriseCount = Object.entries(enterprise.totals)
      .filter(([k]) => k.startsWith("n:"))
      .reduce((n, [, v]) => n + v, 0);
    expect(enterpriseCount).toBe(ACCOUNTS.filter((a) => a.segment === "enterprise").length);
    const values = await reads.filterValues();
    expect([...values.owners].sort()).toEqual(["Aisha", "Ben", "Cleo"]);
    expect(values.currency).toBe("usd");
  });

  it("pages through every customer once, in order, in every sort", async () => {
    for (const sort of SORTS) {
      const seen: string[] = [];
      let after = null;
      for (let pages = 0; pages < 10; pages++) {
        const page = await listCustomerRows(reads, { sort, limit: 4, after }, NOW);
        seen.push(...page.items.map((i) => i.accountId));
        after = page.next;
        if (after === null) break;
      }
      const rows = await reads.rows();
      const expected = rows
        .map((row) => ({ value: sortValue(sort, row), accountId: row.accountId }))
        .sort((x, y) => comparePositions(sort, x, y))
        .map((p) => p.accountId);
      expect(seen, sort).toEqual(expected);
      expect(new Set(seen).size).toBe(ACCOUNTS.length);
    }
    const search = await listCustomerRows(
      reads,
      { sort: "score", limit: 50, after: null, q: "GLO" },
      NOW,
    );
    expect(search.items.map((i) => i.accountId)).toEqual(["globex"]);
    const renewing = await listCustomerRows(
      reads,
      { sort: "score", limit: 50, after: null, renewalWithinDays: 5 },
      NOW,
    );
    expect(renewing.items).toHaveLength(0);
  });

  it("reads every row again only once a row changed, and at most once per refresh interval", async () => {
    let clock = NOW;
    const { client, sent } = recordingClient(doc);
    const cached = new DynamoDashboardReads(client, {
      tableName,
      rowsRefreshMs: 5_000,
      now: () => clock,
    });
    const queries = () => sent.filter((name) => name === "QueryCommand").length;
    const acmeScore = (rows: readonly DashboardRow[]) =>
      rows.find((row) => row.accountId === "acme")?.score;
    // The count of row writes is kept per day of the projection's clock: the same clock.
    const store = new DynamoProjectionStore(doc, { tableName, now: () => clock });
    const scoreAcme = async (score: number, computedAt = clock) => {
      const acme = (await reads.row("acme")) as DashboardRow;
      const written: ScoreWritten = {
        accountId: "acme",
        version: acme.version + 1,
        score,
        tier: tierOf(score),
        computedAt,
        accountName: "ACME",
        owner: "Aisha",
        segment: "enterprise",
        reason: null,
        inDrop: false,
      };
      await projectChanges(store, [{ kind: "score", score: written, alerts: [] }]);
    };

    const first = await cached.rows();
    const everyRow = queries();
    expect(everyRow).toBeGreaterThan(0);
    clock += 60_000;
    // Nothing changed: one small read, no Query.
    expect(await cached.rows()).toEqual(first);
    expect(queries()).toBe(everyRow);

    await scoreAcme(99);
    expect(acmeScore(await cached.rows())).toBe(99);
    expect(queries()).toBe(2 * everyRow);

    // Changed again within the refresh interval: the rows read a second ago stand...
    await scoreAcme(98);
    clock += 1_000;
    expect(acmeScore(await cached.rows())).toBe(99);
    expect(queries()).toBe(2 * everyRow);
    // ...until it has passed.
    clock += 5_000;
    expect(acmeScore(await cached.rows())).toBe(98);
    expect(queries()).toBe(3 * everyRow);

    // A score of yesterday projected today changes no counter of today: the count moves all
    // the same.
    clock += 60_000;
    await scoreAcme(97, clock - DAY);
    expect(acmeScore(await cached.rows())).toBe(97);
    expect(queries()).toBe(4 * everyRow);
  });

  it("counts a kept score in the day it was kept, once, whatever the redeliveries", async () => {
    const store = new DynamoProjectionStore(doc, { tableName });
    const scope = segmentScope("kept-test");
    const first = NOW + 20 * DAY;
    const written: ScoreWritten = {
      accountId: "vance-refrigeration",
      version: 1,
      score: 64,
      tier: "at-risk",
      computedAt: first,
      accountName: "Vance Refrigeration",
      owner: null,
      segment: "kept-test",
      reason: null,
      inDrop: false,
    };
    // The next day's rescore found it showing the same: only its due time (and lookedAt).
    const kept: ScoreWritten = { ...written, lookedAt: first + DAY };
    const change = (score: ScoreWritten): StreamChange => ({ kind: "score", score, alerts: [] });

    await projectChanges(store, [change(written)]);
    const results = await Promise.all([
      projectChanges(store, [change(kept)]),
      projectChanges(store, [change(kept)]),
    ]);
    await projectChanges(store, [change(written), change(kept)]);

    const { totals, days } = await reads.summary(scope, day(first));
    expect(days.get(day(first))).toMatchObject({ sum: 64, count: 1 });
    expect(days.get(day(first + DAY))).toMatchObject({ sum: 64, count: 1 });
    expect(totals).toMatchObject({ [counter.customers("at-risk")]: 1 });
    expect((await reads.row("vance-refrigeration"))?.day).toBe(day(first + DAY));
    // Nothing new to show: no live message for the kept score.
    expect(results.flatMap((r) => r.live)).toEqual([]);
  });
});
