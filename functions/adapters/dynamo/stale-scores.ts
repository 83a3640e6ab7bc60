/**
 * DynamoDB implementation of the rescore's StaleScores port: a parallel Scan of the sparse
 * tier index (score items only), projecting just the key. Only the rescore function uses it,
 * so only its bundle and its grants hold a Scan.
 */
import { type DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { StaleScores } from "../../scoring/rescore.ts";
import { accountIdFromPk, TIER_INDEX } from "./keys.ts";

export class DynamoStaleScores implements StaleScores {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly options: { readonly tableName: string },
  ) {}

  async *staleAccounts(cutoff: number, segment: number, segments: number) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({
          TableName: this.options.tableName,
          IndexName: TIER_INDEX,
          Segment: segment,
          TotalSegments: segments,
          FilterExpression: "computedAt < :cutoff",
          ProjectionExpression: "pk",
          ExpressionAttributeValues: { ":cutoff": cutoff },
          ExclusiveStartKey: startKey,
        }),
      );
      yield (page.Items ?? []).map((item) => accountIdFromPk(String(item.pk)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}
