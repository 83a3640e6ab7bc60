/**
 * A local stand-in for Lambda's DynamoDB Streams event source mapping, with the semantics of
 * SCORE_STREAM in lib/topology.ts: every shard read in order (parents before children), the
 * Lambda event filter applied (non-matching records are dropped, as Lambda drops them),
 * batches shaped like a Lambda `DynamoDBStreamEvent`, partial batch responses, bisect on
 * error, retry attempts, maximum record age, and an on-failure callback standing in for the
 * SQS on-failure destination.
 *
 * Layers, so the rules can be unit tested without a network:
 * - pure functions: `toLambdaRecord`, `interpretResponse`, `judgeInvocation`, `splitExpired`;
 * - `ShardDelivery`: one shard's batching and retry state machine over an injected invoker;
 * - `startStreamPoller`: the DynamoDB Streams API calls that feed it.
 */
import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type AttributeValue as SdkAttributeValue,
  type Shard,
  type ShardIteratorType,
  TrimmedDataAccessException,
} from "@aws-sdk/client-dynamodb-streams";
import type {
  AttributeValue,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from "aws-lambda";
import { type EventPattern, matchesAnyPattern, validatePattern } from "./event-pattern.ts";

// ---------------------------------------------------------------------------------------
// Settings

/** The event source mapping settings (the shape of SCORE_STREAM); defaults are Lambda's. */
export interface StreamMappingSettings {
  /** @default 100 */
  readonly batchSize?: number;
  /** @default 0 */
  readonly maxBatchingWindowSeconds?: number;
  /** Retries after the first failed invocation; -1 retries until the record expires. @default -1 */
  readonly retryAttempts?: number;
  /** -1 means no limit. @default -1 */
  readonly maxRecordAgeSeconds?: number;
  /** @default false */
  readonly bisectBatchOnError?: boolean;
  /** @default false */
  readonly reportBatchItemFailures?: boolean;
  /** Lambda filter criteria: a record is delivered when any pattern matches. @default all */
  readonly filterPatterns?: readonly EventPattern[];
}

/** The settings the delivery state machine needs, all resolved. */
export interface DeliveryPolicy {
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly retryAttempts: number;
  readonly maxRecordAgeSeconds: number;
  readonly bisectBatchOnError: boolean;
  readonly reportBatchItemFailures: boolean;
}

/** Resolves `settings` with Lambda's defaults; throws on values Lambda would reject. */
export function deliveryPolicy(settings: StreamMappingSettings): DeliveryPolicy {
  const policy = {
    batchSize: settings.batchSize ?? 100,
    maxBatchingWindowSeconds: settings.maxBatchingWindowSeconds ?? 0,
    retryAttempts: settings.retryAttempts ?? -1,
    maxRecordAgeSeconds: settings.maxRecordAgeSeconds ?? -1,
    bisectBatchOnError: settings.bisectBatchOnError ?? false,
    reportBatchItemFailures: settings.reportBatchItemFailures ?? false,
  };
  if (!Number.isInteger(policy.batchSize) || policy.batchSize < 1 || policy.batchSize > 10_000) {
    throw new RangeError(`batchSize must be 1-10000, got ${policy.batchSize}`);
  }
  if (policy.retryAttempts < -1) throw new RangeError("retryAttempts must be -1 or more");
  if (policy.maxRecordAgeSeconds < -1)
    throw new RangeError("maxRecordAgeSeconds must be -1 or more");
  return policy;
}

// ---------------------------------------------------------------------------------------
// Record shape

/** A DynamoDB Streams API record as Lambda delivers it (binary as base64, time in seconds). */
export function toLambdaRecord(
  record: _Record,
  streamArn: string,
  awsRegion?: string,
): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  const created = stream.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource ?? "aws:dynamodb",
    awsRegion: awsRegion ?? record.awsRegion,
    dynamodb: {
      ...(created ? { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) } : {}),
      ...(stream.Keys ? { Keys: toLambdaImage(stream.Keys) } : {}),
      ...(stream.NewImage ? { NewImage: toLambdaImage(stream.NewImage) } : {}),
      ...(stream.OldImage ? { OldImage: toLambdaImage(stream.OldImage) } : {}),
      SequenceNumber: stream.SequenceNumber,
      SizeBytes: stream.SizeBytes,
      StreamViewType: stream.StreamViewType,
    },
    eventSourceARN: streamArn,
    // TTL deletions carry the service identity; Lambda events spell its keys in camelCase.
    ...(record.userIdentity
      ? {
          userIdentity: {
            type: record.userIdentity.Type,
            principalId: record.userIdentity.PrincipalId,
          },
        }
      : {}),
  };
}

