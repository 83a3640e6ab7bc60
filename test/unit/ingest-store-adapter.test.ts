/**
 * The DynamoDB event store over a mocked client (review 11, 12): its transactions go through
 * the shared helpers of transactions.ts, and refs are de-duplicated by the one uniqueRefs.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../../functions/adapters/dynamo/event-store.ts";
import { isStorageFailure, StorageError } from "../../functions/adapters/dynamo/storage-error.ts";
import { uniqueRefs } from "../../functions/webhook/inbound.ts";
import type { EventRecord } from "../../functions/webhook/ingest.ts";

const ddb = mockClient(DynamoDBDocumentClient);
afterEach(() => ddb.reset());

const store = new DynamoEventStore(
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-west-1" })),
  { tableName: "t", maxAttempts: 3 },
);

const unmatched: EventRecord = {
  source: "segment",
  eventId: "m1",
  type: "page",
  occurredAt: 1_000,
  receivedAt: 2_000,
  accountId: null,
  refs: [
    { kind: "segment", id: "u1" },
    { kind: "domain", id: "acme.com" },
    { kind: "segment", id: "u1" },
  ],
  signals: [{ kind: "active" }],
  status: "unmatched",
};

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: "cancelled",
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe("DynamoEventStore transactions", () => {
  it("writes one index entry per distinct ref of an unmatched event", async () => {
    ddb.on(TransactWriteCommand).resolves({});

    expect(await store.recordUnmatched(unmatched)).toBe("stored");

    const items = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((item) => item.Put?.Item?.pk)).toEqual([
      "EVENT#segment#m1",
      "UNMATCHED#segment#u1",
      "UNMATCHED#domain#acme.com",
    ]);
  });

  it("answers duplicate when the record's condition fails, retries contention, gives up as StorageError", async () => {
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled("ConditionalCheckFailed", "None", "None"));
    expect(await store.recordUnmatched(unmatched)).toBe("duplicate");

    ddb.reset();
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled("None", "TransactionConflict", "None"))
      .resolves({});
    expect(await store.recordUnmatched(unmatched)).toBe("stored");
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);

    ddb.reset();
    ddb.on(TransactWriteCommand).rejects(cancelled("ThrottlingError", "None", "None"));
    await expect(store.recordUnmatched(unmatched)).rejects.toBeInstanceOf(StorageError);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(3);
  });

  it("reports an unexpected cancellation by its code, as no storage failure (retrying cannot help)", async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled("None", "ValidationError", "None"));

    const failure = await store.recordUnmatched(unmatched).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe("transaction cancelled: ValidationError");
    expect(isStorageFailure(failure)).toBe(false);
  });
});

describe("one definition of each DynamoDB and ref helper", () => {
  it("uniqueRefs drops repeats and absent ids, keeping the first order", () => {
    const a = { kind: "stripe", id: "cus_1" } as const;
    const b = { kind: "domain", id: "acme.com" } as const;

    expect(uniqueRefs([a, null, b, { ...a }, null])).toEqual([a, b]);
  });

  it("defines uniqueRefs once, and sleep, backoff and cancellation decoding only in transactions.ts", () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
      });
    const sources = files("functions").map((path) => ({
      path,
      text: readFileSync(path, "utf8"),
    }));
    const defining = (pattern: RegExp) =>
      sources.filter((s) => pattern.test(s.text)).map((s) => s.path.replaceAll("\\", "/"));

    expect(defining(/(function|const) uniqueRe(fs|f)\b|function uniqueBy\b/)).toEqual([
      "functions/webhook/inbound.ts",
    ]);
    const eventStore = readFileSync("functions/adapters/dynamo/event-store.ts", "utf8");
    expect(eventStore).not.toMatch(/const (sleep|backoff)\b|TransactionCanceledException/);
  });
});
