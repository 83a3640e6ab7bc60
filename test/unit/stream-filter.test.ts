import { readFileSync } from "node:fs";
import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { DAY_ATTR, dayBucketSk } from "../../functions/adapters/dynamo/aggregate-layout.ts";
import { AGGREGATE_SK, SCORE_SK } from "../../functions/adapters/dynamo/keys.ts";
import {
  type EventPattern,
  matchesAnyPattern,
  matchesPattern,
  UnsupportedPatternError,
  validatePattern,
} from "../../lib/local/event-pattern.ts";
import {
  BatchItemFailuresError,
  type DeliveryPolicy,
  type DiscardedBatch,
  deliveryPolicy,
  filterRecords,
  InvalidBatchResponseError,
  type InvocationResult,
  interpretResponse,
  judgeInvocation,
  type PendingBatch,
  ShardDelivery,
  splitExpired,
} from "../../lib/local/stream-delivery.ts";
import { SCORE_STREAM } from "../../lib/topology.ts";

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

/** A Lambda-shaped stream record; `seq` doubles as its SequenceNumber. */
function record(
  seq: number,
  overrides: {
    sk?: string;
    eventName?: DynamoDBRecord["eventName"];
    createdAt?: number;
    image?: Record<string, { BOOL: boolean }>;
  } = {},
): DynamoDBRecord {
  const sk = overrides.sk ?? AGGREGATE_SK;
  return {
    eventID: `event-${seq}`,
    eventName: overrides.eventName ?? "MODIFY",
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: "eu-west-1",
    dynamodb: {
      ApproximateCreationDateTime: Math.floor((overrides.createdAt ?? NOW) / 1000),
      Keys: { pk: { S: `ACCOUNT#a${seq}` }, sk: { S: sk } },
      NewImage: {
        pk: { S: `ACCOUNT#a${seq}` },
        sk: { S: sk },
        n: { N: String(seq) },
        ...overrides.image,
      },
      SequenceNumber: String(seq).padStart(21, "0"),
      SizeBytes: 40,
      StreamViewType: "NEW_IMAGE",
    },
    eventSourceARN: "arn:aws:dynamodb:eu-west-1:000000000000:table/t/stream/label",
  };
}

const records = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => record(from + i));
const seqOf = (r: DynamoDBRecord) => r.dynamodb?.SequenceNumber as string;
const numbers = (rs: readonly DynamoDBRecord[]) => rs.map((r) => Number(seqOf(r)));

const policy = (overrides: Partial<DeliveryPolicy> = {}): DeliveryPolicy => ({
  ...deliveryPolicy(SCORE_STREAM),
  maxBatchingWindowSeconds: 0,
  ...overrides,
});

