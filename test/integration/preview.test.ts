/**
 * `npm run preview` against DynamoDB Local: customers' aggregates and current scores are
 * stored as the score function stores them; a candidate model is previewed through the
 * DynamoDB adapter, page by page, with nothing but reads sent.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DynamoCurrentCustomers } from "../../functions/adapters/dynamo/current-customers.ts";
import { DynamoScoreStore } from "../../functions/adapters/dynamo/score-store.ts";
import { aggregateOf, signalToUpdate } from "../../functions/domain/aggregate.ts";
import { compileModel } from "../../functions/domain/model.ts";
import { score } from "../../functions/domain/score.ts";
import type { Signal } from "../../functions/domain/signals.ts";
import { previewModel } from "../../lib/preview/preview.ts";
import { summarize } from "../../lib/preview/summary.ts";
import { freshTable, recordingClient, testClients } from "../support/dynamo.ts";
import { dailyUsage, NOW, signal } from "../support/signals.ts";
import { writeUpdates } from "../support/stored-aggregate.ts";
import { testModelInput } from "../support/test-model.ts";

const deployed = compileModel(testModelInput());
const { doc } = testClients();

/** Five customers, healthy to failing, each as a list of signals. */
function customers(): Record<string, Signal[]> {
  const of = (accountId: string, signals: Signal[]) => signals.map((s) => ({ ...s, accountId }));
  const sub = (status: "active" | "past_due" | "canceled", daysAgo = 30) =>
    signal({ kind: "subscription", status, mrr: 40_000, seats: 10 }, daysAgo);
  return {
    "acct-busy": of("acct-busy", [...dailyUsage(25, 40), sub("active")]),
    "acct-steady": of("acct-steady", [...dailyUsage(20, 8), sub("active")]),
    "acct-fading": of("acct-fading", [...dailyUsage(10, 5, 12), sub("active")]),
    "acct-pastdue": of("acct-pastdue", [
      ...dailyUsage(15, 10),
      sub("past_due", 3),
      signal({ kind: "payment_failed", attempt: 1 }, 5),
      signal({ kind: "payment_failed", attempt: 2 }, 2),
    ]),
    "acct-gone": of("acct-gone", [...dailyUsage(5, 2, 25), sub("canceled", 1)]),
  };
}

describe("preview against DynamoDB Local", () => {
  let tableName: string;
  const stored = new Map<string, { score: number | null; tier: string }>();

  beforeAll(async () => {
    ({ tableName } = await freshTable("preview"));
    const store = new DynamoScoreStore(doc, { tableName });
    for (const [accountId, signals] of Object.entries(customers())) {
      for (const s of signals) {
        await writeUpdates(doc, tableName, accountId, [signalToUpdate(s)]);
      }
      // Scored an hour before now, as the score function stores it.
      const current = score(aggregateOf(accountId, signals), deployed, null, NOW - 3_600_000);
      stored.set(accountId, { score: current.score, tier: current.tier });
      await store.save(
        { ...current, version: 1, inDrop: false, accountName: null, owner: null, outbox: [] },
        null,
      );
    }
  });

  it("changes nothing with the deployed model itself: differences are the model's alone", async () => {
    const changes = await previewModel(new DynamoCurrentCustomers(doc, { tableName }), deployed);
    const summary = summarize(changes);
    expect(summary.customers).toBe(5);
    expect(summary.tierChanges).toEqual([]);
    expect(summary.maxAbsChange).toBe(0);
  });

  it("counts and lists the customers a candidate model moves, reading page by page and only reading", async () => {
    // Same weights, stricter tiers: every customer below 98 becomes critical.
    const candidate = compileModel({
      ...testModelInput(),
      version: "candidate-1",
      tiers: { healthy: 99, atRisk: 98, margin: 0 },
      segments: testModelInput().segments.map((s) => ({ ...s, tiers: undefined })),
    });
    const { client, sent } = recordingClient(doc);
    const changes = await previewModel(
      new DynamoCurrentCustomers(client, { tableName, pageSize: 2 }),
      candidate,
    );
    const summary = summarize(changes);
    const expected = [...stored.entries()]
      .filter(([, s]) => s.score !== null && s.score < 98 && s.tier !== "critical")
      .map(([accountId, s]) => ({ accountId, from: s.tier, score: s.score }))
      .sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
    expect(expected.length).toBeGreaterThanOrEqual(3);
    expect(summary.customers).toBe(5);
    expect(summary.tierChanges.length).toBe(expected.length);
    expect(
      summary.tierChanges
        .map((c) => ({
          accountId: c.accountId,
          from: c.fromTier,
          score: c.fromScore,
          to: c.toTier,
          same: c.toScore === c.fromScore,
        }))
        .sort((a, b) => (a.accountId < b.accountId ? -1 : 1)),
    ).toEqual(expected.map((e) => ({ ...e, to: "critical", same: true })));
    // Five customers in pages of two: three Scan pages (plus the empty last one at most).
    expect(sent.filter((name) => name === "ScanCommand").length).toBeGreaterThanOrEqual(3);
    // Read-only: score pages from the tier index, each customer's aggregate by one Query.
    expect(new Set(sent)).toEqual(new Set(["ScanCommand", "QueryCommand"]));
  });

  it("shows how scores move when the weights change", async () => {
    const candidate = compileModel({
      ...testModelInput(),
      version: "candidate-2",
      components: {
        ...testModelInput().components,
        financial: { ...testModelInput().components.financial, weight: 2 },
      },
      segments: [],
    });
    const summary = summarize(
      await previewModel(new DynamoCurrentCustomers(doc, { tableName }), candidate),
    );
    expect(summary.scored).toBe(5);
    expect(summary.buckets.reduce((s, b) => s + b.count, 0)).toBe(5);
    expect(summary.maxAbsChange).toBeGreaterThan(1);
  });
});
