import { DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { DynamoScoreStore } from "../../../functions/adapters/dynamo/score-store.ts";
import { EventBridgePublisher } from "../../../functions/adapters/eventbridge.ts";
import { aggregateOf } from "../../../functions/domain/aggregate.ts";
import { score } from "../../../functions/domain/score.ts";
import { HealthTierChanged } from "../../../functions/events/health-events.ts";
import { decideEvents } from "../../../functions/scoring/decide.ts";
import type { StoredScore } from "../../../functions/scoring/score-accounts.ts";
import { dailyUsage, NOW, signal } from "../../support/signals.ts";
import { testCompiled } from "../../support/test-model.ts";

const compiled = testCompiled;
const model = compiled.model;
const ddb = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);
afterEach(() => {
  ddb.reset();
  eventBridge.reset();
});

const healthy = () =>
  score(
    aggregateOf(
      "acct-1",
      [
        ...dailyUsage(20, 20),
        signal({ kind: "subscription", status: "active", mrr: 50_000, seats: 10 }, 40),
      ],
      model.decay,
    ),
    compiled,
    null,
    NOW,
  );
const critical = () => ({ ...healthy(), score: 20, tier: "critical" as const });
const label = { accountName: "Acme", owner: "jane@acme.com" };

describe("decideEvents", () => {
  it("publishes a HealthTierChanged that validates against its schema", () => {
    const previous = { version: 4, score: 80, tier: "healthy" as const, inDrop: false };

    const { events } = decideEvents(previous, critical(), null, model, label);

    expect(events).toHaveLength(1);
    expect(events[0]?.detailType).toBe("HealthTierChanged");
    const detail = HealthTierChanged.parse(events[0]?.detail);
    expect(detail).toMatchObject({
      accountId: "acct-1",
      accountName: "Acme",
      owner: "jane@acme.com",
      previousTier: "healthy",
      tier: "critical",
      previousScore: 80,
      score: 20,
      alert: "page",
      schemaVersion: 1,
    });
  });

  it("gives the same change from the same stored version the same event id", () => {
    const previous = { version: 4, score: 80, tier: "healthy" as const, inDrop: false };

    const a = decideEvents(previous, critical(), null, model, label).events[0]?.detail.eventId;
    const b = decideEvents(
      previous,
      { ...critical(), computedAt: NOW + 60_000 },
      null,
      model,
      label,
    ).events[0]?.detail.eventId;
    const c = decideEvents({ ...previous, version: 5 }, critical(), null, model, label).events[0]
      ?.detail.eventId;

    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it("alerts a drop once, not again while it lasts", () => {
    const previous = { version: 2, score: 60, tier: "at-risk" as const, inDrop: false };
    const next = { ...healthy(), score: 50, tier: "at-risk" as const };

    const first = decideEvents(previous, next, 70, model, label);
    const again = decideEvents(
      { ...previous, score: 50, inDrop: first.inDrop },
      next,
      70,
      model,
      label,
    );

    expect(first.events.map((e) => e.detailType)).toEqual(["HealthScoreDropped"]);
    expect(first.events[0]?.detail).toMatchObject({ fromScore: 70, toScore: 50, windowDays: 7 });
    expect(again.events).toEqual([]);
  });

  it("keeps a customer's first score quiet unless it starts out critical", () => {
    expect(decideEvents(null, healthy(), null, model, label).events[0]?.detail.alert).toBe("none");
    expect(decideEvents(null, critical(), null, model, label).events[0]?.detail.alert).toBe("page");
  });

  it("reports an improvement without paging", () => {
    const previous = { version: 1, score: 30, tier: "critical" as const, inDrop: false };

    expect(decideEvents(previous, healthy(), null, model, label).events[0]?.detail.alert).toBe(
      "report",
    );
  });
});

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

  it("reads aggregate, score and the drop-window snapshot in one BatchGet", async () => {
    ddb.on(BatchGetCommand).resolves({
      Responses: {
        t: [{ pk: "ACCOUNT#acct-1", sk: "SCORE", version: 3, tier: "healthy", score: 80 }],
      },
    });

    const states = await store.load(["acct-1"], NOW, 7);

    const keys = ddb.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.t?.Keys;
    expect(keys?.map((k) => k.sk)).toEqual([
      "AGG",
      "SCORE",
      `DAY#${new Date(NOW - 7 * 86_400_000).toISOString().slice(0, 10)}`,
    ]);
    expect(states.get("acct-1")).toMatchObject({
      aggregate: null,
      current: { version: 3, tier: "healthy" },
    });
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
