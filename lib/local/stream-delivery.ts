/**
 * Lambda's delivery rules for a DynamoDB stream event source mapping, with the semantics
 * of SCORE_STREAM in lib/topology.ts: the event filter (non-matching records are dropped,
 * as Lambda drops them), batching with a batching window, partial batch responses, bisect
 * on error, retry attempts, maximum record age, and what goes to the on-failure
 * destination. Pure rules over Lambda-shaped records: no DynamoDB, no SDK, no network;
 * `stream-poller.ts` feeds them from the Streams API.
 *
 * - pure functions: `deliveryPolicy`, `filterRecords`, `interpretResponse`,
 *   `judgeInvocation`, `splitExpired`;
 * - `ShardDelivery`: one shard's batching and retry state machine over an injected invoker.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import { type EventPattern, matchesAnyPattern } from "./event-pattern.ts";

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

/** The records Lambda's filter criteria let through (all of them when there are none). */
export function filterRecords(
  patterns: readonly EventPattern[],
  records: readonly DynamoDBRecord[],
): DynamoDBRecord[] {
  return patterns.length === 0
    ? [...records]
    : records.filter((r) => matchesAnyPattern(patterns, r));
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

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
