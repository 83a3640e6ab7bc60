/**
 * DynamoDB implementation of the preview's CurrentCustomers port, read-only: a paginated
 * Scan of the sparse tier index (score items only, projected in full) gives each page of
 * current scores; a Query per customer reads its aggregate's items (never folding them).
 * Only Scan and Query are ever sent (a test records every command).
 */
import { type DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { CurrentCustomer, CurrentCustomers } from "../../../lib/preview/preview.ts";
import { decodeAggregate } from "./aggregate-layout.ts";
import { readAggregateItems } from "./aggregate-reads.ts";
import { accountIdFromPk, TIER_INDEX } from "./keys.ts";
import { toStoredScore } from "./score-item.ts";

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
      const customers: CurrentCustomer[] = [];
      for (const { accountId, current } of scores) {
        const items = await readAggregateItems(this.#db, this.#table, accountId);
        // A score without an aggregate (deleted by hand) has nothing to rescore.
        if (items.length === 0) continue;
        customers.push({ accountId, current, aggregate: decodeAggregate(accountId, items) });
      }
      if (customers.length > 0) yield customers;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}
