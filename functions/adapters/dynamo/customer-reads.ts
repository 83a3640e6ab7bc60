/**
 * DynamoDB implementation of the customer reads. A customer's score and history share its
 * partition; listings read the tier index, whose sort key is the zero-padded score and the
 * account id. Listing every tier queries each tier's partition from the same position and
 * merges them: four small queries per page, no scan, and nothing extra for the score
 * function to write.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type {
  CustomerPage,
  CustomerPosition,
  CustomerReads,
  DailyScore,
} from "../../api/customers.ts";
import type { Tier } from "../../domain/tiers.ts";
import type { StoredScore } from "../../scoring/score-accounts.ts";
import { AGGREGATE_PREFIX } from "./aggregate-layout.ts";
import { accountPk, daySk, SCORE_SK, TIER_INDEX, tierPk, tierSk } from "./keys.ts";
import { toStoredScore } from "./score-item.ts";

/** DynamoDB orders strings by their UTF-8 bytes. */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export class DynamoCustomerReads implements CustomerReads {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(db: DynamoDBDocumentClient, options: { readonly tableName: string }) {
    this.#db = db;
    this.#table = options.tableName;
  }

  async currentScore(accountId: string): Promise<StoredScore | null> {
    const out = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: { pk: accountPk(accountId), sk: SCORE_SK } }),
    );
    return out.Item ? toStoredScore(out.Item) : null;
  }

  async hasAggregate(accountId: string): Promise<boolean> {
    // Any of its `AGG*` items: a customer that only ever used the product has day buckets.
    const out = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :agg)",
        ExpressionAttributeValues: { ":pk": accountPk(accountId), ":agg": AGGREGATE_PREFIX },
        ProjectionExpression: "pk",
        Limit: 1,
      }),
    );
    return (out.Items ?? []).length > 0;
  }

  async dailyHistory(accountId: string, fromDay: string, toDay: string): Promise<DailyScore[]> {
    const days: DailyScore[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: {
            ":pk": accountPk(accountId),
            ":from": daySk(fromDay),
            ":to": daySk(toDay),
          },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        days.push({
          day: String(item.sk).slice("DAY#".length),
          score: (item.score as number | null) ?? null,
          tier: item.tier as Tier,
          coverage: Number(item.coverage ?? 0),
          modelVersion: String(item.modelVersion ?? ""),
        });
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return days;
  }

  async listByScore(
    tiers: readonly Tier[],
    limit: number,
    after: CustomerPosition | null,
  ): Promise<CustomerPage> {
    const afterSk = after ? tierSk(after.score, after.accountId) : undefined;
    // One item beyond the page from each tier tells whether another page follows.
    const pages = await Promise.all(tiers.map((tier) => this.#tierPage(tier, limit + 1, afterSk)));
    let merged = pages
      .flatMap((page) => page.items)
      .sort((a, b) => byteOrder(String(a.tierSk), String(b.tierSk)));
    // A tier whose read stopped short (DynamoDB returns at most 1 MB) vouches for the order
    // only up to its last item: the page ends there and the next one continues from it.
    const horizons = pages.flatMap((page) => (page.cutShort ? [page.lastSk] : []));
    const horizon = horizons.sort(byteOrder)[0];
    if (horizon !== undefined) {
      merged = merged.filter((item) => byteOrder(String(item.tierSk), horizon) <= 0);
    }
    const customers = merged.slice(0, limit).map(toStoredScore);
    const last = customers[customers.length - 1];
    const more = merged.length > limit || horizon !== undefined;
    return {
      customers,
      next: more && last ? { score: last.score, accountId: last.accountId } : null,
    };
  }

  async #tierPage(tier: Tier, limit: number, afterSk: string | undefined) {
    const out = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        IndexName: TIER_INDEX,
        KeyConditionExpression: afterSk ? "tierPk = :tier AND tierSk > :after" : "tierPk = :tier",
        ExpressionAttributeValues: {
          ":tier": tierPk(tier),
          ...(afterSk ? { ":after": afterSk } : {}),
        },
        ScanIndexForward: true,
        Limit: limit,
      }),
    );
    const items = out.Items ?? [];
    const last = items[items.length - 1];
    const cutShort = out.LastEvaluatedKey !== undefined && items.length < limit && last;
    return { items, cutShort: Boolean(cutShort), lastSk: String(last?.tierSk ?? "") };
  }
}
