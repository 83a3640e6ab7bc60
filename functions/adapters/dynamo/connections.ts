/**
 * DynamoDB implementation of the live feed's open connections as the WebSocket routes keep
 * them: one item each, with a TTL. Listing them is connection-list.ts, so the routes'
 * function needs no Query grant.
 */
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { CONNECTION_TTL_SECONDS, type Connections } from "../../dashboard/live.ts";
import { CONNECTIONS_PK } from "./dashboard-keys.ts";
import { TTL_ATTRIBUTE } from "./keys.ts";

export class DynamoConnections implements Connections {
  protected readonly db: DynamoDBDocumentClient;
  protected readonly table: string;

  constructor(db: DynamoDBDocumentClient, options: { readonly tableName: string }) {
    this.db = db;
    this.table = options.tableName;
  }

  async add(connectionId: string, now: number): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
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
    await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: CONNECTIONS_PK, sk: connectionId } }),
    );
  }
}