describe("event pattern matching", () => {
  const patterns = SCORE_STREAM.filterPatterns;

  it("passes inserts and updates of aggregate items (the score stream filter)", () => {
    expect(matchesAnyPattern(patterns, record(1, { eventName: "INSERT" }))).toBe(true);
    expect(matchesAnyPattern(patterns, record(2, { eventName: "MODIFY" }))).toBe(true);
  });

  it("drops the score function's own writes, removals and records without keys", () => {
    expect(matchesAnyPattern(patterns, record(1, { sk: SCORE_SK }))).toBe(false);
    expect(matchesAnyPattern(patterns, record(2, { sk: "DAY#2026-01-15" }))).toBe(false);
    expect(matchesAnyPattern(patterns, record(3, { eventName: "REMOVE" }))).toBe(false);
    expect(matchesAnyPattern(patterns, { eventName: "INSERT", dynamodb: {} })).toBe(false);
  });

  it("compares types exactly: a number key is not its string", () => {
    const pattern = { dynamodb: { Keys: { sk: { S: ["AGG"] } } } };
    expect(matchesPattern(pattern, { dynamodb: { Keys: { sk: { N: "AGG" } } } })).toBe(false);
    expect(matchesPattern({ n: [5] }, { n: "5" })).toBe(false);
    expect(matchesPattern({ n: [5] }, { n: 5 })).toBe(true);
    expect(matchesPattern({ n: [null] }, { n: null })).toBe(true);
  });

  it("matches an array in the event when any element matches", () => {
    expect(matchesPattern({ tags: ["b", "z"] }, { tags: ["a", "b"] })).toBe(true);
    expect(matchesPattern({ tags: ["z"] }, { tags: ["a", "b"] })).toBe(false);
  });

  it("requires a nested object where the pattern nests", () => {
    expect(matchesPattern({ detail: { kind: ["x"] } }, { detail: "x" })).toBe(false);
    expect(matchesPattern({ detail: { kind: ["x"] } }, { detail: { kind: "x", more: 1 } })).toBe(
      true,
    );
  });

  it("supports prefix, exists and anything-but", () => {
    expect(matchesPattern({ sk: [{ prefix: "DAY#" }] }, { sk: "DAY#2026-01-15" })).toBe(true);
    expect(matchesPattern({ sk: [{ prefix: "DAY#" }] }, { sk: "AGG" })).toBe(false);
    expect(matchesPattern({ a: [{ exists: true }] }, { a: 1 })).toBe(true);
    expect(matchesPattern({ a: [{ exists: true }] }, {})).toBe(false);
    expect(matchesPattern({ a: [{ exists: false }] }, {})).toBe(true);
    expect(matchesPattern({ a: [{ exists: false }] }, { a: "x" })).toBe(false);
    expect(matchesPattern({ a: [{ "anything-but": ["x", "y"] }] }, { a: "z" })).toBe(true);
    expect(matchesPattern({ a: [{ "anything-but": "x" }] }, { a: "x" })).toBe(false);
    expect(matchesPattern({ a: [{ "anything-but": "x" }] }, {})).toBe(false);
  });

  it("passes a record when any of several patterns matches", () => {
    const either: EventPattern[] = [
      { eventName: ["REMOVE"] },
      { dynamodb: { Keys: { sk: { S: ["SCORE"] } } } },
    ];
    expect(matchesAnyPattern(either, record(1, { eventName: "REMOVE" }))).toBe(true);
    expect(matchesAnyPattern(either, record(2, { sk: SCORE_SK }))).toBe(true);
    expect(matchesAnyPattern(either, record(3))).toBe(false);
  });

  it("accepts the topology's patterns and rejects what it does not implement", () => {
    for (const pattern of SCORE_STREAM.filterPatterns)
      expect(() => validatePattern(pattern)).not.toThrow();
    expect(() => validatePattern({ n: [{ numeric: [">", 0] }] })).toThrow(UnsupportedPatternError);
    expect(() => validatePattern({ n: "AGG" })).toThrow(UnsupportedPatternError);
    expect(() => validatePattern({ n: [] })).toThrow(UnsupportedPatternError);
    expect(() => validatePattern({ n: [{ prefix: 1 }] })).toThrow(UnsupportedPatternError);
  });
});

describe("filterRecords", () => {
  it("keeps the records the filter lets through, in order", () => {
    const mixed = [
      record(1),
      record(2, { sk: SCORE_SK }),
      record(3, { eventName: "REMOVE" }),
      record(4),
    ];
    expect(numbers(filterRecords(SCORE_STREAM.filterPatterns, mixed))).toEqual([1, 4]);
  });

  it("lets the score function see a day bucket written by ingestion, not one a rebuild wrote", () => {
    const bucket = dayBucketSk(20_000);
    const written = [
      record(1, { sk: bucket, image: { [DAY_ATTR.ingested]: { BOOL: true } } }),
      record(2, { sk: bucket, eventName: "INSERT" }),
      record(3, { sk: bucket, image: { [DAY_ATTR.ingested]: { BOOL: false } } }),
      record(4, { sk: AGGREGATE_SK }),
    ];
    expect(numbers(filterRecords(SCORE_STREAM.filterPatterns, written))).toEqual([1, 4]);
  });

  it("keeps every record when there is no filter", () => {
    expect(numbers(filterRecords([], records(1, 3)))).toEqual([1, 2, 3]);
  });
});

