/**
 * A local stand-in for Lambda's DynamoDB Streams event source mapping: this module does
 * the Streams API polling (every shard read in order, parents before children; expired or
 * trimmed iterators renewed) and hands the records, converted to Lambda's shape
 * (`stream-records.ts`) and filtered, to one `ShardDelivery` per shard, which applies
 * Lambda's delivery rules (`stream-delivery.ts`: batching, bisect, retries, partial
 * failures, maximum record age, on-failure).
 */
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type ShardIteratorType,
  TrimmedDataAccessException,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { validatePattern } from "./event-pattern.ts";
import {
  type DiscardedBatch,
  deliveryPolicy,
  type FailureCondition,
  filterRecords,
  type InvocationResult,
  ShardDelivery,
  type StreamMappingSettings,
} from "./stream-delivery.ts";
import { toLambdaRecordForFilter } from "./stream-records.ts";

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
            shard.delivery.push(filterRecords(patterns, lambdaRecords));
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
