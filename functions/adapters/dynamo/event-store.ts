/**
 * DynamoDB implementation of the ingestion store. One TransactWriteItems per accepted
 * event: the event record, conditional on not existing (the dedupe marker), plus the
 * aggregate update. A duplicate cancels the transaction on the record's condition.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { AggregateUpdate } from "../../domain/aggregate.ts";
import type { ExternalRef } from "../../webhook/inbound.ts";
import {
  EVENT_RETENTION_DAYS,
  type EventRecord,
  type IngestStore,
  refKey,
  type WriteOutcome,
} from "../../webhook/ingest.ts";
import { aggregateUpdateExpression, newerRegisters } from "./aggregate-update.ts";
import {
  AGGREGATE_SK,
  ALIAS_SK,
  accountPk,
  aliasPk,
  EVENT_SK,
  eventPk,
  TTL_ATTRIBUTE,
  UNMATCHED_GSI_PK,
  UNMATCHED_INDEX,
  unmatchedPk,
} from "./keys.ts";

/** Storage failed: answered 5xx so the provider retries. */
export class StorageError extends Error {
  override readonly name = "StorageError";
}

export interface EventStoreOptions {
  readonly tableName: string;
  /** Days an event record is kept (TTL); EVENT_RETENTION_DAYS by default (staleness is judged by it). */
  readonly retentionDays?: number;
  /** Attempts when transactions conflict with concurrent writes to the same items. */
  readonly maxAttempts?: number;
}

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];
type ItemOutcome = "ok" | "duplicate" | "stale" | "conflict";

