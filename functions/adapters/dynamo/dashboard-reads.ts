/**
 * DynamoDB implementation of the dashboard reads. The portfolio is one Query of its scope's
 * summary partition (totals and 90 days) and a GetItem of the filter values; "needs
 * attention" reads the tier index for the lowest-scored critical and at-risk customers and
 * their rows; the customers table reads the rows (8 partitions, ~0.3 KB a customer), again
 * only once a row changed (`rows`).
 * Reads are eventually consistent (half the cost; a page a second behind is fine), but for
 * the rows the customers table keeps (`rows`).
 */
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { DailyScore } from "../../api/customers.ts";
import type { AlertItem, CustomerPage } from "../../dashboard/contract.ts";
import type {
  AlertPosition,
  Counters,
  DashboardReads,
  FilterValues,
  ScopeSummary,
  ScoreDetail,
} from "../../dashboard/reads.ts";
import { ALL_SCOPE, type DashboardRow } from "../../dashboard/summary.ts";
import type { Tier } from "../../domain/tiers.ts";
import { isoDay } from "../../domain/time.ts";
import {
  ALERT_PREFIX,
  ALERTS_PK,
  FEED_PREFIX,
  ROW_SHARDS,
  ROW_WRITES,
  rowKey,
  rowPk,
  SUMMARY_NOW_SK,
  summaryDaySk,
  summaryPk,
} from "./dashboard-keys.ts";
import { dayFromItem, rowFromItem } from "./dashboard-rows.ts";
import {
  accountIdFromPk,
  accountPk,
  daySk,
  SCORE_SK,
  TIER_INDEX,
  TTL_ATTRIBUTE,
  tierPk,
} from "./keys.ts";
import { toStoredScore } from "./score-item.ts";
import { StorageError } from "./storage-error.ts";
import { backoff, sleep } from "./transactions.ts";

const NOT_COUNTERS = new Set([
  "pk",
  "sk",
  TTL_ATTRIBUTE,
  "segments",
  "owners",
  "currency",
  ROW_WRITES,
]);

function countersOf(item: Record<string, unknown>): Counters {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(item)) {
    if (!NOT_COUNTERS.has(key) && typeof value === "number") out[key] = value;
  }
  return out;
}

function alertOf(item: Record<string, unknown>): AlertItem {
  return {
    at: String(item.at),
    accountId: String(item.accountId),
    displayName: String(item.displayName ?? item.accountId),
    kind: item.kind as AlertItem["kind"],
    previousTier: (item.previousTier as Tier | null) ?? null,
    tier: item.tier as Tier,
    score: typeof item.score === "number" ? item.score : null,
    text: String(item.text ?? ""),
  };
}

export interface DashboardReadsOptions {
  readonly tableName: string;
  /** Least time between two reads of every row (see `rows`). @default 5_000 */
  readonly rowsRefreshMs?: number;
  readonly now?: () => number;
}

export class DynamoDashboardReads implements DashboardReads {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #rowsRefreshMs: number;
  readonly #now: () => number;
  /** The rows last read, with the count of row writes read just before them. */
  #rows: { rows: DashboardRow[]; written: string; readAt: number } | null = null;

  constructor(db: DynamoDBDocumentClient, options: DashboardReadsOptions) {
    this.#db = db;
    this.#table = options.tableName;
    this.#rowsRefreshMs = options.rowsRefreshMs ?? 5_000;
    this.#now = options.now ?? Date.now;
  }

