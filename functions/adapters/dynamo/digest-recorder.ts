/**
 * Records alerts in the daily digest (the Slack function's half of the digest store, kept
 * apart so its bundle, and grants, hold no Query). Layout in `digest-store.ts`.
 */
import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { DigestEntry, DigestRecorder } from "../../alerts/digest.ts";
import { TTL_ATTRIBUTE } from "./keys.ts";

export const digestPk = (channel: string, day: string) => `DIGEST#${channel}#${day}`;

/** Entries are kept long enough to resend a missed day, then expire. */
const RETENTION_DAYS = 14;

export class DynamoDigestRecorder implements DigestRecorder {
  protected readonly table: string;

  constructor(
    protected readonly db: DynamoDBDocumentClient,
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
}
