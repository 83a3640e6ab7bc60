/**
 * DynamoDB implementation of the dashboard projection: rows and billing read in one
 * BatchGetItem, rows and summary counters written in one transaction (each row on the
 * condition that its version is still the one read; counters with ADD, the count of row
 * writes too), alerts and event log lines written by key (PutItem; writing one again is
 * harmless).
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import type { AlertRecord, FeedEntry, ProjectionStore, RowWrite } from "../../dashboard/project.ts";
import { NO_BILLING } from "../../dashboard/project.ts";
import {
  ALL_SCOPE,
  type Billing,
  type DashboardRow,
  type SummaryDelta,
} from "../../dashboard/summary.ts";
import { isoDay } from "../../domain/time.ts";
import { registerName } from "./aggregate-layout.ts";
import {
  ALERTS_PK,
  accountAlertSk,
  alertFeedSk,
  feedSk,
  ROW_WRITES,
  rowKey,
  SUMMARY_NOW_SK,
  summaryDaySk,
  summaryPk,
} from "./dashboard-keys.ts";
import { rowFromItem } from "./dashboard-rows.ts";
import { AGGREGATE_SK, accountPk, TTL_ATTRIBUTE } from "./keys.ts";
import { backoff, batchGetAll, sleep, type TransactItem } from "./transactions.ts";

/** Days a summary day, an event log line and an alert are kept. */
export const DASHBOARD_KEEP_DAYS = 100;
const DAY_S = 86_400;

export class DynamoProjectionStore implements ProjectionStore {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #now: () => number;

  constructor(
    db: DynamoDBDocumentClient,
    options: { readonly tableName: string; readonly now?: () => number },
  ) {
    this.#db = db;
    this.#table = options.tableName;
    this.#now = options.now ?? Date.now;
  }