const DAY_S = 86_400;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class DynamoEventStore implements IngestStore {
  private readonly table: string;
  private readonly retentionDays: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    options: EventStoreOptions,
  ) {
    this.table = options.tableName;
    this.retentionDays = options.retentionDays ?? EVENT_RETENTION_DAYS;
    this.maxAttempts = options.maxAttempts ?? 6;
  }

  async resolveAliases(refs: readonly ExternalRef[]): Promise<Map<string, string>> {
    const keys = uniqueBy(refs, refKey).map((ref) => ({
      pk: aliasPk(ref.kind, ref.id),
      sk: ALIAS_SK,
    }));
    const found = new Map<string, string>();
    if (keys.length === 0) return found;
    const out = await this.db.send(
      new BatchGetCommand({
        RequestItems: { [this.table]: { Keys: keys, ProjectionExpression: "pk, accountId" } },
      }),
    );
    for (const item of out.Responses?.[this.table] ?? []) {
      const ref = String(item.pk).slice("ALIAS#".length);
      const split = ref.indexOf("#");
      found.set(`${ref.slice(0, split)}:${ref.slice(split + 1)}`, String(item.accountId));
    }
    return found;
  }

  async saveAliases(accountId: string, refs: readonly ExternalRef[]): Promise<void> {
    for (const ref of uniqueBy(refs, refKey)) {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: aliasPk(ref.kind, ref.id),
            sk: ALIAS_SK,
            kind: ref.kind,
            externalId: ref.id,
            accountId,
          },
        }),
      );
    }
  }

  /** The two items of an applied event's transaction (benchmarks send them raw as a baseline). */
  appliedTransactionItems(record: EventRecord, update: AggregateUpdate): TransactItem[] {
    const accountId = record.accountId as string;
    return [
      this.putRecord(record),
      this.updateAggregate(accountId, update, Object.keys(update.latest)),
    ];
  }

  async recordApplied(record: EventRecord, update: AggregateUpdate): Promise<WriteOutcome> {
    const accountId = record.accountId as string;
    let registers = Object.keys(update.latest);
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.transact([
        this.putRecord(record),
        this.updateAggregate(accountId, update, registers),
      ]);
      if (outcome[0] === "duplicate") return "duplicate";
      if (outcome.every((o) => o === "ok")) return "stored";
      if (attempt >= this.maxAttempts) throw new StorageError("aggregate update kept conflicting");
      if (outcome[1] === "stale") {
        // This event is older than some state already stored: keep its counters and drop the
        // registers it would have set back in time. Read, then write with the same guards.
        registers = newerRegisters(update, await this.readAggregate(accountId));
      } else {
        await sleep(backoff(attempt));
      }
    }
  }

  async recordUnmatched(record: EventRecord): Promise<WriteOutcome> {
    const items: TransactItem[] = [this.putRecord(record)];
    for (const ref of uniqueBy(record.refs, refKey)) {
      items.push({
        Put: {
          TableName: this.table,
          Item: {
            pk: unmatchedPk(ref.kind, ref.id),
            sk: eventPk(record.source, record.eventId),
            [TTL_ATTRIBUTE]: this.expiresAt(record.receivedAt),
          },
        },
      });
    }
    return this.transactOnce(items);
  }

  async recordIgnored(record: EventRecord): Promise<WriteOutcome> {
    return this.transactOnce([
      this.putRecord(record),
      {
        // Counted per provider and type, so operators can see what they are sent and drop.
        Update: {
          TableName: this.table,
          Key: { pk: "STATS#ignored", sk: `${record.source}#${record.type}` },
          UpdateExpression: "ADD #count :one SET #last = :now",
          ExpressionAttributeNames: { "#count": "count", "#last": "lastSeenAt" },
          ExpressionAttributeValues: { ":one": 1, ":now": record.receivedAt },
        },
      },
    ]);
  }

  async unmatchedFor(ref: ExternalRef): Promise<EventRecord[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": unmatchedPk(ref.kind, ref.id) },
        ConsistentRead: true,
      }),
    );
    const records: EventRecord[] = [];
    for (const item of out.Items ?? []) {
      const got = await this.db.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: item.sk, sk: EVENT_SK },
          ConsistentRead: true,
        }),
      );
      if (got.Item?.status === "unmatched") records.push(toRecord(got.Item));
    }
    return records;
  }

  async applyUnmatched(
    record: EventRecord,
    accountId: string,
    update: AggregateUpdate,
  ): Promise<boolean> {
    let registers = Object.keys(update.latest);
    for (let attempt = 1; ; attempt++) {
      const items: TransactItem[] = [
        {
          Update: {
            TableName: this.table,
            Key: { pk: eventPk(record.source, record.eventId), sk: EVENT_SK },
            ConditionExpression: "#status = :unmatched",
            UpdateExpression:
              "SET #status = :applied, accountId = :account REMOVE unmatchedPk, unmatchedSk",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":unmatched": "unmatched",
              ":applied": "applied",
              ":account": accountId,
            },
          },
        },
        this.updateAggregate(accountId, update, registers),
        ...uniqueBy(record.refs, refKey).map(
          (ref): TransactItem => ({
            Delete: {
              TableName: this.table,
              Key: {
                pk: unmatchedPk(ref.kind, ref.id),
                sk: eventPk(record.source, record.eventId),
              },
            },
          }),
        ),
      ];
      const outcome = await this.transact(items);
      // Someone else applied it first: exactly once means we stop here.
      if (outcome[0] === "duplicate") return false;
      if (outcome.every((o) => o === "ok")) return true;
      if (attempt >= this.maxAttempts)
        throw new StorageError("applying unmatched event kept conflicting");
      if (outcome[1] === "stale")
        registers = newerRegisters(update, await this.readAggregate(accountId));
      else await sleep(backoff(attempt));
    }
  }

  /** Lists unmatched events, oldest first, with a cursor for the next page. */
  async listUnmatched(limit: number, cursor?: Record<string, unknown>) {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: UNMATCHED_INDEX,
        KeyConditionExpression: "unmatchedPk = :pk",
        ExpressionAttributeValues: { ":pk": UNMATCHED_GSI_PK },
        Limit: limit,
        ExclusiveStartKey: cursor,
      }),
    );
    return { records: (out.Items ?? []).map(toRecord), cursor: out.LastEvaluatedKey };
  }

  private putRecord(record: EventRecord): TransactItem {
    return {
      Put: {
        TableName: this.table,
        Item: {
          pk: eventPk(record.source, record.eventId),
          sk: EVENT_SK,
          ...record,
          ...(record.status === "unmatched"
            ? {
                unmatchedPk: UNMATCHED_GSI_PK,
                unmatchedSk: `${new Date(record.receivedAt).toISOString()}#${record.source}#${record.eventId}`,
              }
            : {}),
          [TTL_ATTRIBUTE]: this.expiresAt(record.receivedAt),
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    };
  }

  private updateAggregate(
    accountId: string,
    update: AggregateUpdate,
    registers: readonly string[],
  ): TransactItem {
    return {
      Update: {
        TableName: this.table,
        Key: { pk: accountPk(accountId), sk: AGGREGATE_SK },
        ...aggregateUpdateExpression(accountId, update, registers),
      },
    };
  }

  private async readAggregate(accountId: string) {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: accountPk(accountId), sk: AGGREGATE_SK },
        ConsistentRead: true,
      }),
    );
    return out.Item;
  }

  private expiresAt(receivedAt: number) {
    return Math.floor(receivedAt / 1000) + this.retentionDays * DAY_S;
  }

  /** A transaction whose only condition is the dedupe marker, retried on conflicts. */
  private async transactOnce(items: TransactItem[]): Promise<WriteOutcome> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.transact(items);
      if (outcome[0] === "duplicate") return "duplicate";
      if (outcome.every((o) => o === "ok")) return "stored";
      if (attempt >= this.maxAttempts) throw new StorageError("event write kept conflicting");
      await sleep(backoff(attempt));
    }
  }

  /** Runs a transaction and says, per item, why it was cancelled (if it was). */
  private async transact(items: TransactItem[]): Promise<ItemOutcome[]> {
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      return items.map(() => "ok");
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) || !error.CancellationReasons) {
        throw new StorageError(`transaction failed: ${(error as Error).name}`, { cause: error });
      }
      return error.CancellationReasons.map((reason, index): ItemOutcome => {
        if (reason.Code === "ConditionalCheckFailed") return index === 0 ? "duplicate" : "stale";
        if (reason.Code === "None" || reason.Code === undefined) return "ok";
        if (reason.Code === "TransactionConflict" || reason.Code === "ThrottlingError")
          return "conflict";
        throw new StorageError(`transaction cancelled: ${reason.Code}`, { cause: error });
      });
    }
  }
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

/** Jittered exponential backoff, ms. */
const backoff = (attempt: number) => Math.random() * Math.min(1000, 20 * 2 ** attempt);

function toRecord(item: Record<string, unknown>): EventRecord {
  return {
    source: item.source as EventRecord["source"],
    eventId: String(item.eventId),
    type: String(item.type),
    occurredAt: Number(item.occurredAt),
    receivedAt: Number(item.receivedAt),
    accountId: (item.accountId as string | null) ?? null,
    refs: (item.refs as ExternalRef[]) ?? [],
    signals: (item.signals as EventRecord["signals"]) ?? [],
    status: item.status as EventRecord["status"],
  };
}
