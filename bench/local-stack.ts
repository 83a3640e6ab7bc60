/**
 * The whole local system under load (section "local"): the stack started in this process
 * (HTTP API, webhook handler, DynamoDB Local, stream poller, score function), fed signed
 * Standard Webhooks over HTTP.
 *
 * - Sustained ingestion with 16 concurrent senders, next to DynamoDB Local's raw
 *   TransactWriteItems rate for the same two items per event, in alternating rounds so
 *   neither gets the emptier database; and how far scoring lags behind a burst.
 * - Latency from a webhook's 200 to its customer's score item, one webhook at a time (each
 *   alone in the system, so the stream's batching window shows in full).
 * - Score writes per customer per stream batch (design decision 5: once per batch), read
 *   back from the table's stream: every score write carries its batch's `computedAt`.
 */

import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoEventStore } from "../functions/adapters/dynamo/event-store.ts";
import { AGGREGATE_SK, accountPk, SCORE_SK } from "../functions/adapters/dynamo/keys.ts";
import { defaultModel } from "../functions/domain/model.default.ts";
import { compileModel } from "../functions/domain/model.ts";
import { type EventRecord, updateFor } from "../functions/webhook/ingest.ts";
import { startLocalStack } from "../lib/local/runtime.ts";
import { createTables } from "../lib/local/tables.ts";
import { SCORE_STREAM } from "../lib/topology.ts";
import { genericPayload, signedHeaders } from "../test/support/webhooks.ts";
import type { Report } from "./report.ts";

const EVENTS = 3_000;
const ACCOUNTS = 300;
const SENDERS = 16;
const ROUNDS = 10;
const WARM_UP = 300;
const LATENCY_SAMPLES = 100;

async function runPool<T>(items: readonly T[], worker: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < items.length) await worker(items[next++] as T);
    }),
  );
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;

interface Webhook {
  readonly eventId: string;
  readonly accountId: string;
  readonly body: string;
  readonly occurredAt: number;
  readonly count: number;
}

