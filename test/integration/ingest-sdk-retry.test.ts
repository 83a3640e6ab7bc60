/**
 * Review 18: an SDK-level retry of an event's TransactWriteItems whose first attempt
 * committed but timed out on the way back. The SDK serializes a command once and resends the
 * same bytes, with the ClientRequestToken it generated (the field is an idempotency token in
 * the DynamoDB model), so DynamoDB answers the retry as the committed transaction: the event
 * is `stored` (answered accepted), applied once, never mislabelled `duplicate`.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { DynamoEventStore } from "../../functions/adapters/dynamo/event-store.ts";
import type { EventRecord } from "../../functions/webhook/ingest.ts";
import { updateFor } from "../../functions/webhook/ingest.ts";
import { freshTable, LOCAL_CLIENT_CONFIG, testClients } from "../support/dynamo.ts";
import { storedAggregate, totalOf } from "../support/stored-aggregate.ts";
import { testModel } from "../support/test-model.ts";

/**
 * Watches each attempt (the deserialize step runs once per attempt, inside the SDK's retry
 * step): the first transaction commits, then its answer is "lost" as a timeout.
 */
function losesFirstTransactionAnswer(client: DynamoDBClient): { readonly tokens: string[] } {
  const tokens: string[] = [];
  let lost = false;
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers: Record<string, string>; body: unknown };
      const isTransaction = request.headers["x-amz-target"]?.endsWith(".TransactWriteItems");
      if (isTransaction) tokens.push(JSON.parse(String(request.body)).ClientRequestToken);
      const result = await next(args);
      if (isTransaction && !lost) {
        lost = true;
        throw Object.assign(new Error("request timed out after commit"), { name: "TimeoutError" });
      }
      return result;
    },
    { step: "deserialize", name: "losesFirstTransactionAnswer" },
  );
  return { tokens };
}

describe("an SDK retry of a committed event transaction", () => {
  it("is answered stored, applied once, with the same ClientRequestToken on both attempts", async () => {
    const { tableName } = await freshTable("sdk-retry");
    const client = new DynamoDBClient({
      endpoint: testClients().endpoint,
      ...LOCAL_CLIENT_CONFIG,
      maxAttempts: 2,
    });
    const handler = losesFirstTransactionAnswer(client);
    const doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    const store = new DynamoEventStore(doc, { tableName });
    const record: EventRecord = {
      source: "generic",
      eventId: "evt-retried",
      type: "nps",
      occurredAt: Date.now() - 60_000,
      receivedAt: Date.now(),
      accountId: "acct-retried",
      refs: [],
      signals: [{ kind: "nps", score: 3 }],
      status: "applied",
    };

    const outcome = await store.recordApplied(record, updateFor(record, "acct-retried", testModel));

    expect(handler.tokens).toHaveLength(2);
    expect(handler.tokens[0]).toMatch(/^[\w-]{1,36}$/);
    expect(handler.tokens[1]).toBe(handler.tokens[0]);
    expect(outcome).toBe("stored");
    const aggregate = await storedAggregate(doc, tableName, "acct-retried");
    const answers = ["npsPromoters", "npsPassives", "npsDetractors"] as const;
    expect(answers.reduce((n, metric) => n + totalOf(aggregate, metric), 0)).toBe(1);
  });
});
