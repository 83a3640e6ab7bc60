import { DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DynamoScoreStore } from "../../../functions/adapters/dynamo/score-store.ts";
import {
  isStorageFailure,
  StorageError,
} from "../../../functions/adapters/dynamo/storage-error.ts";
import { EventBridgePublisher } from "../../../functions/adapters/eventbridge.ts";
import { decideEvents } from "../../../functions/scoring/decide.ts";
import type { StoredScore } from "../../../functions/scoring/score-accounts.ts";
import { compiled, criticalScore, healthyScore, label } from "../../support/scores.ts";
import { NOW } from "../../support/signals.ts";

const model = compiled.model;
const ddb = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);
afterEach(() => {
  ddb.reset();
  eventBridge.reset();
});

const healthy = () => healthyScore();
const critical = () => criticalScore();

describe("DynamoScoreStore", () => {
  const store = new DynamoScoreStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-west-1" })),
    { tableName: "t" },
  );
  const stored = (): StoredScore => ({
    ...healthy(),
    ...label,
    version: 5,
    inDrop: false,
    outbox: [],
  });

  it("writes the score conditional on the version it read, with today's history snapshot", async () => {
    ddb.on(TransactWriteCommand).resolves({});

    expect(await store.save(stored(), 4)).toBe(true);

    const input = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input;
    const [scorePut, historyPut] = input?.TransactItems ?? [];
    expect(scorePut?.Put?.ConditionExpression).toBe("version = :expected");
    expect(scorePut?.Put?.ExpressionAttributeValues).toEqual({ ":expected": 4 });
    expect(scorePut?.Put?.Item).toMatchObject({
      pk: "ACCOUNT#acct-1",
      sk: "SCORE",
      version: 5,
      tierPk: "TIER#healthy",
    });
    expect(historyPut?.Put?.Item?.sk).toBe(`DAY#${new Date(NOW).toISOString().slice(0, 10)}`);
    expect(historyPut?.Put?.Item?.expiresAt).toBeGreaterThan(NOW / 1000 + 399 * 86_400);
  });

  it("creates a first score only if none exists", async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await store.save({ ...stored(), version: 1 }, null);

    const put = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Put;
    expect(put?.ConditionExpression).toBe("attribute_not_exists(pk)");
  });

  it("reports a lost race as false so the use case rereads", async () => {
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "cancelled",
        $metadata: {},
        CancellationReasons: [{ Code: "ConditionalCheckFailed" }, { Code: "None" }],
      }),
    );

    expect(await store.save(stored(), 4)).toBe(false);
  });

  it("reads the aggregate's items in one Query, score and the drop-window snapshot in one BatchGet", async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(BatchGetCommand).resolves({
      Responses: {
        t: [{ pk: "ACCOUNT#acct-1", sk: "SCORE", version: 3, tier: "healthy", score: 80 }],
      },
    });

    const states = await store.load(["acct-1"], NOW, 7);

    const keys = ddb.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.t?.Keys;
    const query = ddb.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(query).toMatchObject({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :agg)",
      ExpressionAttributeValues: { ":pk": "ACCOUNT#acct-1", ":agg": "AGG" },
      ConsistentRead: true,
    });
    expect(keys?.map((k) => k.sk)).toEqual([
      "SCORE",
      `DAY#${new Date(NOW - 7 * 86_400_000).toISOString().slice(0, 10)}`,
    ]);
    expect(states.get("acct-1")).toMatchObject({
      aggregate: null,
      current: { version: 3, tier: "healthy" },
    });
  });

  it("fails with a StorageError (answered as a storage failure) when reads keep being throttled", async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(BatchGetCommand).callsFake((input) => ({
      Responses: { t: [] },
      UnprocessedKeys: input.RequestItems,
    }));
    vi.spyOn(Math, "random").mockReturnValue(0);
    try {
      const failure = await store.load(["acct-1"], NOW, 7).catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(StorageError);
      expect(isStorageFailure(failure)).toBe(true);
      expect(ddb.commandCalls(BatchGetCommand).length).toBeGreaterThan(1);
    } finally {
      vi.restoreAllMocks();
    }
  });
});

describe("EventBridgePublisher", () => {
  it("puts each event on the bus with its detail type and fails loudly on rejected entries", async () => {
    const publisher = new EventBridgePublisher(
      new EventBridgeClient({ region: "eu-west-1" }),
      "bus",
    );
    const { events } = decideEvents(
      { version: 1, score: 80, tier: "healthy", inDrop: false },
      critical(),
      null,
      model,
      label,
    );
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: "1" }] });

    await publisher.publish(events);

    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({
      EventBusName: "bus",
      Source: "customer-health",
      DetailType: "HealthTierChanged",
    });
    expect(JSON.parse(entry?.Detail ?? "{}").tier).toBe("critical");

    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: "InternalFailure" }] });
    await expect(publisher.publish(events)).rejects.toThrow(/InternalFailure/);
  });
});
