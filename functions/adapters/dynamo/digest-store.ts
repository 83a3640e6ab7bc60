/**
 * The daily digest's entries (port in `alerts/digest.ts`) in the single table: one item per
 * alert, under its channel and UTC day, so the daily run reads a day with one Query.
 *
 * | item          | pk                       | sk        | attributes          |
 * |---------------|--------------------------|-----------|---------------------|
 * | digest entry  | DIGEST#{channel}#{day}   | {eventId} | entry, expiresAt    |
 *
 * Recording is a plain put keyed by the event id: a redelivered alert overwrites its own
 * entry, never adds a second.
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { DigestEntry, DigestStore } from "../../alerts/digest.ts";
import { TTL_ATTRIBUTE } from "./keys.ts";

export const digestPk = (channel: string, day: string) => `DIGEST#${channel}#${day}`;

/** Entries are kept long enough to resend a missed day, then expire. */
const RETENTION_DAYS = 14;

export class DynamoDigestStore implements DigestStore {
  private readonly table: string;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    options: { readonly tableName: string },
  ) {
    this.table = options.tableName;
  }

  async record(channel: string, day: string, entry: DigestEntry): Promise<void> {
    const expires = Date.parse(day) / 1000 + RETENTION_DAYS * 86_400;
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: digestPk(channel, day),
          sk: entry.eventId,
          entry,
          [TTL_ATTRIBUTE]: Math.floor(expires),
        },
      }),
    );
  }

  async entries(channel: string, day: string): Promise<DigestEntry[]> {
    const entries: DigestEntry[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": digestPk(channel, day) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) entries.push(item.entry as DigestEntry);
      start = page.LastEvaluatedKey;
    } while (start);
    return entries;
  }
}