/**
 * The SDK deserializes some attribute values of DynamoDB Local's stream (seen: values of
 * non-aggregate items, likely empty lists or maps) as `{}`, which has no Lambda form. Such a
 * record can still be filtered on its keys: if the keys-only record does not match the
 * filter, Lambda would drop it anyway; if it matches, the conversion error stands.
 */
function toLambdaRecordForFilter(
  record: _Record,
  streamArn: string,
  awsRegion: string | undefined,
  patterns: readonly EventPattern[],
): DynamoDBRecord {
  try {
    return toLambdaRecord(record, streamArn, awsRegion);
  } catch (error) {
    const keysOnly = toLambdaRecord(
      { ...record, dynamodb: { ...record.dynamodb, NewImage: undefined, OldImage: undefined } },
      streamArn,
      awsRegion,
    );
    if (patterns.length > 0 && !matchesAnyPattern(patterns, keysOnly)) return keysOnly;
    throw error;
  }
}

function toLambdaImage(image: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toLambdaValue(v)]));
}

function toLambdaValue(value: SdkAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString("base64") };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString("base64")) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  throw new TypeError(`unknown attribute value type: ${Object.keys(value).join(",") || "(empty)"}`);
}

// ---------------------------------------------------------------------------------------
// The delivery state machine (pure)

/** Records waiting to be delivered together, with what they have been through. */
export interface PendingBatch {
  readonly records: readonly DynamoDBRecord[];
  /** Failed invocations counted against retryAttempts (bisecting does not count, as in Lambda). */
  readonly retries: number;
  /** Invocations that included these records so far. */
  readonly invocations: number;
}

export type InvocationResult =
  | { readonly ok: true; readonly response: unknown }
  | { readonly ok: false; readonly error: unknown };

export type ResponseOutcome =
  | { readonly kind: "success" }
  | { readonly kind: "partial"; readonly failedFrom: number }
  | { readonly kind: "invalid"; readonly error: Error };

export type FailureCondition = "RetryAttemptsExhausted" | "RecordAgeExceeded";

export interface DiscardedBatch {
  readonly records: readonly DynamoDBRecord[];
  readonly condition: FailureCondition;
  readonly error: unknown;
  readonly invocations: number;
}

export interface Verdict {
  /** Batches to deliver next, in order, before any newer record. */
  readonly next: readonly PendingBatch[];
  /** Records given up on, for the on-failure destination. */
  readonly discarded?: DiscardedBatch;
  /** True when `next` is a plain retry (Lambda backs off before it). */
  readonly retrying: boolean;
}

/** The function's response, read as Lambda reads it with or without ReportBatchItemFailures. */
export function interpretResponse(
  records: readonly DynamoDBRecord[],
  response: unknown,
  reportBatchItemFailures: boolean,
): ResponseOutcome {
  if (!reportBatchItemFailures || response === undefined || response === null) {
    return { kind: "success" };
  }
  if (typeof response !== "object") return invalid("the response is not an object");
  const failures = (response as Partial<DynamoDBBatchResponse>).batchItemFailures as unknown;
  if (failures === undefined || failures === null) return { kind: "success" };
  if (!Array.isArray(failures)) return invalid("batchItemFailures is not an array");
  if (failures.length === 0) return { kind: "success" };
  let failedFrom = Number.POSITIVE_INFINITY;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || id === "")
      return invalid("an itemIdentifier is missing or empty");
    const index = records.findIndex((r) => r.dynamodb?.SequenceNumber === id);
    if (index < 0) return invalid(`itemIdentifier ${id} is not a sequence number in the batch`);
    failedFrom = Math.min(failedFrom, index);
  }
  return { kind: "partial", failedFrom };
}

function invalid(reason: string): ResponseOutcome {
  return { kind: "invalid", error: new InvalidBatchResponseError(reason) };
}

/** The function returned a partial batch response Lambda treats as a failure of the batch. */
export class InvalidBatchResponseError extends Error {
  override readonly name = "InvalidBatchResponseError";
}

/** The function reported these records (from the first failed one on) as failed. */
export class BatchItemFailuresError extends Error {
  override readonly name = "BatchItemFailuresError";
}