export async function benchLocalStack(report: Report): Promise<void> {
  const problems: string[] = [];
  const stack = await startLocalStack({
    port: 0,
    log: (line) => {
      if (!line.startsWith("event:")) problems.push(line);
    },
  });
  try {
    const credentials = { accessKeyId: "local", secretAccessKey: "local" };
    const client = new DynamoDBClient({
      endpoint: stack.dynamoEndpoint,
      region: "local",
      credentials,
    });
    const doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    const model = compileModel(defaultModel).model;
    const secret = stack.secrets.generic.value.split(",")[0] as string;
    const now = Date.now();

    const webhook = (prefix: string, i: number, accounts: number): Webhook => {
      const accountId = `${prefix}-${i % accounts}`;
      const count = 1 + (i % 7);
      const occurredAt = now - (i % 50) * 3_600_000;
      const body = JSON.stringify(
        genericPayload("usage", accountId, { event: "report_viewed", count }, new Date(occurredAt)),
      );
      return { eventId: `msg_${prefix}_${i}`, accountId, body, occurredAt, count };
    };
    let accepted = 0;
    const failures: string[] = [];
    /** POSTs one webhook signed now; resolves when its 200 is back. */
    const send = async (w: Webhook) => {
      const res = await fetch(`${stack.baseUrl}/webhooks/generic`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...signedHeaders("generic", w.body, Date.now(), secret, w.eventId),
        },
        body: w.body,
      });
      const text = await res.text();
      if (res.status === 200 && text.includes('"accepted"')) accepted++;
      else if (failures.length < 5) failures.push(`${res.status} ${text.slice(0, 120)}`);
    };

    // The raw baseline: the handler's transaction for the same event, sent straight to
    // DynamoDB Local (a table of its own, so its writes do not feed the score stream).
    const rawTable = "bench-local-raw";
    const rawStore = new DynamoEventStore(doc, { tableName: rawTable });
    const rawItems = (w: Webhook) => {
      const record: EventRecord = {
        source: "generic",
        eventId: w.eventId,
        type: "usage",
        occurredAt: w.occurredAt,
        receivedAt: now,
        accountId: w.accountId,
        refs: [],
        signals: [{ kind: "usage", event: "report_viewed", count: w.count }],
        status: "applied",
      };
      return rawStore.appliedTransactionItems(record, updateFor(record, w.accountId, model));
    };
    const raw = async (w: Webhook) => {
      await doc.send(new TransactWriteCommand({ TransactItems: rawItems(w) }));
    };

    // Warm the JIT of both processes (Node and DynamoDB Local's JVM) on both paths.
    const warm = Array.from({ length: WARM_UP }, (_, i) => webhook("warm", i, 30));
    await runPool(warm, send);
    await stack.settle();
    // Only now: a stream-enabled table created in DynamoDB Local while the stack's stream is
    // still empty leaves the local poller failing with TrimmedDataAccessException.
    await createTables(client, rawTable);
    await runPool(
      warm.map((w) => ({ ...w, eventId: `raw_${w.eventId}` })),
      raw,
    );
    await stack.settle();
    accepted = 0;

    const events = Array.from({ length: EVENTS }, (_, i) => webhook("acct", i, ACCOUNTS));
    const rawEvents = Array.from({ length: EVENTS }, (_, i) => webhook("raw", i, ACCOUNTS));
    const perRound = EVENTS / ROUNDS;
    let sendSeconds = 0;
    let settleSeconds = 0;
    let rawSeconds = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const slice = [round * perRound, (round + 1) * perRound] as const;
      let t = performance.now();
      await runPool(events.slice(...slice), send);
      sendSeconds += (performance.now() - t) / 1000;
      // Scoring runs during the round; the lag is what is left of it when the round ends.
      t = performance.now();
      await stack.settle();
      settleSeconds += (performance.now() - t) / 1000;
      t = performance.now();
      await runPool(rawEvents.slice(...slice), raw);
      rawSeconds += (performance.now() - t) / 1000;
    }
    const ingested = accepted;
    const batches = await scoreWritesPerBatch(stack.dynamoEndpoint, credentials, stack.tableName);

    // Latency: each webhook alone in the system, for a customer never seen before.
    const samples: { written: number; started: number }[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const w = webhook("lat", i, LATENCY_SAMPLES);
      await send(w);
      const ackAt = Date.now();
      const deadline = ackAt + 30_000;
      for (;;) {
        const out = await doc.send(
          new GetCommand({
            TableName: stack.tableName,
            Key: { pk: accountPk(w.accountId), sk: SCORE_SK },
            ConsistentRead: true,
            ProjectionExpression: "computedAt",
          }),
        );
        if (out.Item) {
          samples.push({
            written: Date.now() - ackAt,
            started: Number(out.Item.computedAt) - ackAt,
          });
          break;
        }
        if (Date.now() > deadline) throw new Error(`no score for ${w.accountId} after 30 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    const written = samples.map((s) => s.written).sort((a, b) => a - b);
    const started = samples.map((s) => s.started).sort((a, b) => a - b);

    if (failures.length > 0) throw new Error(`webhooks not accepted: ${failures.join(" | ")}`);
    if (problems.length > 0)
      throw new Error(`local stack reported: ${problems.slice(0, 3).join(" | ")}`);
    const webhookRate = ingested / sendSeconds;
    const rawRate = EVENTS / rawSeconds;
    report("local.webhooks", ingested, `accepted (${ACCOUNTS} accounts, ${SENDERS} senders)`);
    report(
      "local.webhooks_per_second",
      Math.round(webhookRate),
      "webhooks/s (HTTP, scoring alongside)",
    );
    report(
      "local.scoring_lag_after_burst",
      Math.round((settleSeconds / ROUNDS) * 1000),
      `ms from the last 200 of ${perRound} webhooks until all are scored (batching window ${SCORE_STREAM.maxBatchingWindowSeconds * 1000} ms)`,
    );
    report(
      "local.raw_transactions_per_second",
      Math.round(rawRate),
      "transactions/s (same items, DynamoDB Local)",
    );
    report("local.webhooks_to_raw_ratio", (webhookRate / rawRate).toFixed(2), "ratio");
    report(
      "local.accepted_to_score_written_p50",
      percentile(written, 50),
      `ms (n=${samples.length}, one at a time)`,
    );
    report("local.accepted_to_score_written_p95", percentile(written, 95), "ms");
    report(
      "local.accepted_to_scoring_started_p50",
      percentile(started, 50),
      `ms (score's computedAt; batching window ${SCORE_STREAM.maxBatchingWindowSeconds} s)`,
    );
    report("local.accepted_to_scoring_started_p95", percentile(started, 95), "ms");
    report("local.score_batches", batches.batches, "stream batches that wrote scores");
    report(
      "local.score_writes_per_customer_per_batch",
      (batches.scoreWrites / batches.customerBatches).toFixed(2),
      "writes (1.00: once per customer per batch)",
    );
    report(
      "local.aggregate_changes_per_score_write",
      (batches.aggregateChanges / batches.scoreWrites).toFixed(2),
      "aggregate changes folded into one score",
    );
  } finally {
    await stack.stop();
  }
}

/**
 * Reads the table's whole stream: score writes, the batches they came from (the score
 * function stamps every score of one batch with the batch's `computedAt`), and aggregate
 * changes.
 */
async function scoreWritesPerBatch(
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  tableName: string,
) {
  const table = await new DynamoDBClient({ endpoint, region: "local", credentials }).send(
    new DescribeTableCommand({ TableName: tableName }),
  );
  const streamArn = table.Table?.LatestStreamArn as string;
  const streams = new DynamoDBStreamsClient({ endpoint, region: "local", credentials });
  const description = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  let aggregateChanges = 0;
  /** `pk|version`: one per score written (clearing a score's outbox keeps its version). */
  const writes = new Set<string>();
  /** `pk|computedAt`: one per customer per batch. */
  const customerBatches = new Set<string>();
  const batches = new Set<string>();
  for (const shard of description.StreamDescription?.Shards ?? []) {
    let iterator = (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      )
    ).ShardIterator;
    // An open shard always has a next iterator: stop once it has nothing more to give.
    let empty = 0;
    while (iterator && empty < 2) {
      const page = await streams.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
      );
      const records = page.Records ?? [];
      empty = records.length === 0 ? empty + 1 : 0;
      for (const record of records) {
        const pk = record.dynamodb?.Keys?.pk?.S;
        const sk = record.dynamodb?.Keys?.sk?.S;
        const image = record.dynamodb?.NewImage;
        if (sk === AGGREGATE_SK) aggregateChanges++;
        const computedAt = image?.computedAt?.N;
        if (sk !== SCORE_SK || computedAt === undefined) continue;
        writes.add(`${pk}|${image?.version?.N}`);
        customerBatches.add(`${pk}|${computedAt}`);
        batches.add(computedAt);
      }
      iterator = page.NextShardIterator;
    }
  }
  return {
    scoreWrites: writes.size,
    customerBatches: customerBatches.size,
    batches: batches.size,
    aggregateChanges,
  };
}
