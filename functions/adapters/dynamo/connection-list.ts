/** The live feed's open connections as the broadcaster reads them: every live one, listed. */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { OpenConnections } from "../../dashboard/live.ts";
import { DynamoConnections } from "./connections.ts";
import { CONNECTIONS_PK } from "./dashboard-keys.ts";
import { TTL_ATTRIBUTE } from "./keys.ts";

export class DynamoOpenConnections extends DynamoConnections implements OpenConnections {
  async list(): Promise<string[]> {
    const ids: string[] = [];
    const now = Math.floor(Date.now() / 1000);
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": CONNECTIONS_PK },
          ProjectionExpression: "sk, #ttl",
          ExpressionAttributeNames: { "#ttl": TTL_ATTRIBUTE },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        // TTL deletes lazily: an expired connection is gone already.
        if (Number(item[TTL_ATTRIBUTE] ?? 0) > now) ids.push(String(item.sk));
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return ids;
  }
}