describe("the delivery rules module", () => {
  it("imports nothing from the SDK or DynamoDB, so the rules run without them", () => {
    const source = readFileSync(
      new URL("../../lib/local/stream-delivery.ts", import.meta.url),
      "utf8",
    );
    const imports = [...source.matchAll(/^import[^;]*from "([^"]+)";/gm)].map((m) => m[1]);
    expect(imports).toEqual(["aws-lambda", "./event-pattern.ts"]);
  });
});

describe("interpretResponse", () => {
  const batch = records(1, 5);

  it("reads no response, null, or an empty list as success", () => {
    for (const response of [
      undefined,
      null,
      {},
      { batchItemFailures: [] },
      { batchItemFailures: null },
    ]) {
      expect(interpretResponse(batch, response, true)).toEqual({ kind: "success" });
    }
  });

  it("ignores batchItemFailures unless reportBatchItemFailures is on", () => {
    const response = { batchItemFailures: [{ itemIdentifier: seqOf(batch[2] as DynamoDBRecord) }] };
    expect(interpretResponse(batch, response, false)).toEqual({ kind: "success" });
  });

  it("fails from the lowest reported sequence number", () => {
    const response = {
      batchItemFailures: [
        { itemIdentifier: seqOf(batch[3] as DynamoDBRecord) },
        { itemIdentifier: seqOf(batch[1] as DynamoDBRecord) },
      ],
    };
    expect(interpretResponse(batch, response, true)).toEqual({ kind: "partial", failedFrom: 1 });
  });

  it("treats empty, null, misnamed or unknown identifiers as a failure of the whole batch", () => {
    for (const response of [
      { batchItemFailures: [{ itemIdentifier: "" }] },
      { batchItemFailures: [{ itemIdentifier: null }] },
      { batchItemFailures: [{ itemId: seqOf(batch[0] as DynamoDBRecord) }] },
      { batchItemFailures: [{ itemIdentifier: "999" }] },
      { batchItemFailures: "all" },
      "ok",
    ]) {
      const outcome = interpretResponse(batch, response, true);
      expect(outcome.kind).toBe("invalid");
    }
  });
});

