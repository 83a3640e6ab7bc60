/**
 * DynamoDB implementation of the rebuild target: daily history points in BatchWriteItem
 * calls, and the aggregate replaced by the items the layout module encodes
 * (aggregate-layout.ts `encodeAggregate`: the form online writes and folds converge to). Items of the account's
 * aggregate that the new encoding no longer has are deleted, then the state item is put
 * last: its stream record makes the score function rescore a customer whose other items
 * are already in place.
 */
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Aggregate } from "../../domain/aggregate.ts";
import type { HistoryPoint, RebuildTarget } from "../../replay/ports.ts";
import {
  AGGREGATE_PREFIX,
  decodeAggregate,
  encodeAggregate,
  invoiceSk,
  STATE_SK,
  ticketSk,
} from "./aggregate-layout.ts";
import { readAggregateItems } from "./aggregate-reads.ts";
import { HISTORY_DAYS, historyItem } from "./history-item.ts";
import { accountPk } from "./keys.ts";
import { StorageError } from "./storage-error.ts";
import { backoff, sleep } from "./transactions.ts";

type Item = Record<string, unknown>;

/** BatchWriteItem takes 25 requests. */
const BATCH_WRITE_ITEMS = 25;
/** Tries of a batch whose items keep coming back unprocessed (throttled writes). */
const BATCH_WRITE_ATTEMPTS = 9;

/**
 * Sort-key prefixes of every item that makes up one account's aggregate in the layout:
 * `AGG` (state, day buckets, months), and the per-ticket and per-invoice items.
 */
export const AGGREGATE_PREFIXES = [AGGREGATE_PREFIX, ticketSk(""), invoiceSk("")] as const;

export interface RebuildTargetOptions {
  readonly tableName: string;
  /** Days a history point is kept (TTL). @default HISTORY_DAYS */
  readonly historyDays?: number;
}

export class DynamoRebuildTarget implements RebuildTarget {
  private readonly table: string;
  private readonly historyDays: number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    options: RebuildTargetOptions,
  ) {
    this.table = options.tableName;
    this.historyDays = options.historyDays ?? HISTORY_DAYS;
  }

  async currentAggregate(accountId: string): Promise<Aggregate | null> {
    const items = await readAggregateItems(this.db, this.table, accountId);
    return items.length === 0 ? null : decodeAggregate(accountId, items);
  }

  async writeHistory(_accountId: string, points: readonly HistoryPoint[]): Promise<void> {
    await this.batchWrite(
      points.map((point) => ({ PutRequest: { Item: historyItem(point, this.historyDays) } })),
    );
  }

  async replaceAggregate(accountId: string, aggregate: Aggregate, now: number): Promise<void> {
    const items = encodeAggregate(aggregate, now);
    // The state item is the write the score stream takes from a rebuild (its day buckets
    // are not: lib/topology.ts), so it goes last, and always, also for an aggregate with no
    // register (usage only), where webhooks write none: the one write that scores the
    // rebuilt customer, from the whole aggregate.
    const state = items.find((item) => item.sk === STATE_SK) ?? {
      pk: accountPk(accountId),
      sk: STATE_SK,
      accountId,
    };
    const kept = new Set([...items.map((item) => String(item.sk)), STATE_SK]);
    const stale = (await this.aggregateKeys(accountId)).filter((sk) => !kept.has(sk));
    await this.batchWrite([
      ...items.filter((item) => item !== state).map((item) => ({ PutRequest: { Item: item } })),
      ...stale.map((sk) => ({ DeleteRequest: { Key: { pk: accountPk(accountId), sk } } })),
    ]);
    await this.db.send(new PutCommand({ TableName: this.table, Item: state }));
  }

  /** Sort keys of the account's stored aggregate items. */
  private async aggregateKeys(accountId: string): Promise<string[]> {
    const keys: string[] = [];
    for (const prefix of AGGREGATE_PREFIXES) {
      let start: Item | undefined;
      do {
        const out = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues: { ":pk": accountPk(accountId), ":prefix": prefix },
            ProjectionExpression: "sk",
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of out.Items ?? []) keys.push(String(item.sk));
        start = out.LastEvaluatedKey;
      } while (start);
    }
    return keys;
  }

  /** Writes requests 25 at a time, retrying unprocessed ones with backoff. */
  private async batchWrite(requests: readonly Item[]): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH_WRITE_ITEMS) {
      let pending = requests.slice(i, i + BATCH_WRITE_ITEMS);
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > BATCH_WRITE_ATTEMPTS) throw new StorageError("writes kept being throttled");
        if (attempt > 1) await sleep(backoff(attempt));
        const out = await this.db.send(
          new BatchWriteCommand({ RequestItems: { [this.table]: pending as never } }),
        );
        pending = (out.UnprocessedItems?.[this.table] as Item[] | undefined) ?? [];
      }
    }
  }
}
