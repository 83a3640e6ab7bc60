import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DynamoDueScores } from "../../functions/adapters/dynamo/due-scores.ts";
import { DynamoEventStore } from "../../functions/adapters/dynamo/event-store.ts";
import { accountPk, SCORE_SK } from "../../functions/adapters/dynamo/keys.ts";
import { DynamoScoreStore } from "../../functions/adapters/dynamo/score-store.ts";
import { handleScoreStream } from "../../functions/adapters/dynamo/stream-records.ts";
import { errorResponse } from "../../functions/adapters/http.ts";
import { logger } from "../../functions/adapters/powertools.ts";
import { signalToUpdate } from "../../functions/domain/aggregate.ts";
import { compileModel } from "../../functions/domain/model.ts";
import { type HealthScore, score } from "../../functions/domain/score.ts";
import type { HealthEvent } from "../../functions/events/health-events.ts";
import { type RescoreDeps, rescoreDue } from "../../functions/scoring/rescore.ts";
import type { EventPublisher } from "../../functions/scoring/score-accounts.ts";
import { receiveWebhook } from "../../functions/webhook/receive.ts";
import { type StreamPoller, startStreamPoller } from "../../lib/local/stream-poller.ts";
import { SCORE_STREAM } from "../../lib/topology.ts";
import { freshTable, testClients } from "../support/dynamo.ts";
import { writeUpdates } from "../support/stored-aggregate.ts";
import { testModelInput } from "../support/test-model.ts";
import { genericPayload, signedWebhook, testSecretsFor } from "../support/webhooks.ts";

// Its own test model: the default model belongs to its owner and may change any weight.
const compiled = compileModel(testModelInput());
const { doc, streams } = testClients();
const DAY = 86_400_000;

/** Records what would go to the EventBridge bus; can be told to fail. */
class RecordingPublisher implements EventPublisher {
  readonly events: HealthEvent[] = [];
  failuresLeft = 0;
  async publish(events: readonly HealthEvent[]) {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error("EventBridge unavailable (test)");
    }
    this.events.push(...events);
  }
  ofAccount(accountId: string, detailType = "HealthTierChanged") {
    return this.events.filter(
      (e) => e.detail.accountId === accountId && e.detailType === detailType,
    );
  }
}

const pollers: StreamPoller[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

async function setup() {
  const { tableName, streamArn } = await freshTable("scoring");
  const publisher = new RecordingPublisher();
  const scoreStore = new DynamoScoreStore(doc, { tableName });
  const deps: RescoreDeps = {
    store: scoreStore,
    due: new DynamoDueScores(doc, { tableName }),
    publisher,
    model: compiled,
  };
  const webhookDeps = {
    store: new DynamoEventStore(doc, { tableName }),
    model: compiled.model,
    secretsFor: testSecretsFor,
  };
  const invocations: DynamoDBRecord[][] = [];
  const responses: (DynamoDBBatchResponse | Error)[] = [];
  const deadLetters: DynamoDBRecord[] = [];
  const poller = startStreamPoller({
    ...SCORE_STREAM,
    streamsClient: streams,
    streamArn,
    startingPosition: "TRIM_HORIZON",
    pollIntervalMs: 50,
    retryDelayMs: 0,
    handler: async (event) => {
      invocations.push(event.Records);
      try {
        const response = await handleScoreStream(deps, event);
        responses.push(response);
        return response;
      } catch (error) {
        responses.push(error as Error);
        throw error;
      }
    },
    onFailure: (records) => {
      deadLetters.push(...records);
    },
  });
  pollers.push(poller);
  let sequence = 0;
  const send = async (
    type: string,
    accountId: string,
    data: Record<string, unknown>,
    at: number,
  ) => {
    sequence += 1;
    const event = signedWebhook(
      "generic",
      genericPayload(type, accountId, data, new Date(at)),
      Date.now(),
      `msg_${accountId}_${sequence}`,
    );
    const response = await receiveWebhook(webhookDeps, event).catch(errorResponse);
    expect(response.statusCode).toBe(200);
  };
  const scoreOf = async (accountId: string) =>
    (
      await doc.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: accountPk(accountId), sk: SCORE_SK },
          ConsistentRead: true,
        }),
      )
    ).Item;
  /**
   * A healthy customer: daily usage for two weeks, an active subscription, one detractor
   * answer. It scores above 75, so it ends healthy even when a first batch saw only part of
   * its events and put it at-risk (leaving at-risk for healthy takes 70 + the 5-point margin).
   */
  const healthyCustomer = async (accountId: string) => {
    const now = Date.now();
    await send(
      "subscription",
      accountId,
      { status: "active", mrr: 50_000, seats: 10, plan: "pro" },
      now - 60 * DAY,
    );
    await send("nps", accountId, { score: 3 }, now - 20 * DAY);
    for (let d = 14; d >= 0; d--)
      await send("usage", accountId, { event: "report_viewed", count: 40 }, now - d * DAY);
  };
  /** Writes an aggregate change directly, as ingestion does (no id rule in the way). */
  const touchAggregate = async (accountId: string, at: number) => {
    const usage = signalToUpdate({
      accountId,
      source: "generic",
      sourceEventId: `direct-${++sequence}`,
      occurredAt: at,
      values: { kind: "usage", event: "login", count: 3 },
    });
    await writeUpdates(doc, tableName, accountId, [usage]);
  };
  return {
    tableName,
    deps,
    responses,
    touchAggregate,
    publisher,
    poller,
    send,
    scoreOf,
    healthyCustomer,
    invocations,
    deadLetters,
  };
}

