/**
 * DynamoDB implementation of the rescore's DueScores port.
 * - Within a day: a Query of one shard of the sparse due index (score items due before the
 *   next day start only, KEYS_ONLY) for `dueAt <= now`: a few read units a run, however many
 *   customers there are.
 * - The sweep (first run of a day, or a new model): a parallel Scan of the tier index, one
 *   segment per shard, for scores due, of another model, or without a due time. The index
 *   holds the small score items, so it costs ~0.1 read unit per customer (eventually
 *   consistent). A small item records the last complete sweep.
 * Of the functions, only the rescore's bundle and grants hold these (`npm run preview` reads
 * the sweep record).
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  type ScanCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { UsageImpacts } from "../../domain/model.ts";
import type { DueScores, Sweep } from "../../scoring/rescore.ts";
import { accountIdFromPk, DUE_INDEX, DUE_SHARDS, duePk, SWEEP_KEY, TIER_INDEX } from "./keys.ts";

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

  unsweptAccounts(modelVersion: string, now: number, shard: number) {
    const input: ScanCommandInput = {
      TableName: this.options.tableName,
      IndexName: TIER_INDEX,
      Segment: shard,
      TotalSegments: DUE_SHARDS,
      FilterExpression: "dueAt <= :now OR modelVersion <> :model OR attribute_not_exists(dueAt)",
      ProjectionExpression: "pk",
      ExpressionAttributeValues: { ":now": now, ":model": modelVersion },
    };
    return this.pages((ExclusiveStartKey) =>
      this.db.send(new ScanCommand({ ...input, ExclusiveStartKey })),
    );
  }

  async lastSweep(): Promise<Sweep | null> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.options.tableName, Key: SWEEP_KEY, ConsistentRead: true }),
    );
    const item = out.Item;
    if (typeof item?.modelVersion !== "string") return null;
    return {
      modelVersion: item.modelVersion,
      // A record from before sweeps were daily has no time: as old as can be.
      at: typeof item.at === "number" ? item.at : 0,
      ...(item.impacts ? { impacts: item.impacts as UsageImpacts } : {}),
    };
  }

  async markSwept(sweep: Sweep): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { ...SWEEP_KEY, ...sweep, sweptAt: new Date(sweep.at).toISOString() },
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