  async load(accountIds: readonly string[]) {
    const keys = accountIds.flatMap((id) => [rowKey(id), { pk: accountPk(id), sk: AGGREGATE_SK }]);
    const items = await batchGetAll(this.#db, this.#table, keys, 9);
    const byKey = new Map(items.map((item) => [`${item.pk}|${item.sk}`, item]));
    const out = new Map<string, { row: DashboardRow | null; billing: Billing }>();
    for (const id of accountIds) {
      const k = rowKey(id);
      const row = byKey.get(`${k.pk}|${k.sk}`);
      const aggregate = byKey.get(`${accountPk(id)}|${AGGREGATE_SK}`);
      out.set(id, {
        row: row ? rowFromItem(row) : null,
        billing: aggregate ? billingOf(aggregate) : NO_BILLING,
      });
    }
    return out;
  }

  async commit(rows: readonly RowWrite[], delta: SummaryDelta): Promise<boolean> {
    const items: TransactItem[] = rows.map(({ row, replaces }) => ({
      Put: {
        TableName: this.#table,
        Item: { ...rowKey(row.accountId), ...row },
        // The day too: a kept score moves a row's day without changing its version.
        ...(replaces === null
          ? { ConditionExpression: "attribute_not_exists(pk)" }
          : {
              ConditionExpression: "version = :version AND #day = :day",
              ExpressionAttributeNames: { "#day": "day" },
              ExpressionAttributeValues: { ":version": replaces.version, ":day": replaces.day },
            }),
      },
    }));
    const expires = Math.floor(this.#now() / 1000) + DASHBOARD_KEEP_DAYS * DAY_S;
    // The count of row writes rides on today's "all" day item, which nearly every commit
    // updates anyway: readers keep the rows while it holds (DynamoDashboardReads.rows).
    const countDay = isoDay(this.#now());
    let counted = rows.length === 0;
    let allNow = false;
    for (const { item, add } of delta.items()) {
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = {};
      const adds: string[] = [];
      let i = 0;
      for (const [name, amount] of add) {
        names[`#a${i}`] = name;
        values[`:a${i}`] = amount;
        adds.push(`#a${i} :a${i}`);
        i++;
      }
      const sets: string[] = [];
      if (item.day !== null) {
        names["#ttl"] = TTL_ATTRIBUTE;
        values[":ttl"] = expires;
        sets.push("#ttl = if_not_exists(#ttl, :ttl)");
      }
      if (item.scope === ALL_SCOPE && item.day === null) {
        allNow = true;
        addFilterValues(delta, names, values, adds, sets);
      }
      if (item.scope === ALL_SCOPE && item.day === countDay && !counted) {
        addRowWrites(rows.length, names, values, adds);
        counted = true;
      }
      items.push(updateOf(this.#table, item.scope, item.day, adds, sets, names, values));
    }
    if (!allNow && (delta.segments.size > 0 || delta.owners.size > 0 || delta.currency)) {
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = {};
      const adds: string[] = [];
      const sets: string[] = [];
      addFilterValues(delta, names, values, adds, sets);
      items.push(updateOf(this.#table, ALL_SCOPE, null, adds, sets, names, values));
    }
    if (!counted) {
      const names: Record<string, string> = { "#ttl": TTL_ATTRIBUTE };
      const values: Record<string, unknown> = { ":ttl": expires };
      const adds: string[] = [];
      addRowWrites(rows.length, names, values, adds);
      const sets = ["#ttl = if_not_exists(#ttl, :ttl)"];
      items.push(updateOf(this.#table, ALL_SCOPE, countDay, adds, sets, names, values));
    }
    if (items.length === 0) return true;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#db.send(new TransactWriteCommand({ TransactItems: items }));
        return true;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const codes = (error.CancellationReasons ?? []).map((r) => r.Code);
        if (codes.includes("ConditionalCheckFailed")) return false; // a row moved on: re-read
        // Another invocation updated the same counters at the same moment: try again.
        if (codes.includes("TransactionConflict") && attempt < 6) {
          await sleep(backoff(attempt));
          continue;
        }
        if (codes.includes("TransactionConflict")) return false;
        throw error;
      }
    }
  }

  async putAlerts(alerts: readonly AlertRecord[]): Promise<void> {
    const expires = Math.floor(this.#now() / 1000) + DASHBOARD_KEEP_DAYS * DAY_S;
    const puts = alerts.flatMap((alert) => {
      const { eventId, ...item } = alert;
      return [
        { pk: accountPk(alert.accountId), sk: accountAlertSk(alert.at, eventId), ...item },
        { pk: ALERTS_PK, sk: alertFeedSk(alert.at, eventId), ...item },
      ].map((Item) => ({ ...Item, eventId, [TTL_ATTRIBUTE]: expires }));
    });
    await this.#putAll(puts);
  }

  async putFeed(entries: readonly FeedEntry[]): Promise<void> {
    const expires = Math.floor(this.#now() / 1000) + DASHBOARD_KEEP_DAYS * DAY_S;
    await this.#putAll(
      entries.map((e) => ({
        pk: accountPk(e.accountId),
        sk: feedSk(e.occurredAt, e.source, e.eventId),
        at: new Date(e.occurredAt).toISOString(),
        source: e.source,
        text: e.text,
        [TTL_ATTRIBUTE]: expires,
      })),
    );
  }

  /** Puts items, 10 at a time (no BatchWriteItem: no function of this app may use it). */
  async #putAll(items: readonly Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < items.length; i += 10) {
      await Promise.all(
        items
          .slice(i, i + 10)
          .map((Item) => this.#db.send(new PutCommand({ TableName: this.#table, Item }))),
      );
    }
  }
}

function addFilterValues(
  delta: SummaryDelta,
  names: Record<string, string>,
  values: Record<string, unknown>,
  adds: string[],
  sets: string[],
) {
  if (delta.segments.size > 0) {
    names["#segments"] = "segments";
    values[":segments"] = new Set(delta.segments);
    adds.push("#segments :segments");
  }
  if (delta.owners.size > 0) {
    names["#owners"] = "owners";
    values[":owners"] = new Set(delta.owners);
    adds.push("#owners :owners");
  }
  if (delta.currency !== null) {
    names["#currency"] = "currency";
    values[":currency"] = delta.currency;
    sets.push("#currency = :currency");
  }
}

/** Adds `n` to the count of row writes (ROW_WRITES) of the item being updated. */
function addRowWrites(
  n: number,
  names: Record<string, string>,
  values: Record<string, unknown>,
  adds: string[],
) {
  names["#rows"] = ROW_WRITES;
  values[":rows"] = n;
  adds.push("#rows :rows");
}

function updateOf(
  table: string,
  scope: string,
  day: string | null,
  adds: readonly string[],
  sets: readonly string[],
  names: Record<string, string>,
  values: Record<string, unknown>,
): TransactItem {
  const expression = [
    adds.length > 0 ? `ADD ${adds.join(", ")}` : "",
    sets.length > 0 ? `SET ${sets.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join(" ");
  return {
    Update: {
      TableName: table,
      Key: { pk: summaryPk(scope), sk: day === null ? SUMMARY_NOW_SK : summaryDaySk(day) },
      UpdateExpression: expression,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** MRR, currency and renewal from the aggregate's subscription register. */
export function billingOf(aggregate: Record<string, unknown>): Billing {
  const sub = aggregate[registerName("subscription")] as Record<string, unknown> | undefined;
  if (!sub) return NO_BILLING;
  const renews = typeof sub.renewsAt === "number" ? sub.renewsAt : null;
  // A canceled subscription brings no revenue; one set to cancel still does until it ends.
  const ended = sub.status === "canceled" || sub.status === "incomplete_expired";
  return {
    mrr: typeof sub.mrr === "number" && !ended ? sub.mrr : 0,
    currency: typeof sub.currency === "string" ? sub.currency : null,
    renewsAt: renews === null ? null : new Date(renews).toISOString(),
  };
}
