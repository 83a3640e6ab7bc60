/**
 * DynamoDB implementation of the scoring ports. Reads each customer's aggregate (a Query of
 * its `AGG*` items, then folds old days: aggregate-reads.ts), and its current score and the
 * history snapshot of the drop window in one BatchGetItem per 33 customers;
 * writes the score and today's snapshot in one transaction, conditional on the version read.
 * (Stale scores are found by `stale-scores.ts`, kept apart so that only the rescore
 * function's bundle, and grants, hold a Scan.)
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Aggregate } from "../../domain/aggregate.ts";
import { isoDay } from "../../domain/time.ts";
import type { AccountState, ScoreStore, StoredScore } from "../../scoring/score-accounts.ts";
import { decodeAggregate } from "./aggregate-layout.ts";
import { foldAggregate, readAggregateItems } from "./aggregate-reads.ts";
import { accountPk, daySk, SCORE_SK, TTL_ATTRIBUTE, tierPk, tierSk } from "./keys.ts";
import { toStoredScore } from "./score-item.ts";
import { batchGetAll } from "./transactions.ts";

const DAY_MS = 86_400_000;
/** BatchGetItem takes 100 keys; each customer needs 2 (its aggregate is a Query). */
const ACCOUNTS_PER_BATCH = 33;
/** Tries of a BatchGetItem whose keys keep coming back unprocessed (throttled reads). */
const BATCH_GET_ATTEMPTS = 9;

export interface ScoreStoreOptions {
  readonly tableName: string;
  /** Days a daily history snapshot is kept (TTL). */
  readonly historyDays?: number;
}

export class DynamoScoreStore implements ScoreStore {
  private readonly table: string;
  private readonly historyDays: number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    options: ScoreStoreOptions,
  ) {
    this.table = options.tableName;
    this.historyDays = options.historyDays ?? 400;
  }

  async load(accountIds: readonly string[], now: number, windowDays: number) {
    const states = new Map<string, AccountState>();
    const earlierSk = daySk(isoDay(now - windowDays * DAY_MS));
    for (let i = 0; i < accountIds.length; i += ACCOUNTS_PER_BATCH) {
      const chunk = accountIds.slice(i, i + ACCOUNTS_PER_BATCH);
      const [items, aggregates] = await Promise.all([
        this.batchGet(
          chunk.flatMap((id) => [SCORE_SK, earlierSk].map((sk) => ({ pk: accountPk(id), sk }))),
        ),
        this.readAggregates(chunk, now),
      ]);
      for (const id of chunk) {
        const pk = accountPk(id);
        const current = items.get(`${pk}|${SCORE_SK}`);
        const earlier = items.get(`${pk}|${earlierSk}`);
        states.set(id, {
          aggregate: aggregates.get(id) ?? null,
          current: current ? toStoredScore(current) : null,
          earlierScore: typeof earlier?.score === "number" ? earlier.score : null,
        });
      }
    }
    return states;
  }

  /**
   * Each account's aggregate (one Query of its `AGG*` items), with its old day buckets
   * then folded into their months, which changes no fact (aggregate-layout.ts).
   */
  private async readAggregates(accountIds: readonly string[], now: number) {
    const aggregates = new Map<string, Aggregate>();
    let next = 0;
    const worker = async () => {
      while (next < accountIds.length) {
        const id = accountIds[next++] as string;
        const items = await readAggregateItems(this.db, this.table, id);
        if (items.length === 0) continue;
        aggregates.set(id, decodeAggregate(id, items));
        await foldAggregate(this.db, this.table, id, items, now);
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, accountIds.length) }, worker));
    return aggregates;
  }

  async save(next: StoredScore, expectedVersion: number | null): Promise<boolean> {
    const pk = accountPk(next.accountId);
    const { outbox, ...score } = next;
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: {
                  pk,
                  sk: SCORE_SK,
                  ...score,
                  ...(outbox.length > 0 ? { outbox } : {}),
                  tierPk: tierPk(next.tier),
                  tierSk: tierSk(next.score, next.accountId),
                },
                // A late or retried invocation never overwrites a newer score.
                ConditionExpression:
                  expectedVersion === null ? "attribute_not_exists(pk)" : "version = :expected",
                ...(expectedVersion === null
                  ? {}
                  : { ExpressionAttributeValues: { ":expected": expectedVersion } }),
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: {
                  pk,
                  sk: daySk(isoDay(next.computedAt)),
                  score: next.score,
                  tier: next.tier,
                  coverage: next.coverage,
                  modelVersion: next.modelVersion,
                  computedAt: next.computedAt,
                  [TTL_ATTRIBUTE]: Math.floor(next.computedAt / 1000) + this.historyDays * 86_400,
                },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      const reasons =
        error instanceof TransactionCanceledException ? error.CancellationReasons : undefined;
      const conflict = reasons?.some(
        (r) => r.Code === "ConditionalCheckFailed" || r.Code === "TransactionConflict",
      );
      if (conflict) return false;
      throw error;
    }
  }

  async clearOutbox(accountId: string, version: number): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: accountPk(accountId), sk: SCORE_SK },
          UpdateExpression: "REMOVE outbox",
          ConditionExpression: "version = :v",
          ExpressionAttributeValues: { ":v": version },
        }),
      )
      .catch((error: Error) => {
        // A newer score replaced this one (and its outbox) meanwhile: nothing to clear.
        if (error.name !== "ConditionalCheckFailedException") throw error;
      });
  }

  /** The items found, by `pk|sk`; a read that keeps being throttled is a StorageError. */
  private async batchGet(keys: Record<string, string>[]) {
    const items = await batchGetAll(this.db, this.table, keys, BATCH_GET_ATTEMPTS);
    return new Map(items.map((item) => [`${item.pk}|${item.sk}`, item]));
  }
}