describe("judgeInvocation", () => {
  const pending = (rs: DynamoDBRecord[], retries = 0): PendingBatch => ({
    records: rs,
    retries,
    invocations: 1,
  });
  const failed = (error: unknown = new Error("boom")): InvocationResult => ({ ok: false, error });
  const partialFrom = (r: DynamoDBRecord): InvocationResult => ({
    ok: true,
    response: { batchItemFailures: [{ itemIdentifier: seqOf(r) }] },
  });

  it("checkpoints past a successful batch", () => {
    expect(
      judgeInvocation(pending(records(1, 4)), { ok: true, response: undefined }, policy()),
    ).toEqual({
      next: [],
      retrying: false,
    });
  });

  it("retries a partial failure from the failed record, using one retry attempt", () => {
    const rs = records(1, 4);
    const verdict = judgeInvocation(pending(rs), partialFrom(rs[2] as DynamoDBRecord), policy());
    expect(verdict.next).toHaveLength(1);
    expect(numbers(verdict.next[0]?.records ?? [])).toEqual([3, 4]);
    expect(verdict.next[0]?.retries).toBe(1);
    expect(verdict.retrying).toBe(true);
  });

  it("discards the failed part once a partial failure has used every retry", () => {
    const rs = records(1, 4);
    const verdict = judgeInvocation(
      pending(rs, 3),
      partialFrom(rs[1] as DynamoDBRecord),
      policy({ retryAttempts: 3 }),
    );
    expect(verdict.next).toEqual([]);
    expect(verdict.discarded?.condition).toBe("RetryAttemptsExhausted");
    expect(numbers(verdict.discarded?.records ?? [])).toEqual([2, 3, 4]);
    expect(verdict.discarded?.error).toBeInstanceOf(BatchItemFailuresError);
  });

  it("bisects a failed batch without using a retry attempt", () => {
    const verdict = judgeInvocation(pending(records(1, 5), 2), failed(), policy());
    expect(verdict.next.map((b) => numbers(b.records))).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(verdict.next.map((b) => b.retries)).toEqual([2, 2]);
    expect(verdict.retrying).toBe(false);
  });

  it("bisects on an invalid partial response too", () => {
    const invalid: InvocationResult = {
      ok: true,
      response: { batchItemFailures: [{ itemIdentifier: "" }] },
    };
    expect(judgeInvocation(pending(records(1, 2)), invalid, policy()).next).toHaveLength(2);
    const single = judgeInvocation(
      pending(records(1, 1), 3),
      invalid,
      policy({ retryAttempts: 3 }),
    );
    expect(single.discarded?.error).toBeInstanceOf(InvalidBatchResponseError);
  });

  it("retries a single failing record, then discards it with the function's error", () => {
    const error = new Error("poison");
    const retry = judgeInvocation(
      pending([record(7)], 2),
      failed(error),
      policy({ retryAttempts: 3 }),
    );
    expect(retry.next[0]?.retries).toBe(3);
    const giveUp = judgeInvocation(
      pending([record(7)], 3),
      failed(error),
      policy({ retryAttempts: 3 }),
    );
    expect(giveUp.discarded).toMatchObject({ condition: "RetryAttemptsExhausted", error });
  });

  it("retries the whole batch when bisect is off", () => {
    const verdict = judgeInvocation(
      pending(records(1, 4)),
      failed(),
      policy({ bisectBatchOnError: false }),
    );
    expect(numbers(verdict.next[0]?.records ?? [])).toEqual([1, 2, 3, 4]);
    expect(verdict.next[0]?.retries).toBe(1);
  });

  it("never gives up with retryAttempts -1", () => {
    const verdict = judgeInvocation(
      pending([record(1)], 10_000),
      failed(),
      policy({ retryAttempts: -1 }),
    );
    expect(verdict.discarded).toBeUndefined();
    expect(verdict.next).toHaveLength(1);
  });
});

describe("splitExpired", () => {
  it("splits off records older than maxRecordAgeSeconds", () => {
    const old = record(1, { createdAt: NOW - 3601_000 });
    const young = record(2, { createdAt: NOW - 10_000 });
    const { expired, fresh } = splitExpired([old, young], NOW, 3600);
    expect(numbers(expired)).toEqual([1]);
    expect(numbers(fresh)).toEqual([2]);
  });

  it("keeps everything with -1", () => {
    const ancient = record(1, { createdAt: 0 });
    expect(splitExpired([ancient], NOW, -1).expired).toEqual([]);
  });
});

