import { DeleteCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { AGGREGATE_SK, accountPk, daySk, SCORE_SK } from "../../functions/adapters/dynamo/keys.ts";
import {
  type StreamFailureInfo,
  type StreamHandler,
  type StreamPoller,
  startStreamPoller,
} from "../../lib/local/stream-poller.ts";
import { SCORE_STREAM } from "../../lib/topology.ts";
import { freshTable, testClients } from "../support/dynamo.ts";

const { doc, streams } = testClients();

interface Failure {
  records: DynamoDBRecord[];
  error: unknown;
  info: StreamFailureInfo;
}

const pollers: StreamPoller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

/** A fresh table and a poller over its stream with SCORE_STREAM's settings. */
async function setup(
  handler: StreamHandler = async () => {},
  startingPosition: "TRIM_HORIZON" | "LATEST" = "TRIM_HORIZON",
) {
  const { tableName, streamArn } = await freshTable("stream");
  const events: DynamoDBStreamEvent[] = [];
  const failures: Failure[] = [];
  const start = () => {
    const poller = startStreamPoller({
      ...SCORE_STREAM,
      streamsClient: streams,
      streamArn,
      startingPosition,
      pollIntervalMs: 50,
      retryDelayMs: 0,
      handler: async (event) => {
        events.push(structuredClone(event));
        return handler(event);
      },
      onFailure: (records, error, info) => {
        failures.push({ records, error, info });
      },
    });
    pollers.push(poller);
    return poller;
  };
  const putAggregate = (accountId: string, fields: Record<string, unknown> = {}) =>
    doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: accountPk(accountId), sk: AGGREGATE_SK, ...fields },
      }),
    );
  return { tableName, streamArn, events, failures, start, putAggregate };
}

const pkOf = (r: DynamoDBRecord | undefined) => r?.dynamodb?.Keys?.pk?.S;
const pks = (event: DynamoDBStreamEvent | undefined) => event?.Records.map(pkOf) ?? [];

