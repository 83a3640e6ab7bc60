/**
 * The daily digest's entries (port in `alerts/digest.ts`) in the single table: one item per
 * alert, under its channel and UTC day, so the daily run reads a day with one Query.
 *
 * | item          | pk                       | sk        | attributes          |
 * |---------------|--------------------------|-----------|---------------------|
 * | digest entry  | DIGEST#{channel}#{day}   | {eventId} | entry, expiresAt    |
 *
 * Recording (`digest-recorder.ts`) is a plain put keyed by the event id: a redelivered alert
 * overwrites its own entry, never adds a second.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { DigestEntry, DigestStore } from "../../alerts/digest.ts";
import { DynamoDigestRecorder, digestPk } from "./digest-recorder.ts";

export { digestPk };

export class DynamoDigestStore extends DynamoDigestRecorder implements DigestStore {
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
