import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoEventStore } from "../functions/adapters/dynamo/event-store.ts";
import { AGGREGATE_SK, accountPk, EVENT_SK, eventPk } from "../functions/adapters/dynamo/keys.ts";
import { errorResponse } from "../functions/adapters/http.ts";
import { defaultModel } from "../functions/domain/model.default.ts";
import { compileModel } from "../functions/domain/model.ts";
import { updateFor } from "../functions/webhook/ingest.ts";
import { receiveWebhook } from "../functions/webhook/receive.ts";
import { startDynamoDbLocal } from "../lib/local/dynamodb-local.ts";
import { createTables } from "../lib/local/tables.ts";
import { genericPayload, signedWebhook, testSecretsFor } from "../test/support/webhooks.ts";
import { countRequests, itemBytes, localClients } from "./dynamo.ts";
import type { Report } from "./report.ts";

const EVENTS = 2_000;
const ACCOUNTS = 200;
const CONCURRENCY = 16;

/** AWS bills a transactional write 2 WCU per started KB of each item. */
const awsTransactWcu = (itemBytes: number) => 2 * Math.max(1, Math.ceil(itemBytes / 1024));

async function runPool<T>(items: T[], worker: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await worker(items[next++] as T);
    }),
  );
}

export async function benchIngestion(report: Report): Promise<void> {
  const local = await startDynamoDbLocal();
  try {
    const { client, doc } = localClients(local.endpoint);
    const model = compileModel(defaultModel).model;

    const counter = countRequests(doc);
    const requests = counter.requests;
    let handlerConsumed = 0;
    const handlerRequests = new Map<string, number>();

    const { tableName } = await createTables(client, "bench-ingest");
    const store = new DynamoEventStore(doc, { tableName });
    const deps = { store, model, secretsFor: testSecretsFor };
    const now = Date.now();
    const payload = (i: number) =>
      genericPayload(
        "usage",
        `acct-${i % ACCOUNTS}`,
        { event: "report_viewed", count: 1 + (i % 7) },
        new Date(now - (i % 50) * 3_600_000),
      ) as unknown as { timestamp: string; data: { account_id: string; count: number } };
    const events = Array.from({ length: EVENTS }, (_, i) =>
      signedWebhook("generic", payload(i), now, `msg_bench_${i}`),
    );

    // Raw baseline: the same two transaction items per event, sent straight to DynamoDB.
    const { tableName: rawTable } = await createTables(client, "bench-raw");
    const rawStore = new DynamoEventStore(doc, { tableName: rawTable });
    await createTables(client, "bench-warm");
    const retarget = (item: object, table: string) =>
      Object.fromEntries(
        Object.entries(item).map(([k, v]) => [k, { ...v, TableName: table }]),
      ) as (typeof rawItems)[number][number];
    const rawItems = events.map((_, i) => {
      const body = payload(i);
      const record = {
        source: "generic" as const,
        eventId: `msg_bench_${i}`,
        type: "usage",
        occurredAt: Date.parse(body.timestamp),
        receivedAt: now,
        accountId: body.data.account_id,
        refs: [],
        signals: [{ kind: "usage" as const, event: "report_viewed", count: body.data.count }],
        status: "applied" as const,
      };
      return rawStore.appliedTransactionItems(record, updateFor(record, record.accountId, model));
    });
    // Warm DynamoDB Local's JVM first, so neither measured phase pays for JIT warm-up.
    await runPool(
      rawItems.slice(0, 300).map((items) => items.map((item) => retarget(item, "bench-warm"))),
      async (items) => {
        await doc.send(new TransactWriteCommand({ TransactItems: items }));
      },
    );
    // DynamoDB Local slows as its database grows, so the two are measured in alternating
    // rounds of the same size: neither gets the emptier database.
    const ROUNDS = 10;
    const perRound = EVENTS / ROUNDS;
    let rawSeconds = 0;
    let handlerSeconds = 0;
    let accepted = 0;
    requests.clear();
    counter.consumed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const slice = [round * perRound, (round + 1) * perRound] as const;
      let t = performance.now();
      await runPool(rawItems.slice(...slice), async (items) => {
        await doc.send(new TransactWriteCommand({ TransactItems: items }));
      });
      rawSeconds += (performance.now() - t) / 1000;
      const before = new Map(requests);
      const consumedBefore = counter.consumed;
      const sameBefore = (name: string) => before.get(name) ?? 0;
      t = performance.now();
      await runPool(events.slice(...slice), async (event) => {
        const response = await receiveWebhook(deps, event, now).catch(errorResponse);
        if (response.statusCode === 200 && String(response.body).includes('"accepted"')) accepted++;
      });
      handlerSeconds += (performance.now() - t) / 1000;
      // Count only the handler's requests.
      for (const [name, count] of requests) {
        handlerRequests.set(name, (handlerRequests.get(name) ?? 0) + count - sameBefore(name));
      }
      handlerConsumed += counter.consumed - consumedBefore;
    }
    const writeRequests = [...handlerRequests.entries()]
      .filter(([name]) => /Transact|Put|Update|Delete|BatchWrite/.test(name))
      .reduce((n, [, c]) => n + c, 0);

    // AWS-equivalent capacity from the stored sizes of one event record and its aggregate.
    const sampleRecord = await doc.send(
      new (await import("@aws-sdk/lib-dynamodb")).GetCommand({
        TableName: tableName,
        Key: { pk: eventPk("generic", "msg_bench_0"), sk: EVENT_SK },
      }),
    );
    const sampleAggregate = await doc.send(
      new (await import("@aws-sdk/lib-dynamodb")).GetCommand({
        TableName: tableName,
        Key: { pk: accountPk("acct-0"), sk: AGGREGATE_SK },
      }),
    );
    const recordBytes = itemBytes(sampleRecord.Item);
    const aggregateBytes = itemBytes(sampleAggregate.Item);

    const handlerRate = accepted / handlerSeconds;
    const rawRate = EVENTS / rawSeconds;
    report("ingest.events", accepted, "accepted events");
    report("ingest.write_requests_per_event", (writeRequests / accepted).toFixed(2), "requests");
    report(
      "ingest.local_reported_capacity_per_event",
      (handlerConsumed / accepted).toFixed(2),
      "capacity units (DynamoDB Local counts 1 per transaction item)",
    );
    report("ingest.event_record_bytes", recordBytes, "bytes");
    report("ingest.aggregate_item_bytes", aggregateBytes, "bytes");
    report(
      "ingest.aws_wcu_per_event",
      awsTransactWcu(recordBytes) + awsTransactWcu(aggregateBytes),
      "WCU (2 per KB per transaction item)",
    );
    report("ingest.handler_events_per_second", Math.round(handlerRate), "events/s");
    report("ingest.raw_transactions_per_second", Math.round(rawRate), "transactions/s");
    report("ingest.handler_to_raw_ratio", (handlerRate / rawRate).toFixed(2), "ratio");
  } finally {
    await local.stop();
  }
}
