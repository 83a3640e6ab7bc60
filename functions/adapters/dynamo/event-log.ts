/**
 * DynamoDB implementation of the event log port. An account's applied events are one
 * Query of the `eventLog` index (logPk = ACCOUNT#id, logSk = occurredAt ISO#source#id,
 * so oldest source time first), paginated. Reads of an index are eventually consistent:
 * the import waits for its own writes to show (replay.ts).
 *
 * The accounts of `--all` come from a parallel Scan of the tier index, not of the table:
 * that index holds exactly one small item per scored customer (its SCORE), where a Scan
 * of the table (or of the AGG items, which a filter does not make cheaper: a Scan is billed
 * for every item it reads) would read every event record and history point as well.
 * An account never scored is not listed: a webhook's applied event writes its aggregate,
 * whose change the score function scores, so the accounts missed are those whose every
 * score failed, and those an import cut short recorded events of but did not rebuild yet
 * (their aggregate is the rebuild's to write). Running the import again, or
 * `--account ID`, rebuilds them.
 */
import { type DynamoDBDocumentClient, QueryCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { EventLog } from "../../replay/ports.ts";
import type { EventRecord } from "../../webhook/ingest.ts";
import { accountIdFromPk, accountPk, EVENT_LOG_INDEX, TIER_INDEX } from "./keys.ts";
import { toRecord } from "./waiting-batches.ts";

export interface EventLogOptions {
  readonly tableName: string;
  /** Parallel Scan segments when listing accounts. @default 4 */
  readonly scanSegments?: number;
  /** Items per page (Query and Scan `Limit`). @default DynamoDB's 1 MB pages */
  readonly pageLimit?: number;
}

export class DynamoEventLog implements EventLog {
  private readonly table: string;
  private readonly segments: number;
  private readonly limit: number | undefined;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    options: EventLogOptions,
  ) {
    this.table = options.tableName;
    this.segments = options.scanSegments ?? 4;
    this.limit = options.pageLimit;
  }

  async *eventsOf(accountId: string): AsyncIterable<readonly EventRecord[]> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: EVENT_LOG_INDEX,
          KeyConditionExpression: "logPk = :pk",
          ExpressionAttributeValues: { ":pk": accountPk(accountId) },
          ExclusiveStartKey: start,
          Limit: this.limit,
        }),
      );
      const records = (out.Items ?? []).map(toRecord).filter((r) => r.status === "applied");
      if (records.length > 0) yield records;
      start = out.LastEvaluatedKey;
    } while (start);
  }

  async *accounts(): AsyncIterable<readonly string[]> {
    // Segments are read side by side, a page each per round, and handed out page by page.
    const starts: (Record<string, unknown> | undefined | null)[] = Array.from(
      { length: this.segments },
      () => undefined,
    );
    while (starts.some((s) => s !== null)) {
      const pages = await Promise.all(
        starts.map(async (start, segment) => {
          if (start === null) return [];
          const out = await this.db.send(
            new ScanCommand({
              TableName: this.table,
              IndexName: TIER_INDEX,
              Segment: segment,
              TotalSegments: this.segments,
              ProjectionExpression: "pk",
              ExclusiveStartKey: start,
              Limit: this.limit,
            }),
          );
          starts[segment] = out.LastEvaluatedKey ?? null;
          return (out.Items ?? []).map((item) => accountIdFromPk(String(item.pk)));
        }),
      );
      const ids = pages.flat();
      if (ids.length > 0) yield ids;
    }
  }
}