/** Records older than maxRecordAgeSeconds, discarded before delivery. */
export class RecordAgeExceededError extends Error {
  override readonly name = "RecordAgeExceededError";
}

/**
 * What Lambda does after invoking the function with `batch`:
 * - success: checkpoint past the batch;
 * - partial failure (valid batchItemFailures): checkpoint before the lowest failed sequence
 *   number; retry from it (one retry attempt), with or without bisect;
 * - error, or an invalid partial response: with bisect and more than one record, split in two
 *   and deliver the halves in order without using a retry attempt; otherwise retry the batch;
 * - retries used up: discard the records still failing (on-failure destination) and go on.
 */
export function judgeInvocation(
  batch: PendingBatch,
  result: InvocationResult,
  policy: Pick<DeliveryPolicy, "retryAttempts" | "bisectBatchOnError" | "reportBatchItemFailures">,
): Verdict {
  const outcome: ResponseOutcome = result.ok
    ? interpretResponse(batch.records, result.response, policy.reportBatchItemFailures)
    : { kind: "invalid", error: toError(result.error) };
  if (outcome.kind === "success") return { next: [], retrying: false };
  if (outcome.kind === "partial") {
    const remaining = { ...batch, records: batch.records.slice(outcome.failedFrom) };
    const error = new BatchItemFailuresError(
      `the function reported ${batch.records[outcome.failedFrom]?.dynamodb?.SequenceNumber} as failed`,
    );
    return retryOrDiscard(remaining, error, policy.retryAttempts);
  }
  const error = result.ok ? outcome.error : result.error;
  if (policy.bisectBatchOnError && batch.records.length > 1) {
    const middle = Math.ceil(batch.records.length / 2);
    return {
      next: [
        { ...batch, records: batch.records.slice(0, middle) },
        { ...batch, records: batch.records.slice(middle) },
      ],
      retrying: false,
    };
  }
  return retryOrDiscard(batch, error, policy.retryAttempts);
}

function retryOrDiscard(batch: PendingBatch, error: unknown, retryAttempts: number): Verdict {
  const retries = batch.retries + 1;
  if (retryAttempts >= 0 && retries > retryAttempts) {
    return {
      next: [],
      retrying: false,
      discarded: {
        records: batch.records,
        condition: "RetryAttemptsExhausted",
        error,
        invocations: batch.invocations,
      },
    };
  }
  return { next: [{ ...batch, retries }], retrying: true };
}