describe("stream poller against DynamoDB Local", () => {
  it("delivers writes to an aggregate item as a Lambda DynamoDB stream event with the new image", async () => {
    const env = await setup();
    const poller = env.start();
    const before = Math.floor(Date.now() / 1000);

    await env.putAggregate("acct-1", { payments: 1 });
    await doc.send(
      new UpdateCommand({
        TableName: env.tableName,
        Key: { pk: accountPk("acct-1"), sk: AGGREGATE_SK },
        UpdateExpression: "ADD payments :one",
        ExpressionAttributeValues: { ":one": 1 },
      }),
    );
    await poller.drain();

    const records = env.events.flatMap((e) => e.Records);
    expect(records.map((r) => r.eventName)).toEqual(["INSERT", "MODIFY"]);
    const [insert, modify] = records;
    expect(insert).toMatchObject({
      eventSource: "aws:dynamodb",
      eventVersion: "1.1",
      eventSourceARN: env.streamArn,
      dynamodb: {
        Keys: { pk: { S: accountPk("acct-1") }, sk: { S: AGGREGATE_SK } },
        NewImage: { pk: { S: accountPk("acct-1") }, sk: { S: AGGREGATE_SK }, payments: { N: "1" } },
        StreamViewType: "NEW_IMAGE",
      },
    });
    expect(modify?.dynamodb?.NewImage?.payments).toEqual({ N: "2" });
    expect(insert?.eventID).toEqual(expect.any(String));
    expect(insert?.awsRegion).toEqual(expect.any(String));
    expect(insert?.dynamodb?.SizeBytes).toBeGreaterThan(0);
    expect(BigInt(modify?.dynamodb?.SequenceNumber ?? 0)).toBeGreaterThan(
      BigInt(insert?.dynamodb?.SequenceNumber ?? 0),
    );
    // Epoch seconds as in Lambda; DynamoDB Local truncates the time to the minute.
    const created = insert?.dynamodb?.ApproximateCreationDateTime ?? 0;
    expect(created).toBeGreaterThan(before - 61);
    expect(created).toBeLessThanOrEqual(before + 61);
    expect(env.failures).toEqual([]);
  });

  it("drops writes to items other than aggregates, and removals, as the Lambda filter does", async () => {
    const env = await setup();
    const poller = env.start();

    await doc.send(
      new PutCommand({
        TableName: env.tableName,
        Item: { pk: accountPk("acct-2"), sk: SCORE_SK, score: 55 },
      }),
    );
    await doc.send(
      new PutCommand({
        TableName: env.tableName,
        Item: { pk: accountPk("acct-2"), sk: daySk("2026-01-15"), score: 55 },
      }),
    );
    await env.putAggregate("acct-2");
    await doc.send(
      new DeleteCommand({
        TableName: env.tableName,
        Key: { pk: accountPk("acct-2"), sk: AGGREGATE_SK },
      }),
    );
    await poller.drain();

    const records = env.events.flatMap((e) => e.Records);
    expect(records.map((r) => [r.eventName, r.dynamodb?.Keys?.sk?.S])).toEqual([
      ["INSERT", AGGREGATE_SK],
    ]);
  });

  it("redelivers a reported batch item failure and the records after it, not those before", async () => {
    let calls = 0;
    const env = await setup(async (event) => {
      calls += 1;
      if (calls > 1) return;
      const failed = event.Records[2]?.dynamodb?.SequenceNumber as string;
      return { batchItemFailures: [{ itemIdentifier: failed }] };
    });
    for (const id of ["a", "b", "c", "d", "e"]) await env.putAggregate(`acct-${id}`);

    await env.start().drain();

    expect(env.events.map(pks)).toEqual([
      ["a", "b", "c", "d", "e"].map((id) => accountPk(`acct-${id}`)),
      ["c", "d", "e"].map((id) => accountPk(`acct-${id}`)),
    ]);
    expect(env.failures).toEqual([]);
  });

  it("sends a record that always fails to onFailure after the retries and delivers the rest", async () => {
    const poison = accountPk("acct-poison");
    const succeeded: string[] = [];
    const env = await setup(async (event) => {
      if (pks(event).includes(poison)) throw new Error("cannot score this customer");
      succeeded.push(...(pks(event) as string[]));
    });
    const ids = ["a", "b", "poison", "c", "d", "e"];
    for (const id of ids) await env.putAggregate(`acct-${id}`);

    await env.start().drain();

    expect(env.failures).toHaveLength(1);
    const [failure] = env.failures;
    expect(failure?.records.map(pkOf)).toEqual([poison]);
    expect(failure?.error).toMatchObject({ message: "cannot score this customer" });
    expect(failure?.info).toMatchObject({
      condition: "RetryAttemptsExhausted",
      DDBStreamBatchInfo: {
        streamArn: env.streamArn,
        shardId: expect.any(String),
        batchSize: 1,
        startSequenceNumber: failure?.records[0]?.dynamodb?.SequenceNumber,
      },
    });
    // Invocations that included it: the bisected batches, then it alone.
    expect(failure?.info.approximateInvokeCount).toBeGreaterThan(SCORE_STREAM.retryAttempts + 1);
    // Bisecting isolates it; alone it is tried once plus retryAttempts times.
    const alone = env.events.filter((e) => pks(e).length === 1 && pks(e)[0] === poison);
    expect(alone).toHaveLength(SCORE_STREAM.retryAttempts + 1);
    expect(succeeded).toEqual(
      ids.filter((id) => id !== "poison").map((id) => accountPk(`acct-${id}`)),
    );
  });

  it("starts after existing records when started at LATEST", async () => {
    const env = await setup(async () => {}, "LATEST");
    await env.putAggregate("acct-old");
    const poller = env.start();
    await poller.drain();

    await env.putAggregate("acct-new");
    await poller.drain();

    expect(env.events.flatMap(pks)).toEqual([accountPk("acct-new")]);
  });
});
