/**
 * The CustomerReads contract: one suite, run against the in-memory reads and against the
 * DynamoDB reads on DynamoDB Local (scores written by the real score store).
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { DynamoCustomerReads } from "../../functions/adapters/dynamo/customer-reads.ts";
import { AGGREGATE_SK, accountPk } from "../../functions/adapters/dynamo/keys.ts";
import { DynamoScoreStore } from "../../functions/adapters/dynamo/score-store.ts";
import { MemoryCustomerReads } from "../../functions/adapters/memory/customer-reads.ts";
import type { CustomerPosition, CustomerReads } from "../../functions/api/customers.ts";
import type { Tier } from "../../functions/domain/tiers.ts";
import type { StoredScore } from "../../functions/scoring/score-accounts.ts";
import { freshTable, testClients } from "../support/dynamo.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 29, 12);

interface Subject {
  readonly reads: CustomerReads;
  /** Saves a score as the score function does (`previous`: the version it replaces). */
  save(score: StoredScore, previous: number | null): Promise<void>;
  /** An account with events applied but no score yet. */
  addAggregate(accountId: string): Promise<void>;
}

async function memorySubject(): Promise<Subject> {
  const reads = new MemoryCustomerReads();
  return {
    reads,
    save: async (score) => reads.save(score),
    addAggregate: async (accountId) => void reads.aggregates.add(accountId),
  };
}

async function dynamoSubject(): Promise<Subject> {
  const { doc } = testClients();
  const { tableName } = await freshTable("reads-contract");
  const scores = new DynamoScoreStore(doc, { tableName });
  return {
    reads: new DynamoCustomerReads(doc, { tableName }),
    save: async (score, previous) => {
      expect(await scores.save(score, previous)).toBe(true);
    },
    addAggregate: async (accountId) => {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: accountPk(accountId), sk: AGGREGATE_SK, accountId },
        }),
      );
    },
  };
}

function scoreOf(
  accountId: string,
  score: number | null,
  tier: Tier,
  extra: Partial<StoredScore> = {},
): StoredScore {
  return {
    accountId,
    score,
    tier,
    components: [],
    coverage: score === null ? 0.1 : 0.8,
    drivers: [{ component: "engagement", impact: -3.5, reason: "no product usage for 21 days" }],
    flags: [],
    holdingDown: [],
    modelVersion: "test#abc",
    segment: "default",
    computedAt: NOW,
    version: 1,
    inDrop: false,
    accountName: `${accountId} Inc.`,
    owner: null,
    outbox: [],
    ...extra,
  };
}

/** The customers of the listing, in order, across tiers; equal scores ordered by id bytes. */
const LISTED: StoredScore[] = [
  scoreOf("no-data", null, "unknown"),
  scoreOf("zeta", 12.5, "critical"),
  scoreOf("alpha", 12.5, "critical"),
  scoreOf("émile", 12.5, "critical"),
  scoreOf("Ωmega", 12.5, "critical"),
  scoreOf("mid", 55.25, "at-risk"),
  scoreOf("top", 92, "healthy"),
  scoreOf("best", 100, "healthy"),
];
const LISTING_ORDER = ["no-data", "alpha", "zeta", "émile", "Ωmega", "mid", "top", "best"];

async function listAll(reads: CustomerReads, tiers: readonly Tier[], limit: number) {
  const ids: string[] = [];
  let after: CustomerPosition | null = null;
  let pages = 0;
  do {
    const page = await reads.listByScore(tiers, limit, after);
    ids.push(...page.customers.map((c) => c.accountId));
    expect(page.customers.length).toBeLessThanOrEqual(limit);
    after = page.next;
    pages++;
  } while (after && pages < 50);
  return { ids, pages };
}

describe.each([
  ["in memory", memorySubject],
  ["DynamoDB Local", dynamoSubject],
])("CustomerReads contract (%s)", (_name, makeSubject) => {
  let subject: Subject;
  beforeAll(async () => {
    subject = await makeSubject();
    for (const score of LISTED) await subject.save(score, null);
    await subject.addAggregate("fresh");
  });

  it("reads a customer's current score back as it was saved", async () => {
    expect(await subject.reads.currentScore("mid")).toEqual(scoreOf("mid", 55.25, "at-risk"));
    expect(await subject.reads.currentScore("émile")).toEqual(scoreOf("émile", 12.5, "critical"));
    expect(await subject.reads.currentScore("nobody")).toBeNull();
  });

  it("knows customers with an aggregate, scored or not", async () => {
    expect(await subject.reads.hasAggregate("fresh")).toBe(true);
    expect(await subject.reads.hasAggregate("nobody")).toBe(false);
    expect(await subject.reads.currentScore("fresh")).toBeNull();
  });

  it("returns the daily snapshots of a range, oldest first", async () => {
    const id = "history";
    await subject.save(scoreOf(id, 80, "healthy", { computedAt: NOW - 100 * DAY }), null);
    await subject.save(scoreOf(id, 60, "at-risk", { computedAt: NOW - 5 * DAY, version: 2 }), 1);
    await subject.save(scoreOf(id, 30, "critical", { computedAt: NOW, version: 3 }), 2);

    const days = await subject.reads.dailyHistory(id, "2026-08-31", "2026-11-29");

    expect(days).toEqual([
      { day: "2026-11-24", score: 60, tier: "at-risk", coverage: 0.8, modelVersion: "test#abc" },
      { day: "2026-11-29", score: 30, tier: "critical", coverage: 0.8, modelVersion: "test#abc" },
    ]);
    expect(await subject.reads.dailyHistory("nobody", "2026-08-31", "2026-11-29")).toEqual([]);
  });

  it("lists every tier lowest score first, ties by id, each customer once across pages", async () => {
    const tiers: Tier[] = ["critical", "at-risk", "healthy", "unknown"];
    const ours = (ids: string[]) => ids.filter((id) => LISTING_ORDER.includes(id));

    for (const limit of [1, 2, 3, 200]) {
      const { ids } = await listAll(subject.reads, tiers, limit);
      expect(ours(ids)).toEqual(LISTING_ORDER);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it("lists one tier and ends with no next page when the last page is full", async () => {
    const { ids, pages } = await listAll(subject.reads, ["critical"], 2);
    const critical = await subject.reads.listByScore(["critical"], 200, null);

    expect(ids).toEqual(critical.customers.map((c) => c.accountId));
    expect(critical.customers.every((c) => c.tier === "critical")).toBe(true);
    expect(critical.next).toBeNull();
    expect(pages).toBe(Math.ceil(ids.length / 2));
    expect(
      await subject.reads.listByScore(["healthy"], 1, { score: 100, accountId: "best" }),
    ).toEqual({
      customers: [],
      next: null,
    });
  });

  it("pages through a tier whose items exceed what one read returns (1 MB), in order", async () => {
    // 45 customers of 30 KB each: 1.3 MB, more than DynamoDB returns to one Query.
    const big = Array.from({ length: 45 }, (_, i) =>
      scoreOf(`big-${String(i).padStart(2, "0")}`, 40 + i / 10, "at-risk", {
        accountName: "x".repeat(30_000),
      }),
    );
    for (const score of big) await subject.save(score, null);

    const { ids } = await listAll(subject.reads, ["at-risk", "healthy"], 200);

    expect(ids.filter((id) => id.startsWith("big-"))).toEqual(big.map((s) => s.accountId));
    expect(ids.slice(-3)).toEqual(["mid", "top", "best"]);
  });
});
