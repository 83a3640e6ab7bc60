/**
 * DynamoDB implementation of the rescore's DueScores port: a Query of one shard of the sparse
 * due index (score items only, KEYS_ONLY) for `dueAt <= now`. Reading only what is due costs
 * a few read units a run, however many customers there are; only the rescore function's
 * bundle, and grants, hold it.
 */
import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { DueScores } from "../../scoring/rescore.ts";
import { accountIdFromPk, DUE_INDEX, DUE_SHARDS, duePk } from "./keys.ts";

export class DynamoDueScores implements DueScores {
  readonly shards = DUE_SHARDS;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly options: { readonly tableName: string },
  ) {}

  async *dueAccounts(now: number, shard: number) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: DUE_INDEX,
          KeyConditionExpression: "duePk = :shard AND dueAt <= :now",
          ExpressionAttributeValues: { ":shard": duePk(shard), ":now": now },
          ProjectionExpression: "pk",
          ExclusiveStartKey: startKey,
        }),
      );
      yield (page.Items ?? []).map((item) => accountIdFromPk(String(item.pk)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}
