/** DynamoDB implementation of the live feed's open connections: one item each, with a TTL. */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import { CONNECTION_TTL_SECONDS, type Connections } from "../../dashboard/live.ts";
import { CONNECTIONS_PK } from "./dashboard-keys.ts";
import { TTL_ATTRIBUTE } from "./keys.ts";

export class DynamoConnections implements Connections {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(db: DynamoDBDocumentClient, options: { readonly tableName: string }) {
    this.#db = db;
    this.#table = options.tableName;
  }

  async add(connectionId: string, now: number): Promise<void> {
    await this.#db.send(
      new PutCommand({
        TableName: this.#table,
        Item: {
          pk: CONNECTIONS_PK,
          sk: connectionId,
          connectedAt: new Date(now).toISOString(),
          [TTL_ATTRIBUTE]: Math.floor(now / 1000) + CONNECTION_TTL_SECONDS,
        },
      }),
    );
  }

  async remove(connectionId: string): Promise<void> {
    await this.#db.send(
      new DeleteCommand({ TableName: this.#table, Key: { pk: CONNECTIONS_PK, sk: connectionId } }),
    );
  }

  async list(): Promise<string[]> {
    const ids: string[] = [];
    const now = Math.floor(Date.now() / 1000);
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
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
