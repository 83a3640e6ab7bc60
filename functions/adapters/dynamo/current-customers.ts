/**
 * DynamoDB implementation of the preview's CurrentCustomers port, read-only: a paginated
 * Scan of the sparse tier index (score items only, projected in full) gives each page of
 * current scores; BatchGets (100 keys each, unprocessed keys retried) read their aggregates. Only Scan and BatchGet are
 * ever sent (a test records every command).
 */
import { type DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { CurrentCustomer, CurrentCustomers } from "../../../lib/preview/preview.ts";
import { aggregateFromItem } from "./aggregate-item.ts";
import { AGGREGATE_SK, accountIdFromPk, accountPk, TIER_INDEX } from "./keys.ts";
import { toStoredScore } from "./score-item.ts";
import { batchGetAll } from "./transactions.ts";

/** Attempts of a BatchGet's unprocessed keys before a StorageError (as the score store). */
const BATCH_GET_ATTEMPTS = 9;

export class DynamoCurrentCustomers implements CurrentCustomers {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #pageSize: number | undefined;

  constructor(
    db: DynamoDBDocumentClient,
    options: { readonly tableName: string; readonly pageSize?: number },
  ) {
    this.#db = db;
    this.#table = options.tableName;
    this.#pageSize = options.pageSize;
  }

  async *pages(): AsyncIterable<readonly CurrentCustomer[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#db.send(
        new ScanCommand({
          TableName: this.#table,
          IndexName: TIER_INDEX,
          ExclusiveStartKey: startKey,
          Limit: this.#pageSize,
        }),
      );
      const scores = (page.Items ?? []).map((item) => ({
        accountId: accountIdFromPk(String(item.pk)),
        current: toStoredScore(item),
      }));
      const aggregates = await this.#aggregates(scores.map((s) => s.accountId));
      const customers: CurrentCustomer[] = [];
      for (const { accountId, current } of scores) {
        const item = aggregates.get(accountId);
        // A score without an aggregate (deleted by hand) has nothing to rescore.
        if (item === undefined) continue;
        customers.push({ accountId, current, aggregate: aggregateFromItem(accountId, item) });
      }
      if (customers.length > 0) yield customers;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async #aggregates(accountIds: readonly string[]) {
    const keys = accountIds.map((id) => ({ pk: accountPk(id), sk: AGGREGATE_SK }));
    const items = await batchGetAll(this.#db, this.#table, keys, BATCH_GET_ATTEMPTS);
    return new Map(items.map((item) => [accountIdFromPk(String(item.pk)), item]));
  }
}
