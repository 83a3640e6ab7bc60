/**
 * Writes the portfolio's past days (functions/dashboard/past-days.ts) from every customer's
 * daily history: each dashboard row's customer, its points of the last `AVERAGE_DAYS` days
 * before today (one Query each), then one item per scope and day. Today and later stay the
 * projection's. Run after a rebuild of history (replay, import, the demo), with the
 * deployer's credentials: it reads every customer once.
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { type CustomerDays, pastDays } from "../../dashboard/past-days.ts";
import { AVERAGE_DAYS } from "../../dashboard/portfolio.ts";
import type { DashboardRow } from "../../dashboard/summary.ts";
import { isoDay } from "../../domain/time.ts";
import { ROW_SHARDS, rowPk, summaryDaySk, summaryPk } from "./dashboard-keys.ts";
import { DASHBOARD_KEEP_DAYS } from "./dashboard-projection.ts";
import { dayFromItem, rowFromItem } from "./dashboard-rows.ts";
import { accountPk, daySk, TTL_ATTRIBUTE } from "./keys.ts";

const DAY_MS = 86_400_000;
const PARALLEL = 8;

export async function writePastDays(
  db: DynamoDBDocumentClient,
  tableName: string,
  now: number,
): Promise<{ customers: number; items: number }> {
  const queryAll = async (input: Record<string, unknown>) => {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await db.send(
        new QueryCommand({ ...input, TableName: tableName, ExclusiveStartKey: start } as never),
      );
      items.push(...((out.Items ?? []) as Record<string, unknown>[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  };
  const shards = await Promise.all(
    Array.from({ length: ROW_SHARDS }, (_, shard) =>
      queryAll({
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": rowPk(shard) },
      }),
    ),
  );
  const rows: DashboardRow[] = shards.flat().map(rowFromItem);
  const today = isoDay(now);
  const from = isoDay(now - AVERAGE_DAYS * DAY_MS);
  const customers: CustomerDays[] = [];
  await inParallel(rows, async (row) => {
    const points = await queryAll({
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: {
        ":pk": accountPk(row.accountId),
        ":from": daySk(from),
        ":to": daySk(today),
      },
    });
    customers.push({ segment: row.segment, owner: row.owner, points: points.map(dayFromItem) });
  });
  const items = [...pastDays(customers, today)].flatMap(([scope, days]) =>
    [...days].map(([day, counters]) => ({
      pk: summaryPk(scope),
      sk: summaryDaySk(day),
      ...counters,
      // As the projection's days: kept DASHBOARD_KEEP_DAYS from their day.
      [TTL_ATTRIBUTE]: Math.floor(Date.parse(day) / 1000) + DASHBOARD_KEEP_DAYS * 86_400,
    })),
  );
  await inParallel(items, (Item) => db.send(new PutCommand({ TableName: tableName, Item })));
  return { customers: rows.length, items: items.length };
}

async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}
