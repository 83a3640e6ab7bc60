/**
 * Reading an account's aggregate (one Query of its `AGG*` items) and folding its old day
 * buckets into their months (month-folds.ts `planFold`). Shared by scoring, which
 * folds after reading, and by the read-only tools, which only read.
 */
import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { logger } from "../powertools.ts";
import { AGGREGATE_PREFIX, type Item, VERSION } from "./aggregate-layout.ts";
import { accountPk } from "./keys.ts";
import { type DropStep, type FoldStep, planFold } from "./month-folds.ts";
import { MAX_TRANSACTION_ITEMS, type TransactItem, transactionCodes } from "./transactions.ts";

/** Every `AGG*` item of an account (state, day buckets, months), consistently read. */
export async function readAggregateItems(
  db: DynamoDBDocumentClient,
  table: string,
  accountId: string,
  consistent = true,
): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :agg)",
        ExpressionAttributeValues: { ":pk": accountPk(accountId), ":agg": AGGREGATE_PREFIX },
        ConsistentRead: consistent,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** A condition that the item is still at the version read (absent when `version` is null). */
function atVersion(version: number | null) {
  if (version === null) return { ConditionExpression: "attribute_not_exists(pk)" };
  return {
    // Items written before versions (or by replay) have none: they read as version 0. The
    // item must still exist: a bucket another fold took meanwhile is not taken twice.
    ConditionExpression:
      version === 0 ? "attribute_exists(pk) AND (attribute_not_exists(#v) OR #v = :v)" : "#v = :v",
    ExpressionAttributeNames: { "#v": VERSION },
    ExpressionAttributeValues: { ":v": version },
  };
}

function foldItems(table: string, pk: string, step: FoldStep): TransactItem[] {
  return [
    { Put: { TableName: table, Item: step.month, ...atVersion(step.monthVersion) } },
    ...step.days.map(
      (day): TransactItem => ({
        Delete: { TableName: table, Key: { pk, sk: day.sk }, ...atVersion(day.version) },
      }),
    ),
  ];
}

const dropItem = (table: string, pk: string, step: DropStep): TransactItem => ({
  Delete: { TableName: table, Key: { pk, sk: step.sk }, ...atVersion(step.version) },
});

/**
 * Moves what is due at `now` (planFold), one month per transaction. A step that meets a
 * concurrent write is left for the next scoring: folding changes no fact, so nothing
 * waits on it. Returns the number of steps written.
 */
export async function foldAggregate(
  db: DynamoDBDocumentClient,
  table: string,
  accountId: string,
  items: readonly Item[],
  now: number,
): Promise<number> {
  const pk = accountPk(accountId);
  const { folds, drops } = planFold(accountId, items, now);
  let written = 0;
  const run = async (transaction: TransactItem[]) => {
    try {
      const codes = await transactionCodes(db, transaction);
      if (codes === null) written++;
      return codes === null;
    } catch (error) {
      logger.warn("fold left for the next scoring", { accountId, error: (error as Error).message });
      return false;
    }
  };
  // At most a month of days (32 items) per fold.
  let folded = true;
  for (const step of folds) folded = (await run(foldItems(table, pk, step))) && folded;
  // Drops only once every fold went through: the first month kept carries the dropped
  // months' newest MRR forward, and must hold it before they go.
  if (folded) {
    for (let i = 0; i < drops.length; i += MAX_TRANSACTION_ITEMS) {
      await run(drops.slice(i, i + MAX_TRANSACTION_ITEMS).map((step) => dropItem(table, pk, step)));
    }
  }
  return written;
}