describe("stream-driven scoring against DynamoDB Local", () => {
  it("publishes exactly one HealthTierChanged when a webhook moves a customer across a boundary", async () => {
    const env = await setup();
    await env.healthyCustomer("acct-cross");
    await env.poller.drain();
    expect((await env.scoreOf("acct-cross"))?.tier).toBe("healthy");
    const before = env.publisher.ofAccount("acct-cross").length;

    await env.send(
      "subscription",
      "acct-cross",
      { status: "canceled", mrr: 0, seats: 10, plan: "pro" },
      Date.now(),
    );
    await env.poller.drain();

    const changes = env.publisher.ofAccount("acct-cross").slice(before);
    expect(changes).toHaveLength(1);
    // The canceled red flag makes it critical at once, whatever its usage.
    expect(changes[0]?.detail).toMatchObject({
      previousTier: "healthy",
      tier: "critical",
      alert: "page",
    });
    expect((await env.scoreOf("acct-cross"))?.tier).toBe("critical");
  });

  it("scores each customer once per batch, and a retried batch publishes no extra event", async () => {
    const env = await setup();
    await env.healthyCustomer("acct-retry");
    await env.poller.drain();
    const scoreWritesBefore = (await env.scoreOf("acct-retry"))?.version as number;
    // Every batch scored the customer once: one score version per invocation that held it.
    const batchesWithCustomer = env.invocations.length;
    expect(scoreWritesBefore).toBeLessThanOrEqual(batchesWithCustomer);

    // EventBridge fails once: the batch fails, is retried, and the event goes out once.
    env.publisher.failuresLeft = 1;
    await env.send(
      "subscription",
      "acct-retry",
      { status: "canceled", mrr: 0, seats: 10 },
      Date.now(),
    );
    await env.poller.drain();
    const lastBatch = env.invocations.at(-1) as DynamoDBRecord[];
    // Replaying the same records (a retried invocation) changes nothing and publishes nothing.
    const replay = await handleScoreStream(env.deps, { Records: lastBatch });

    expect(replay.batchItemFailures).toEqual([]);
    const changes = env.publisher.ofAccount("acct-retry").filter((e) => e.detail.alert === "page");
    expect(changes).toHaveLength(1);
    expect((await env.scoreOf("acct-retry"))?.outbox).toBeUndefined();
  });

  it("sends a poison record to the dead-letter queue while the rest of its batch is scored", async () => {
    const env = await setup();
    // A corrupt score item (version is not a number) makes every write for this customer fail.
    await doc.send(
      new PutCommand({
        TableName: env.tableName,
        Item: { pk: accountPk("acct-poison"), sk: SCORE_SK, version: "corrupt", tier: "healthy" },
      }),
    );
    const now = Date.now();
    await env.send("usage", "acct-poison", { event: "login", count: 1 }, now);
    await env.send("usage", "acct-fine", { event: "login", count: 3 }, now);
    await env.send("subscription", "acct-fine", { status: "active", mrr: 10_000, seats: 2 }, now);
    await env.poller.drain();

    expect(env.deadLetters.map((r) => r.dynamodb?.Keys?.pk?.S)).toContain(accountPk("acct-poison"));
    expect((await env.scoreOf("acct-fine"))?.score).toEqual(expect.any(Number));
    expect((await env.scoreOf("acct-poison"))?.version).toBe("corrupt");
  });

  it("scores the good customers of a batch and sends only a poisoned customer's records to the DLQ, with the cause logged", async () => {
    const env = await setup();
    const logged = vi.spyOn(logger, "error");
    // 508 × "€" (1,524 bytes) fits the aggregate's key but not the tier index key of a score.
    const poisoned = "€".repeat(508);
    const good = ["good-a", "good-b", "good-c"];
    const now = Date.now();
    for (const id of [good[0], poisoned, good[1], poisoned, good[2]] as string[]) {
      await env.touchAggregate(id, now);
    }
    await env.poller.drain();

    for (const id of good) expect((await env.scoreOf(id))?.score).toEqual(expect.any(Number));
    expect(await env.scoreOf(poisoned)).toBeUndefined();
    // The poisoned customer's records, and only they, ended in the dead-letter queue.
    const deadKeys = env.deadLetters.map((r) => r.dynamodb?.Keys?.pk?.S);
    expect(deadKeys.length).toBeGreaterThan(0);
    expect(new Set(deadKeys)).toEqual(new Set([accountPk(poisoned)]));
    // Every partial batch response named only the poisoned customer's records.
    const poisonedSequenceNumbers = new Set(
      env.invocations
        .flat()
        .filter((r) => r.dynamodb?.Keys?.pk?.S === accountPk(poisoned))
        .map((r) => r.dynamodb?.SequenceNumber),
    );
    for (const response of env.responses) {
      if (response instanceof Error) continue;
      for (const failure of response.batchItemFailures) {
        expect(poisonedSequenceNumbers).toContain(failure.itemIdentifier);
      }
    }
    // The cause is in the log, with the customer it belongs to.
    const causes = logged.mock.calls.map(
      (call) => call[1] as { accountId?: string; error?: Error },
    );
    expect(causes.length).toBeGreaterThan(0);
    for (const cause of causes) {
      expect(cause.accountId).toBe(poisoned);
      expect(cause.error?.message).toMatch(/key|size|length/i);
    }
  });

  it("downgrades a customer that went silent when rescored 30 days later", async () => {
    const env = await setup();
    await env.healthyCustomer("acct-silent");
    await env.poller.drain();
    const before = await env.scoreOf("acct-silent");
    expect(before?.tier).toBe("healthy");

    const result = await rescoreDue(env.deps, {}, Date.now() + 30 * DAY);

    expect(result.scored).toBeGreaterThanOrEqual(1);
    const after = await env.scoreOf("acct-silent");
    expect(after?.score).toBeLessThan(before?.score as number);
    expect(["at-risk", "critical"]).toContain(after?.tier);
    const change = env.publisher.ofAccount("acct-silent").at(-1);
    expect(change?.detail).toMatchObject({ previousTier: "healthy", tier: after?.tier });
    expect(JSON.stringify(change?.detail)).toContain("no product usage for 30 days");
  });
});

