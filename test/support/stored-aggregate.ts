/**
 * Reads an account's stored aggregate back as the domain sees it, for tests that check
 * what webhooks wrote without knowing stored names (aggregate-layout.ts owns those).
 */
import { type DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { decodeAggregate } from "../../functions/adapters/dynamo/aggregate-layout.ts";
import { readAggregateItems } from "../../functions/adapters/dynamo/aggregate-reads.ts";
import {
  aggregateWriteItems,
  readRegisterSnapshot,
} from "../../functions/adapters/dynamo/aggregate-writes.ts";
import type { Aggregate, AggregateUpdate, Metric } from "../../functions/domain/aggregate.ts";

/** The decoded aggregate, or undefined when the account has no `AGG*` item. */
export async function storedAggregate(
  doc: DynamoDBDocumentClient,
  tableName: string,
  accountId: string,
): Promise<Aggregate | undefined> {
  const items = await readAggregateItems(doc, tableName, accountId);
  return items.length === 0 ? undefined : decodeAggregate(accountId, items);
}

/** The undecayed total of a metric over every stored day and folded month. */
export function totalOf(aggregate: Aggregate | undefined, metric: Metric): number {
  if (aggregate === undefined) return 0;
  let total = 0;
  for (const day of aggregate.days.values()) total += day.sums[metric] ?? 0;
  for (const month of aggregate.months.values()) total += month.moments[metric]?.[0] ?? 0;
  return total;
}

/**
 * A plain, ordered form of what scoring reads of an aggregate (numbers rounded to 9
 * digits), to compare two aggregates with `toEqual`.
 */
export function canonicalAggregate(aggregate: Aggregate | null | undefined): unknown {
  if (!aggregate) return aggregate;
  const sorted = <V>(map: ReadonlyMap<string | number, V>) =>
    [...map].sort(([a], [b]) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
  const plain = {
    registers: aggregate.registers,
    milestones: [...aggregate.milestones].sort(),
    features: sorted(aggregate.features),
    openTickets: sorted(aggregate.openTickets),
    failedInvoices: sorted(aggregate.failedInvoices),
    days: sorted(aggregate.days),
    months: sorted(aggregate.months),
  };
  return JSON.parse(
    JSON.stringify(plain, (_key, value) =>
      typeof value === "number" && !Number.isInteger(value) ? Number(value.toPrecision(9)) : value,
    ),
  );
}

/**
 * Applies updates to an account's stored aggregate through the real write path (register
 * read, merge, guarded writes), without an event record: for tests that seed aggregates.
 */
export async function writeUpdates(
  doc: DynamoDBDocumentClient,
  tableName: string,
  accountId: string,
  updates: readonly AggregateUpdate[],
): Promise<void> {
  const snapshot = await readRegisterSnapshot(doc, tableName, accountId, updates, 3);
  const items = aggregateWriteItems(tableName, accountId, updates, snapshot);
  await doc.send(new TransactWriteCommand({ TransactItems: items }));
}
