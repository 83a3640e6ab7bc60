/**
 * DynamoDB implementation of the scoring ports. Reads each customer's aggregate (a Query of
 * its `AGG*` items, then folds old days: aggregate-reads.ts), and its current score and the
 * history snapshot of the drop window in one BatchGetItem per 33 customers;
 * writes today's snapshot and the score, conditional on the version read (see `save`).
 *
 * The score item carries when it is next due (`dueAt`) and, only when it belongs in the due
 * index (due.ts `inDueIndex`), its shard `duePk`: the keys of the sparse index that
 * `due-scores.ts` queries (the day's sweep finds the others). They live on the score item rather than an item
 * of their own because almost every score written moves them anyway: a separate item would
 * add a write unit to every score written (by a webhook, or by a rescore that changed
 * something) and save one only on a kept rescore, whose update of the score item also
 * rewrites its tier index entry. `npm run bench -- rescore` measured 0.90 written and 0.10
 * kept scores per customer and day.
 */
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Aggregate } from "../../domain/aggregate.ts";
import { inDueIndex, nextDayStart } from "../../domain/due.ts";
import { isoDay } from "../../domain/time.ts";
import type { AccountState, ScoreStore, StoredScore } from "../../scoring/score-accounts.ts";
import { decodeAggregate } from "./aggregate-layout.ts";
import { foldAggregate, readAggregateItems } from "./aggregate-reads.ts";
import { historyItem } from "./history-item.ts";
import { accountPk, daySk, duePk, dueShard, SCORE_SK, tierPk, tierSk } from "./keys.ts";
import { toScoreItem, toStoredScore } from "./score-item.ts";
import { batchGetAll } from "./transactions.ts";

const DAY_MS = 86_400_000;
/** BatchGetItem takes 100 keys; each customer needs 3. */
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

  /**
   * Two single-item writes, not a transaction (which bills each item twice): today's history
   * point first, unless a newer version already wrote it; then the score, conditional on the
   * version read. A score whose write failed or never came stays due (its `dueAt` did not
   * move), so a retry or the next rescore writes both again; a point left by a writer that
   * lost the race has the winner's version and is replaced by the winner's or the loser's
   * retry. The outbox lives on the score item, so events stay exactly once.
   */
  async save(
    next: StoredScore,
    expectedVersion: number | null,
    dueAt = nextDayStart(next.computedAt),
  ): Promise<boolean> {
    if (!(await this.putPoint(next, next.computedAt))) return false;
    const written = await this.db
      .send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...toScoreItem(next),
            tierPk: tierPk(next.tier),
            tierSk: tierSk(next.score, next.accountId),
            dueAt,
            ...(inDueIndex(dueAt, next.computedAt)
              ? { duePk: duePk(dueShard(next.accountId)) }
              : {}),
          },
          // A late or retried invocation never overwrites a newer score.
          ConditionExpression:
            expectedVersion === null ? "attribute_not_exists(pk)" : "version = :expected",
          ...(expectedVersion === null
            ? {}
            : { ExpressionAttributeValues: { ":expected": expectedVersion } }),
        }),
      )
      .then(() => true, unlessConditionFailed);
    return written;
  }

  /**
   * The due time and when it was kept (`lookedAt`: the dashboard counts the score in that
   * day's average) on the score item, if its version is still the one read; then today's
   * history point, unless a newer version wrote it meanwhile (and then that one stands).
   */
  async keep(current: StoredScore, now: number, dueAt: number): Promise<boolean> {
    const indexed = inDueIndex(dueAt, now);
    const moved = await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: accountPk(current.accountId), sk: SCORE_SK },
          // When it was kept: the dashboard counts it in that day's average.
          UpdateExpression: indexed
            ? "SET dueAt = :due, lookedAt = :now, duePk = :shard"
            : "SET dueAt = :due, lookedAt = :now REMOVE duePk",
          ConditionExpression: "version = :v",
          ExpressionAttributeValues: {
            ":due": dueAt,
            ":now": now,
            ":v": current.version,
            ...(indexed ? { ":shard": duePk(dueShard(current.accountId)) } : {}),
          },
        }),
      )
      .then(() => true, unlessConditionFailed);
    if (moved) await this.putPoint(current, now);
    return moved;
  }

  /** Writes the history point of `score` as of `at`; false when a newer version's is there. */
  private async putPoint(score: StoredScore, at: number): Promise<boolean> {
    return this.db
      .send(
        new PutCommand({
          TableName: this.table,
          Item: this.historyPoint(score, at),
          ConditionExpression: "attribute_not_exists(version) OR version <= :v",
          ExpressionAttributeValues: { ":v": score.version },
        }),
      )
      .then(() => true, unlessConditionFailed);
  }

  /**
   * The daily history item of `score` as of `at` (the last score of that UTC day). It
   * carries the score's version, so a kept score never overwrites a newer one's point.
   */
  private historyPoint(score: StoredScore, at: number) {
    return {
      ...historyItem({ ...score, computedAt: at }, this.historyDays),
      version: score.version,
    };
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

/** A write refused by its condition (another writer won) is false; anything else throws. */
function unlessConditionFailed(error: Error): false {
  if (error.name !== "ConditionalCheckFailedException") throw error;
  return false;
}