describe("due-only rescore against DynamoDB Local", () => {
  const HOUR = 3_600_000;

  /** A document client of its own that counts the score items its calls write. */
  function countingClient() {
    const counted = DynamoDBDocumentClient.from(testClients().client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    const writes = { scoreItems: 0 };
    counted.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Item?: { sk?: string } };
        if (input.Item?.sk === SCORE_SK) writes.scoreItems++;
        return next(args);
      },
      { step: "initialize", name: "countScoreWrites" },
    );
    return { counted, writes };
  }

  it("reads only the customers due, keeps unchanged scores, and tiers a silent customer at the same hourly run as rescoring everyone", async () => {
    const env = await setup();
    await env.healthyCustomer("acct-quiet");
    // A customer whose score does not move: an active subscription and nothing else.
    await env.send(
      "subscription",
      "acct-flat",
      { status: "active", mrr: 9_000, seats: 3 },
      Date.now() - 40 * DAY,
    );
    await env.poller.drain();
    await env.poller.stop();
    const start = Date.now();
    const first = await env.scoreOf("acct-quiet");
    expect(first?.tier).toBe("healthy");
    const flatVersion = (await env.scoreOf("acct-flat"))?.version;

    // What rescoring everyone every hour would show: the pure score, hour by hour.
    const aggregate = (await env.deps.store.load(["acct-quiet"], start, 7)).get(
      "acct-quiet",
    )?.aggregate;
    if (!aggregate) throw new Error("no aggregate stored");
    const { counted, writes } = countingClient();
    const deps: RescoreDeps = {
      ...env.deps,
      store: new DynamoScoreStore(counted, { tableName: env.tableName }),
      due: new DynamoDueScores(counted, { tableName: env.tableName }),
    };
    let hourly: HealthScore = score(aggregate, compiled, first as HealthScore, start);
    const totals = { runs: 0, due: 0, written: 0, kept: 0 };
    let changedAt: number | null = null;

    for (let run = start + HOUR; run < start + 16 * DAY; run += HOUR) {
      const result = await rescoreDue(deps, {}, run);
      totals.runs++;
      totals.due += result.due;
      totals.written += result.written;
      totals.kept += result.kept;
      const before = hourly.tier;
      hourly = score(aggregate, compiled, hourly, run);
      if (changedAt === null && hourly.tier !== before) {
        changedAt = run;
        // The due-only rescore saw it in this very run.
        expect((await env.scoreOf("acct-quiet"))?.tier).toBe(hourly.tier);
      }
    }

    expect(changedAt).not.toBeNull();
    expect(["at-risk", "critical"]).toContain((await env.scoreOf("acct-quiet"))?.tier);
    const change = env.publisher.ofAccount("acct-quiet").at(-1);
    expect(change?.detail).toMatchObject({ previousTier: "healthy" });
    // About one look a day per customer instead of one an hour: 2 customers × 16 days, plus
    // a few for the changes (the rescore of everyone would have read 2 × 383).
    expect(totals.due).toBeLessThanOrEqual(2 * 17 + 6);
    expect(totals.due).toBeGreaterThanOrEqual(2 * 15);
    // The flat customer was kept every day, never rewritten; only changed scores were.
    expect((await env.scoreOf("acct-flat"))?.version).toBe(flatVersion);
    expect(totals.kept).toBeGreaterThanOrEqual(15);
    expect(writes.scoreItems).toBe(totals.written);
    expect(totals.written).toBeLessThanOrEqual(17 + 6);
  });
});