/** Splits off records older than `maxRecordAgeSeconds` (-1: none expire) at `nowMs`. */
export function splitExpired(
  records: readonly DynamoDBRecord[],
  nowMs: number,
  maxRecordAgeSeconds: number,
): { expired: DynamoDBRecord[]; fresh: DynamoDBRecord[] } {
  const expired: DynamoDBRecord[] = [];
  const fresh: DynamoDBRecord[] = [];
  for (const record of records) {
    const created = record.dynamodb?.ApproximateCreationDateTime;
    const tooOld =
      maxRecordAgeSeconds >= 0 &&
      created !== undefined &&
      nowMs / 1000 - created > maxRecordAgeSeconds;
    (tooOld ? expired : fresh).push(record);
  }
  return { expired, fresh };
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

// ---------------------------------------------------------------------------------------
// One shard's delivery (no network)

export interface ShardDeliveryOptions {
  readonly policy: DeliveryPolicy;
  /** Calls the function with these records; never throws (errors are results). */
  readonly invoke: (records: readonly DynamoDBRecord[]) => Promise<InvocationResult>;
  /** Receives records given up on. */
  readonly discard: (discarded: DiscardedBatch) => Promise<void>;
  /** Pause before a plain retry, in ms. @default 0 */
  readonly retryDelayMs?: number;
  readonly now?: () => number;
  /** Checked between invocations, so a stop does not wait for a long retry sequence. */
  readonly stopped?: () => boolean;
}

/** Batches one shard's (already filtered) records in order and delivers them per the policy. */
export class ShardDelivery {
  private buffer: DynamoDBRecord[] = [];
  private bufferSince: number | undefined;
  private queue: PendingBatch[] = [];
  private readonly now: () => number;

  constructor(private readonly options: ShardDeliveryOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Appends records read from the shard, oldest first. */
  push(records: readonly DynamoDBRecord[]) {
    if (records.length === 0) return;
    if (this.buffer.length === 0) this.bufferSince = this.now();
    this.buffer.push(...records);
  }

  /** Records read but not yet delivered or discarded. */
  get pending(): number {
    return this.buffer.length + this.queue.reduce((n, b) => n + b.records.length, 0);
  }

  /** Records not yet formed into a batch (the poller reads more only below batchSize). */
  get buffered(): number {
    return this.buffer.length;
  }

  /** Ms until the batching window closes for the buffered records; 0 when due or empty. */
  windowRemainingMs(): number {
    if (this.bufferSince === undefined) return 0;
    const windowMs = this.options.policy.maxBatchingWindowSeconds * 1000;
    return Math.max(0, this.bufferSince + windowMs - this.now());
  }

  /**
   * Delivers every batch that is due; `flush` ignores the batching window. Resolves true
   * when anything was delivered or discarded.
   */
  async deliver(flush = false): Promise<boolean> {
    const { policy } = this.options;
    let worked = false;
    for (;;) {
      if (this.options.stopped?.()) return worked;
      const batch = this.nextBatch(flush);
      if (!batch) return worked;
      worked = true;
      const { expired, fresh } = splitExpired(
        batch.records,
        this.now(),
        policy.maxRecordAgeSeconds,
      );
      if (expired.length > 0) {
        await this.options.discard({
          records: expired,
          condition: "RecordAgeExceeded",
          error: new RecordAgeExceededError(
            `older than maxRecordAgeSeconds (${policy.maxRecordAgeSeconds})`,
          ),
          invocations: batch.invocations,
        });
      }
      if (fresh.length === 0) continue;
      const current = { ...batch, records: fresh, invocations: batch.invocations + 1 };
      const verdict = judgeInvocation(current, await this.options.invoke(fresh), policy);
      if (verdict.discarded) await this.options.discard(verdict.discarded);
      this.queue.unshift(...verdict.next);
      if (verdict.retrying && this.options.retryDelayMs) await sleep(this.options.retryDelayMs);
    }
  }

  private nextBatch(flush: boolean): PendingBatch | undefined {
    const queued = this.queue.shift();
    if (queued) return queued;
    const { batchSize } = this.options.policy;
    if (this.buffer.length === 0) return undefined;
    if (this.buffer.length < batchSize && !flush && this.windowRemainingMs() > 0) return undefined;
    const records = this.buffer.splice(0, batchSize);
    if (this.buffer.length === 0) this.bufferSince = undefined;
    return { records, retries: 0, invocations: 0 };
  }
}

// ---------------------------------------------------------------------------------------
// The poller (DynamoDB Streams API)

/** The function under the mapping: a Lambda DynamoDB stream handler without its context. */
export type StreamHandler = (
  event: DynamoDBStreamEvent,
  // biome-ignore lint/suspicious/noConfusingVoidType: as in aws-lambda's DynamoDBStreamHandler, a handler may return nothing.
) => Promise<DynamoDBBatchResponse | void>;

/** What Lambda's on-failure destination receives about a discarded batch. */
export interface StreamFailureInfo {
  readonly condition: FailureCondition;
  readonly approximateInvokeCount: number;
  readonly DDBStreamBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string | undefined;
    readonly endSequenceNumber: string | undefined;
    readonly approximateArrivalOfFirstRecord: string | undefined;
    readonly approximateArrivalOfLastRecord: string | undefined;
    readonly batchSize: number;
    readonly streamArn: string;
  };
}

export interface StreamPollerOptions extends StreamMappingSettings {
  readonly streamsClient: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly handler: StreamHandler;
  /** The local on-failure destination: records discarded after retries or by age. */
  readonly onFailure: (
    records: DynamoDBRecord[],
    error: unknown,
    info: StreamFailureInfo,
  ) => Promise<void> | void;
  /** Where to start in shards that exist when the poller starts (Lambda requires a choice). */
  readonly startingPosition: "TRIM_HORIZON" | "LATEST";
  /** Pause between polls of an idle stream. @default 250 (Lambda polls 4 times a second) */
  readonly pollIntervalMs?: number;
  /** Pause before retrying a failed batch. @default 100 */
  readonly retryDelayMs?: number;
  /** `awsRegion` in events. @default the stream record's (DynamoDB Local says "ddblocal") */
  readonly awsRegion?: string;
  /** Errors of the poller itself (API calls, a throwing onFailure). @default console.error */
  readonly onError?: (error: unknown) => void;
  readonly now?: () => number;
}

export interface StreamPoller {
  /** Stops polling after the invocation in flight; undelivered records stay in the stream. */
  stop(): Promise<void>;
  /**
   * Resolves when every record in the stream when it was called has been delivered (or
   * discarded): a full poll started after the call found nothing new and nothing pending.
   * Waiting records are delivered at once, without waiting for the batching window.
   */
  drain(timeoutMs?: number): Promise<void>;
}

interface ShardState {
  readonly id: string;
  readonly parentId: string | undefined;
  /** Existed (open) when the poller started: read from startingPosition, not TRIM_HORIZON. */
  readonly initial: boolean;
  readonly delivery: ShardDelivery;
  iterator: string | undefined;
  lastReadSequence: string | undefined;
  /** The shard is closed and every record in it has been read. */
  exhausted: boolean;
  /** Exhausted and delivered: children may start. */
  done: boolean;
}

interface DrainWaiter {
  readonly afterRound: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** Starts polling `streamArn` and delivering to `handler` like a Lambda event source mapping. */
export function startStreamPoller(options: StreamPollerOptions): StreamPoller {
  const policy = deliveryPolicy(options);
  const patterns = options.filterPatterns ?? [];
  for (const pattern of patterns) validatePattern(pattern);
  const client = options.streamsClient;
  const streamArn = options.streamArn;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const onError = options.onError ?? ((error: unknown) => console.error("stream poller:", error));
  const now = options.now ?? Date.now;

  const shards = new Map<string, ShardState>();
  let discovered = false;
  let stopped = false;
  let round = 0;
  let waiters: DrainWaiter[] = [];
  let wake: (() => void) | undefined;
  /** A drain() arrived mid-round: start the next round at once instead of sleeping. */
  let nudged = false;

  const invoke = async (records: readonly DynamoDBRecord[]): Promise<InvocationResult> => {
    try {
      const event: DynamoDBStreamEvent = { Records: structuredClone([...records]) };
      return { ok: true, response: await options.handler(event) };
    } catch (error) {
      return { ok: false, error };
    }
  };

  const discardFor = (shardId: string) => async (discarded: DiscardedBatch) => {
    const records = [...discarded.records];
    const first = records[0]?.dynamodb;
    const last = records.at(-1)?.dynamodb;
    const iso = (seconds: number | undefined) =>
      seconds === undefined ? undefined : new Date(seconds * 1000).toISOString();
    try {
      await options.onFailure(structuredClone(records), discarded.error, {
        condition: discarded.condition,
        approximateInvokeCount: discarded.invocations,
        DDBStreamBatchInfo: {
          shardId,
          startSequenceNumber: first?.SequenceNumber,
          endSequenceNumber: last?.SequenceNumber,
          approximateArrivalOfFirstRecord: iso(first?.ApproximateCreationDateTime),
          approximateArrivalOfLastRecord: iso(last?.ApproximateCreationDateTime),
          batchSize: records.length,
          streamArn,
        },
      });
    } catch (error) {
      onError(error);
    }
  };

  const addShard = (shard: Shard, initial: boolean) => {
    const id = shard.ShardId as string;
    const closedAtStart = initial && shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
    // From LATEST, a shard that was already closed has nothing new to give.
    const skip = closedAtStart && options.startingPosition === "LATEST";
    shards.set(id, {
      id,
      parentId: shard.ParentShardId,
      initial,
      delivery: new ShardDelivery({
        policy,
        invoke,
        discard: discardFor(id),
        retryDelayMs: options.retryDelayMs ?? 100,
        now,
        stopped: () => stopped,
      }),
      iterator: undefined,
      lastReadSequence: undefined,
      exhausted: skip,
      done: skip,
    });
  };

  /** Lists the stream's shards; true when new ones appeared. */
  const refreshShards = async (): Promise<boolean> => {
    let found = false;
    let start: string | undefined;
    do {
      const page = await client.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      for (const shard of page.StreamDescription?.Shards ?? []) {
        if (shard.ShardId && !shards.has(shard.ShardId)) {
          addShard(shard, !discovered);
          found = true;
        }
      }
      start = page.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    discovered = true;
    return found;
  };

  const iteratorFor = async (shard: ShardState): Promise<string | undefined> => {
    const request = (type: ShardIteratorType, sequence?: string) =>
      client.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.id,
          ShardIteratorType: type,
          SequenceNumber: sequence,
        }),
      );
    if (shard.lastReadSequence) {
      try {
        return (await request("AFTER_SEQUENCE_NUMBER", shard.lastReadSequence)).ShardIterator;
      } catch (error) {
        // Trimmed past our position (24 h retention): the oldest record left is next.
        if (!(error instanceof TrimmedDataAccessException)) throw error;
        return (await request("TRIM_HORIZON")).ShardIterator;
      }
    }
    return (await request(shard.initial ? options.startingPosition : "TRIM_HORIZON")).ShardIterator;
  };

  /** One poll of one shard, then delivery of what is due; true when anything happened. */
  const pump = async (shard: ShardState): Promise<boolean> => {
    let busy = false;
    if (!shard.exhausted && shard.delivery.buffered < policy.batchSize) {
      shard.iterator ??= await iteratorFor(shard);
      if (shard.iterator === undefined) {
        shard.exhausted = true;
      } else {
        try {
          const page = await client.send(
            new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }),
          );
          const records = page.Records ?? [];
          if (records.length > 0) {
            busy = true;
            shard.lastReadSequence = records.at(-1)?.dynamodb?.SequenceNumber;
            const lambdaRecords = records.map((r) =>
              toLambdaRecordForFilter(r, streamArn, options.awsRegion, patterns),
            );
            shard.delivery.push(
              patterns.length === 0
                ? lambdaRecords
                : lambdaRecords.filter((r) => matchesAnyPattern(patterns, r)),
            );
          }
          shard.iterator = page.NextShardIterator;
          // No next iterator: the shard is closed and fully read.
          if (shard.iterator === undefined) shard.exhausted = true;
        } catch (error) {
          // An expired iterator, or one DynamoDB Local declares trimmed (seen when another
          // stream-enabled table is created before this stream has records): get a new one
          // from where we are, as Lambda's poller does.
          const recoverable =
            error instanceof ExpiredIteratorException ||
            error instanceof TrimmedDataAccessException;
          if (!recoverable) throw error;
          shard.iterator = undefined;
          return true;
        }
      }
    }
    if (await shard.delivery.deliver(waiters.length > 0)) busy = true;
    if (shard.exhausted && !shard.done && shard.delivery.pending === 0) {
      shard.done = true;
      busy = true;
    }
    return busy;
  };

  /** Parents first: a child shard is read once its parent is done (or gone from the stream). */
  const readable = (shard: ShardState) => {
    if (shard.done) return false;
    const parent = shard.parentId ? shards.get(shard.parentId) : undefined;
    return parent === undefined || parent.done;
  };

  const loop = async () => {
    let failedRounds = 0;
    while (!stopped) {
      round += 1;
      const thisRound = round;
      let busy = false;
      let failed = false;
      try {
        busy = await refreshShards();
        // allSettled: a failing shard must not start the next round while others still run.
        const results = await Promise.allSettled([...shards.values()].filter(readable).map(pump));
        for (const result of results) {
          if (result.status === "fulfilled") busy = busy || result.value;
          else {
            failed = true;
            onError(result.reason);
          }
        }
      } catch (error) {
        failed = true;
        onError(error);
      }
      if (stopped) break;
      const pending = [...shards.values()].some((s) => s.delivery.pending > 0);
      if (!busy && !failed && !pending) {
        const satisfied = waiters.filter((w) => w.afterRound < thisRound);
        waiters = waiters.filter((w) => w.afterRound >= thisRound);
        for (const waiter of satisfied) waiter.resolve();
      }
      failedRounds = failed ? failedRounds + 1 : 0;
      if (nudged && !failed) {
        nudged = false;
      } else if (!busy || failed) {
        const windows = [...shards.values()]
          .map((s) => s.delivery.windowRemainingMs())
          .filter((ms) => ms > 0);
        // Back off while the API keeps failing (e.g. the table was deleted), up to 5 s.
        const pause = failed
          ? Math.min(pollIntervalMs * 2 ** failedRounds, 5000)
          : Math.min(pollIntervalMs, ...windows);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pause);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  };
  const running = loop();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await running;
      for (const waiter of waiters) waiter.reject(new Error("stream poller stopped"));
      waiters = [];
    },
    drain(timeoutMs = 30_000) {
      if (stopped) return Promise.reject(new Error("stream poller stopped"));
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`stream poller did not drain within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter: DrainWaiter = {
          afterRound: round,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        waiters.push(waiter);
        nudged = true;
        wake?.();
      });
    },
  };
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