  async summary(scope: string, fromDay: string): Promise<ScopeSummary> {
    const items = await this.#queryAll({
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :now",
      ExpressionAttributeValues: {
        ":pk": summaryPk(scope),
        ":from": summaryDaySk(fromDay),
        ":now": SUMMARY_NOW_SK,
      },
    });
    let totals: Counters = {};
    const days = new Map<string, Counters>();
    for (const item of items) {
      if (item.sk === SUMMARY_NOW_SK) totals = countersOf(item);
      else days.set(String(item.sk).slice("DAY#".length), countersOf(item));
    }
    return { totals, days };
  }

  async filterValues(): Promise<FilterValues> {
    const out = await this.#db.send(
      new GetCommand({
        TableName: this.#table,
        Key: { pk: summaryPk(ALL_SCOPE), sk: SUMMARY_NOW_SK },
        ProjectionExpression: "#segments, #owners, #currency",
        ExpressionAttributeNames: {
          "#segments": "segments",
          "#owners": "owners",
          "#currency": "currency",
        },
      }),
    );
    const item = out.Item ?? {};
    const list = (value: unknown) => (value instanceof Set ? [...value].map(String) : []);
    return {
      segments: list(item.segments),
      owners: list(item.owners),
      currency: typeof item.currency === "string" ? item.currency : null,
    };
  }

  async lowestOf(tiers: readonly ("critical" | "at-risk")[], perTier: number) {
    const pages = await Promise.all(
      tiers.map((tier) =>
        this.#db.send(
          new QueryCommand({
            TableName: this.#table,
            IndexName: TIER_INDEX,
            KeyConditionExpression: "tierPk = :tier",
            ExpressionAttributeValues: { ":tier": tierPk(tier) },
            ProjectionExpression: "pk",
            ScanIndexForward: true,
            Limit: perTier,
          }),
        ),
      ),
    );
    const ids = pages.flatMap((p) => (p.Items ?? []).map((i) => accountIdFromPk(String(i.pk))));
    const items = await this.#batchGet(ids.map(rowKey));
    return items.map(rowFromItem);
  }

  /**
   * The customers table filters and sorts every row, so reading them all for each page view
   * would cost page views × customers (~400 read units a view at 10,000 customers). An
   * instance keeps the rows it read and reads them again only when the projection wrote a
   * row since (the count of row writes, one small read, tells), and then at most once per
   * `rowsRefreshMs`: while scores keep changing, a view may show rows that old (open pages
   * get every score live anyway).
   */
  async rows(): Promise<DashboardRow[]> {
    const day = isoDay(this.#now());
    const out = await this.#db.send(
      new GetCommand({
        TableName: this.#table,
        Key: { pk: summaryPk(ALL_SCOPE), sk: summaryDaySk(day) },
        ProjectionExpression: "#rows",
        ExpressionAttributeNames: { "#rows": ROW_WRITES },
      }),
    );
    const written = `${day}:${Number(out.Item?.[ROW_WRITES] ?? 0)}`;
    const kept = this.#rows;
    if (kept && (kept.written === written || this.#now() - kept.readAt < this.#rowsRefreshMs)) {
      return kept.rows;
    }
    // The count is read before the rows: a row written meanwhile makes the next view read
    // again. The rows are read strongly consistent: rows a moment behind the count would be
    // kept until the next row write, however long that takes.
    const readAt = this.#now();
    const shards = await Promise.all(
      Array.from({ length: ROW_SHARDS }, (_, shard) =>
        this.#queryAll({
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": rowPk(shard) },
          ConsistentRead: true,
        }),
      ),
    );
    const rows = shards.flat().map(rowFromItem);
    this.#rows = { rows, written, readAt };
    return rows;
  }

  async row(accountId: string): Promise<DashboardRow | null> {
    const out = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: rowKey(accountId) }),
    );
    return out.Item ? rowFromItem(out.Item) : null;
  }

  async scoresOn(accountIds: readonly string[], day: string) {
    const items = await this.#batchGet(
      accountIds.map((id) => ({ pk: accountPk(id), sk: daySk(day) })),
    );
    const out = new Map<string, number | null>();
    for (const item of items) {
      out.set(accountIdFromPk(String(item.pk)), typeof item.score === "number" ? item.score : null);
    }
    return out;
  }

  async history(accountId: string, fromDay: string, toDay: string): Promise<DailyScore[]> {
    const items = await this.#queryAll({
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: {
        ":pk": accountPk(accountId),
        ":from": daySk(fromDay),
        ":to": daySk(toDay),
      },
    });
    return items.map(dayFromItem);
  }

  async scoreDetail(accountId: string): Promise<ScoreDetail | null> {
    const out = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: { pk: accountPk(accountId), sk: SCORE_SK } }),
    );
    if (!out.Item) return null;
    // Scores stored before flags and standing drivers existed have neither: [].
    const score = toStoredScore(out.Item);
    return {
      score,
      holdingDown: score.holdingDown,
      flags: score.flags.map(({ name, tier, reason }) => ({ name, tier, reason })),
    };
  }

  async events(accountId: string, limit: number): Promise<CustomerPage["events"]> {
    const items = await this.#newest(accountPk(accountId), FEED_PREFIX, limit);
    return items.map((i) => ({ at: String(i.at), source: String(i.source), text: String(i.text) }));
  }

  async accountAlerts(accountId: string, limit: number): Promise<AlertItem[]> {
    return (await this.#newest(accountPk(accountId), ALERT_PREFIX, limit)).map(alertOf);
  }

  async alerts(limit: number, after: AlertPosition | null) {
    const out = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: after ? "pk = :pk AND sk < :after" : "pk = :pk",
        ExpressionAttributeValues: { ":pk": ALERTS_PK, ...(after ? { ":after": after } : {}) },
        ScanIndexForward: false,
        Limit: limit + 1,
      }),
    );
    const items = out.Items ?? [];
    const page = items.slice(0, limit);
    const last = page[page.length - 1];
    const more =
      items.length > limit || (out.LastEvaluatedKey !== undefined && page.length === limit);
    return { items: page.map(alertOf), next: more && last ? String(last.sk) : null };
  }

  async #newest(pk: string, prefix: string, limit: number) {
    const out = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": pk, ":prefix": prefix },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return out.Items ?? [];
  }

  async #queryAll(input: Omit<QueryCommandInput, "TableName">) {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.#db.send(
        new QueryCommand({ ...input, TableName: this.#table, ExclusiveStartKey: start }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Eventually consistent BatchGetItem of up to any number of keys; unprocessed keys again. */
  async #batchGet(keys: readonly Record<string, string>[]) {
    const items: Record<string, unknown>[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let request = keys.slice(i, i + 100);
      for (let attempt = 1; request.length > 0; attempt++) {
        if (attempt > 1) await sleep(backoff(attempt));
        const out = await this.#db.send(
          new BatchGetCommand({ RequestItems: { [this.#table]: { Keys: request } } }),
        );
        items.push(...(out.Responses?.[this.#table] ?? []));
        request = (out.UnprocessedKeys?.[this.#table]?.Keys as typeof request | undefined) ?? [];
        if (attempt >= 9 && request.length > 0)
          throw new StorageError("reads kept being throttled");
      }
    }
    return items;
  }
}
