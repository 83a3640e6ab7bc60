/**
 * DynamoDB implementation of the rescore's DueScores port: a Query of one shard of the sparse
 * due index (score items only, KEYS_ONLY) for `dueAt <= now`. Reading only what is due costs
 * a few read units a run, however many customers there are. After a model change (or the
 * first deploy of due times) a parallel Scan of the tier index finds the scores of another
 * model or without a due time, once; a small item records the model swept to. Only the rescore function's bundle,
 * and grants, hold these.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  type ScanCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { DueScores } from "../../scoring/rescore.ts";
import {
  accountIdFromPk,
  DUE_INDEX,
  DUE_SHARDS,
  duePk,
  MODEL_SWEEP_KEY,
  TIER_INDEX,
} from "./keys.ts";

export class DynamoDueScores implements DueScores {
  readonly shards = DUE_SHARDS;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly options: { readonly tableName: string },
  ) {}

  dueAccounts(now: number, shard: number) {
    return this.pages((ExclusiveStartKey) =>
      this.db.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: DUE_INDEX,
          KeyConditionExpression: "duePk = :shard AND dueAt <= :now",
          ExpressionAttributeValues: { ":shard": duePk(shard), ":now": now },
          ProjectionExpression: "pk",
          ExclusiveStartKey,
        }),
      ),
    );
  }

  unsweptAccounts(modelVersion: string, shard: number) {
    const input: ScanCommandInput = {
      TableName: this.options.tableName,
      IndexName: TIER_INDEX,
      Segment: shard,
      TotalSegments: DUE_SHARDS,
      FilterExpression: "modelVersion <> :model OR attribute_not_exists(dueAt)",
      ProjectionExpression: "pk",
      ExpressionAttributeValues: { ":model": modelVersion },
    };
    return this.pages((ExclusiveStartKey) =>
      this.db.send(new ScanCommand({ ...input, ExclusiveStartKey })),
    );
  }

  async sweptModel(): Promise<string | null> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: MODEL_SWEEP_KEY,
        ConsistentRead: true,
      }),
    );
    return typeof out.Item?.modelVersion === "string" ? out.Item.modelVersion : null;
  }

  async markSwept(modelVersion: string): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { ...MODEL_SWEEP_KEY, modelVersion, sweptAt: new Date().toISOString() },
      }),
    );
  }

  /** Account ids, page by page, of a paged read. */
  private async *pages(
    read: (
      startKey: Record<string, unknown> | undefined,
    ) => Promise<{ Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }>,
  ) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await read(startKey);
      yield (page.Items ?? []).map((item) => accountIdFromPk(String(item.pk)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}
