/**
 * The rescore use case: every customer whose score is older than the interval is scored
 * again, so a customer who goes silent decays toward at-risk without any new event.
 * Reads only score items (the sparse tier index), in parallel scan segments.
 */
import { type DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { accountIdFromPk, TIER_INDEX } from "../adapters/dynamo/keys.ts";
import { type ScoreDeps, scoreAccounts } from "../scoring/score-accounts.ts";

export interface RescoreOptions {
  readonly tableName: string;
  readonly intervalMinutes: number;
  readonly segments?: number;
  /** Customers scored per call of the use case (one BatchGet round per 33). */
  readonly chunkSize?: number;
  /** Stop starting new chunks after this time (epoch ms): the next run picks up the rest. */
  readonly deadline?: number;
}

export interface RescoreResult {
  readonly stale: number;
  readonly scored: number;
  readonly failed: number;
  readonly published: number;
}

export async function rescoreStale(
  db: DynamoDBDocumentClient,
  deps: ScoreDeps,
  options: RescoreOptions,
  now = Date.now(),
): Promise<RescoreResult> {
  const cutoff = now - options.intervalMinutes * 60_000;
  const segments = options.segments ?? 4;
  const chunkSize = options.chunkSize ?? 99;
  const totals = { stale: 0, scored: 0, failed: 0, published: 0 };

  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let startKey: Record<string, unknown> | undefined;
      do {
        if (options.deadline !== undefined && Date.now() > options.deadline) return;
        const page = await db.send(
          new ScanCommand({
            TableName: options.tableName,
            IndexName: TIER_INDEX,
            Segment: segment,
            TotalSegments: segments,
            FilterExpression: "computedAt < :cutoff",
            ProjectionExpression: "pk",
            ExpressionAttributeValues: { ":cutoff": cutoff },
            ExclusiveStartKey: startKey,
          }),
        );
        const ids = (page.Items ?? []).map((item) => accountIdFromPk(String(item.pk)));
        totals.stale += ids.length;
        for (let i = 0; i < ids.length; i += chunkSize) {
          const result = await scoreAccounts(deps, ids.slice(i, i + chunkSize), now);
          totals.scored += result.scored.length;
          totals.failed += result.failed.size;
          totals.published += result.published;
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }),
  );
  return totals;
}
