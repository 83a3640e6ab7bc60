import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { encodeAggregate } from "../functions/adapters/dynamo/aggregate-layout.ts";
import { accountPk, SCORE_SK, tierPk, tierSk } from "../functions/adapters/dynamo/keys.ts";
import { DynamoScoreStore } from "../functions/adapters/dynamo/score-store.ts";
import { DynamoStaleScores } from "../functions/adapters/dynamo/stale-scores.ts";
import { handleScoreStream } from "../functions/adapters/dynamo/stream-records.ts";
import { aggregateOf } from "../functions/domain/aggregate.ts";
import { defaultModel } from "../functions/domain/model.default.ts";
import { compileModel } from "../functions/domain/model.ts";
import { score } from "../functions/domain/score.ts";
import type { Signal } from "../functions/domain/signals.ts";
import type { HealthEvent } from "../functions/events/health-events.ts";
import { type RescoreDeps, rescoreStale } from "../functions/scoring/rescore.ts";
import { startDynamoDbLocal } from "../lib/local/dynamodb-local.ts";
import { createTables } from "../lib/local/tables.ts";
import { countRequests, itemBytes, localClients } from "./dynamo.ts";
import { type Report, seededRandom } from "./report.ts";

const DAY = 86_400_000;

/** A month of usage, a subscription and sometimes an NPS answer, for one customer. */
function customerSignals(i: number, now: number, random: () => number): Signal[] {
  const signals: Signal[] = [];
  const push = (values: Signal["values"], daysAgo: number) =>
    signals.push({
      accountId: `c${i}`,
      source: "generic",
      sourceEventId: `c${i}-${signals.length}`,
      occurredAt: now - Math.floor(daysAgo * DAY),
      values,
    });
  for (let d = 0; d < 20; d++) {
    push({ kind: "usage", event: "view", count: 1 + Math.floor(random() * 30) }, d + random() * 10);
  }
  push(
    {
      kind: "subscription",
      status: "active",
      mrr: 10_000 + Math.floor(random() * 90_000),
      seats: 5 + (i % 40),
    },
    90,
  );
  if (random() < 0.5) push({ kind: "nps", score: Math.floor(random() * 11) }, 30 * random());
  return signals;
}

export async function benchRescore(report: Report): Promise<void> {
  const customers = Number(process.env.BENCH_RESCORE_CUSTOMERS ?? 100_000);
  const local = await startDynamoDbLocal();
  try {
    const { client, doc } = localClients(local.endpoint);
    const { requests } = countRequests(doc);
    const { tableName } = await createTables(client, "bench-rescore");
    const compiled = compileModel(defaultModel);
    const published: HealthEvent[] = [];
    const deps: RescoreDeps = {
      store: new DynamoScoreStore(doc, { tableName }),
      stale: new DynamoStaleScores(doc, { tableName }),
      publisher: { publish: async (events) => void published.push(...events) },
      model: compiled,
      concurrency: 8,
    };
    const now = Date.now();
    const random = seededRandom(7);

    // Seed: each customer's aggregate and a score two hours old, 25 items per BatchWrite.
    let sample: { aggregate: unknown; score: unknown } | undefined;
    const items: Record<string, unknown>[] = [];
    const flush = async () => {
      const batches: Record<string, unknown>[][] = [];
      while (items.length > 0) batches.push(items.splice(0, 25));
      let nextBatch = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (nextBatch < batches.length) {
            let batch = batches[nextBatch++] as Record<string, unknown>[];
            while (batch.length > 0) {
              const out = await doc.send(
                new BatchWriteCommand({
                  RequestItems: { [tableName]: batch.map((Item) => ({ PutRequest: { Item } })) },
                }),
              );
              batch = (out.UnprocessedItems?.[tableName] ?? []).map(
                (r) => r.PutRequest?.Item as Record<string, unknown>,
              );
            }
          }
        }),
      );
    };
    const seedStart = performance.now();
    for (let i = 0; i < customers; i++) {
      const aggregate = aggregateOf(`c${i}`, customerSignals(i, now - 2 * 3_600_000, random));
      const scored = score(aggregate, compiled, null, now - 2 * 3_600_000);
      const aggregateItems = encodeAggregate(aggregate, now);
      const scoreItem = {
        pk: accountPk(`c${i}`),
        sk: SCORE_SK,
        ...scored,
        version: 1,
        inDrop: false,
        accountName: null,
        owner: null,
        tierPk: tierPk(scored.tier),
        tierSk: tierSk(scored.score, `c${i}`),
      };
      sample ??= { aggregate: aggregateItems, score: scoreItem };
      items.push(...aggregateItems, scoreItem);
      if (items.length >= 2000) await flush();
    }
    await flush();
    const seedSeconds = (performance.now() - seedStart) / 1000;

    requests.clear();
    const start = performance.now();
    const result = await rescoreStale(deps, { intervalMinutes: 60, segments: 4 }, now);
    const seconds = (performance.now() - start) / 1000;
    const per = (name: string) => ((requests.get(name) ?? 0) / result.scored).toFixed(3);

    report("rescore.customers", result.scored, "customers");
    report("rescore.seed_seconds", seedSeconds.toFixed(1), "s");
    report("rescore.customers_per_second", Math.round(result.scored / seconds), "customers/s");
    report("rescore.failed", result.failed, "customers");
    report("rescore.scan_requests_per_customer", per("ScanCommand"), "requests");
    report("rescore.batch_get_requests_per_customer", per("BatchGetItemCommand"), "requests");
    report("rescore.transact_writes_per_customer", per("TransactWriteItemsCommand"), "requests");
    report("rescore.aggregate_item_bytes", itemBytes(sample?.aggregate), "bytes");
    report("rescore.score_item_bytes", itemBytes(sample?.score), "bytes");

    // One stream batch of 100 records over 10 customers: each customer's score written once.
    const streamCustomers = 10;
    const records: DynamoDBRecord[] = Array.from({ length: 100 }, (_, n) => ({
      eventID: String(n),
      eventName: "MODIFY",
      dynamodb: {
        Keys: { pk: { S: accountPk(`c${n % streamCustomers}`) }, sk: { S: "AGG" } },
        SequenceNumber: String(1000 + n),
      },
    }));
    requests.clear();
    await handleScoreStream(deps, { Records: records }, now + 3 * 3_600_000);
    report(
      "scoring.score_writes_per_customer_per_batch",
      ((requests.get("TransactWriteItemsCommand") ?? 0) / streamCustomers).toFixed(2),
      "writes",
    );
  } finally {
    await local.stop();
  }
}