describe("ShardDelivery", () => {
  /** A delivery over a scripted handler; records every invocation and discard. */
  function harness(
    p: DeliveryPolicy,
    respond: (batch: readonly DynamoDBRecord[], call: number) => InvocationResult,
    clock = { now: NOW },
  ) {
    const calls: number[][] = [];
    const discarded: DiscardedBatch[] = [];
    const delivery = new ShardDelivery({
      policy: p,
      invoke: async (batch) => {
        calls.push(numbers(batch));
        return respond(batch, calls.length);
      },
      discard: async (d) => {
        discarded.push(d);
      },
      now: () => clock.now,
    });
    return { delivery, calls, discarded };
  }
  const ok: InvocationResult = { ok: true, response: undefined };

  it("delivers records in order in batches of at most batchSize", async () => {
    const { delivery, calls } = harness(policy({ batchSize: 3 }), () => ok);
    delivery.push(records(1, 7));
    await delivery.deliver();
    expect(calls).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(delivery.pending).toBe(0);
  });

  it("redelivers from the reported failure and never the records before it", async () => {
    const { delivery, calls } = harness(policy(), (batch, call) =>
      call === 1
        ? {
            ok: true,
            response: {
              batchItemFailures: [{ itemIdentifier: seqOf(batch[2] as DynamoDBRecord) }],
            },
          }
        : ok,
    );
    delivery.push(records(1, 5));
    await delivery.deliver();
    expect(calls).toEqual([
      [1, 2, 3, 4, 5],
      [3, 4, 5],
    ]);
  });

  it("isolates a poison record by bisecting, discards it after the retries and delivers the rest", async () => {
    const poison = 6;
    const { delivery, calls, discarded } = harness(policy({ retryAttempts: 3 }), (batch) =>
      numbers(batch).includes(poison) ? { ok: false, error: new Error("poison") } : ok,
    );
    delivery.push(records(1, 10));
    await delivery.deliver();

    expect(discarded).toHaveLength(1);
    expect(numbers(discarded[0]?.records ?? [])).toEqual([poison]);
    expect(discarded[0]?.condition).toBe("RetryAttemptsExhausted");
    // Alone, the poison record is tried once plus retryAttempts times.
    expect(calls.filter((c) => c.length === 1 && c[0] === poison)).toHaveLength(4);
    // Every other record lands in exactly one successful invocation, in order.
    const succeeded = calls.filter((c) => !c.includes(poison)).flat();
    expect(succeeded).toEqual([1, 2, 3, 4, 5, 7, 8, 9, 10]);
  });

  it("discards the whole batch after the retries when bisect is off", async () => {
    const { delivery, calls, discarded } = harness(
      policy({ retryAttempts: 2, bisectBatchOnError: false, batchSize: 3 }),
      (batch) => (numbers(batch).includes(2) ? { ok: false, error: new Error("x") } : ok),
    );
    delivery.push(records(1, 4));
    await delivery.deliver();
    expect(calls).toEqual([[1, 2, 3], [1, 2, 3], [1, 2, 3], [4]]);
    expect(numbers(discarded[0]?.records ?? [])).toEqual([1, 2, 3]);
    expect(discarded[0]?.invocations).toBe(3);
  });

  it("holds a partial batch for the batching window unless flushed", async () => {
    const clock = { now: NOW };
    const { delivery, calls } = harness(policy({ maxBatchingWindowSeconds: 1 }), () => ok, clock);
    delivery.push(records(1, 2));
    expect(await delivery.deliver()).toBe(false);
    expect(delivery.windowRemainingMs()).toBe(1000);
    clock.now += 1000;
    await delivery.deliver();
    expect(calls).toEqual([[1, 2]]);

    delivery.push(records(3, 3));
    await delivery.deliver(true);
    expect(calls).toEqual([[1, 2], [3]]);
  });

  it("sends a full batch without waiting for the window", async () => {
    const { delivery, calls } = harness(
      policy({ batchSize: 2, maxBatchingWindowSeconds: 60 }),
      () => ok,
    );
    delivery.push(records(1, 3));
    await delivery.deliver();
    expect(calls).toEqual([[1, 2]]);
    expect(delivery.pending).toBe(1);
  });

  it("discards records older than maxRecordAgeSeconds before invoking", async () => {
    const { delivery, calls, discarded } = harness(policy({ maxRecordAgeSeconds: 60 }), () => ok);
    delivery.push([record(1, { createdAt: NOW - 120_000 }), record(2)]);
    await delivery.deliver();
    expect(calls).toEqual([[2]]);
    expect(discarded[0]).toMatchObject({ condition: "RecordAgeExceeded" });
    expect(numbers(discarded[0]?.records ?? [])).toEqual([1]);
  });
});
