/**
 * DynamoDB implementation of the ingestion store. One TransactWriteItems per accepted
 * event: the event record, conditional on not existing (the dedupe marker), plus the
 * aggregate update. A duplicate cancels the transaction on the record's condition. An
 * import's event, whose aggregate its rebuild writes, is the record alone: one conditional
 * Put.
 *
 * No ClientRequestToken is set: the SDK generates one per call and resends it on its own
 * retries, so an attempt that committed but timed out is answered as committed (test
 * ingest-sdk-retry). A token derived from the event would be worse: a concurrent or later
 * delivery of the same event would share it (TransactionInProgressException, or `stored`
 * instead of `duplicate`), and a retry with re-read registers would mismatch it.
 */
import {
  type DynamoDBDocumentClient,
  PutCommand,
  type PutCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { AggregateUpdate } from "../../domain/aggregate.ts";
import { uniqueRefs } from "../../webhook/inbound.ts";
import {
  EVENT_RETENTION_DAYS,
  type EventRecord,
  type IngestStore,
  type WriteOutcome,
} from "../../webhook/ingest.ts";
import {
  aggregateWriteItems,
  type RegisterSnapshot,
  readRegisterSnapshot,
} from "./aggregate-writes.ts";
import { DynamoAliasStore } from "./alias-store.ts";
import {
  EVENT_SK,
  eventLogKeys,
  eventPk,
  TTL_ATTRIBUTE,
  UNMATCHED_GSI_PK,
  unmatchedPk,
  unmatchedSk,
} from "./keys.ts";
import { StorageError } from "./storage-error.ts";
import { backoff, sleep, type TransactItem, transactionCodes } from "./transactions.ts";

export interface EventStoreOptions {
  readonly tableName: string;
  /** Days an event record is kept (TTL); EVENT_RETENTION_DAYS by default (staleness is judged by it). */
  readonly retentionDays?: number;
  /** Attempts when transactions conflict with concurrent writes to the same items. */
  readonly maxAttempts?: number;
}

/** Per item: committed, a duplicate record, a register older than stored, or contention. */
type ItemOutcome = "ok" | "duplicate" | "stale" | "conflict";

const DAY_S = 86_400;
const noRegistersRead: RegisterSnapshot = {
  days: new Map(),
  tickets: new Map(),
  invoices: new Map(),
};

/** Event writes of ingestion; aliases and waiting events come from the alias store it extends. */
export class DynamoEventStore extends DynamoAliasStore implements IngestStore {
  private readonly table: string;
  private readonly retentionDays: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    options: EventStoreOptions,
  ) {
    super(db, options);
    this.table = options.tableName;
    this.retentionDays = options.retentionDays ?? EVENT_RETENTION_DAYS;
    this.maxAttempts = options.maxAttempts ?? 6;
  }

  /** The items of an applied event's transaction, given no registers stored yet. */
  appliedTransactionItems(record: EventRecord, update: AggregateUpdate): TransactItem[] {
    const accountId = record.accountId as string;
    return [
      this.putRecord(record),
      ...aggregateWriteItems(this.table, accountId, [update], noRegistersRead),
    ];
  }

  async recordApplied(record: EventRecord, update: AggregateUpdate | null): Promise<WriteOutcome> {
    if (update === null) return this.putRecordOnly(record);
    const accountId = record.accountId as string;
    for (let attempt = 1; ; attempt++) {
      // Registers are read, merged and written on the condition that they are unchanged;
      // day sums need no read. A failed condition means someone wrote meanwhile: read again.
      const snapshot = await readRegisterSnapshot(
        this.db,
        this.table,
        accountId,
        [update],
        this.maxAttempts,
      );
      const outcome = await this.transact([
        this.putRecord(record),
        ...aggregateWriteItems(this.table, accountId, [update], snapshot),
      ]);
      if (outcome[0] === "duplicate") return "duplicate";
      if (outcome.every((o) => o === "ok")) return "stored";
      if (attempt >= this.maxAttempts) throw new StorageError("aggregate update kept conflicting");
      if (!outcome.includes("stale")) await sleep(backoff(attempt));
    }
  }

  async recordUnmatched(record: EventRecord): Promise<WriteOutcome> {
    const items: TransactItem[] = [this.putRecord(record)];
    for (const ref of uniqueRefs(record.refs)) {
      items.push({
        Put: {
          TableName: this.table,
          Item: {
            pk: unmatchedPk(ref.kind, ref.id),
            sk: eventPk(record.source, record.eventId),
            [TTL_ATTRIBUTE]: this.expiresAt(record),
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

  private putRecord(record: EventRecord): TransactItem {
    return {
      Put: {
        TableName: this.table,
        Item: {
          pk: eventPk(record.source, record.eventId),
          sk: EVENT_SK,
          ...record,
          ...(record.status === "applied" && record.accountId !== null
            ? eventLogKeys(record.accountId, record)
            : {}),
          ...(record.status === "unmatched"
            ? {
                unmatchedPk: UNMATCHED_GSI_PK,
                unmatchedSk: unmatchedSk(record.receivedAt, record.source, record.eventId),
              }
            : {}),
          [TTL_ATTRIBUTE]: this.expiresAt(record),
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    };
  }

  /**
   * The record is kept for the retention after the later of its arrival and its own time:
   * a source clock ahead of ours (Segment's device timestamps) must not let the dedupe
   * record expire while a replay of the event would still be applied.
   */
  private expiresAt(record: Pick<EventRecord, "receivedAt" | "occurredAt">) {
    const from = Math.max(record.receivedAt, record.occurredAt);
    return Math.floor(from / 1000) + this.retentionDays * DAY_S;
  }

  /**
   * The record alone, on its dedupe condition: a single conditional Put (1 WCU a KB), not
   * a transaction, which would bill it twice.
   */
  private async putRecordOnly(record: EventRecord): Promise<WriteOutcome> {
    const { Put } = this.putRecord(record);
    return this.db.send(new PutCommand(Put as PutCommandInput)).then(
      () => "stored" as const,
      (error: Error) => {
        if (error.name === "ConditionalCheckFailedException") return "duplicate" as const;
        throw error;
      },
    );
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
    const codes = await transactionCodes(this.db, items);
    if (codes === null) return items.map(() => "ok");
    return codes.map((code, index): ItemOutcome => {
      // The record comes first: its condition is the dedupe marker; later ones guard registers.
      if (code === "ConditionalCheckFailed") return index === 0 ? "duplicate" : "stale";
      return code === "None" ? "ok" : "conflict";
    });
  }
}
