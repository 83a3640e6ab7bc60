/** DynamoDB clients and fresh tables for integration tests (DynamoDB Local from global setup). */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import { accountPk, SCORE_SK, tierPk, tierSk } from "../../functions/adapters/dynamo/keys.ts";
import { type CreatedTable, createTables } from "../../lib/local/tables.ts";

/** Dummy credentials and region: DynamoDB Local runs with -sharedDb, so any will do. */
export const LOCAL_CLIENT_CONFIG = {
  region: "local",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
} as const;

export interface TestClients {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly streams: DynamoDBStreamsClient;
}

let clients: TestClients | undefined;

/** Clients pointed at the test run's DynamoDB Local (one set per test file). */
export function testClients(): TestClients {
  if (!clients) {
    const endpoint = inject("dynamoEndpoint");
    const client = new DynamoDBClient({ endpoint, ...LOCAL_CLIENT_CONFIG });
    clients = {
      endpoint,
      client,
      doc: DynamoDBDocumentClient.from(client, {
        marshallOptions: { removeUndefinedValues: true },
      }),
      streams: new DynamoDBStreamsClient({ endpoint, ...LOCAL_CLIENT_CONFIG }),
    };
  }
  return clients;
}

let counter = 0;

/** Creates a uniquely named table (per HEALTH_TABLE), so test files never share state. */
export async function freshTable(prefix: string): Promise<CreatedTable> {
  counter += 1;
  const name = `${prefix}-${process.pid}-${counter}-${Date.now().toString(36)}`;
  return createTables(testClients().client, name);
}

/** `db`, recording the class name of every command sent through it (`sent`, in order). */
export function recordingClient(db: DynamoDBDocumentClient) {
  const sent: string[] = [];
  const client = {
    send: (command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      return db.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
  return { client, sent };
}

/** Every item of an account's partition, strongly consistent, every page. */
export async function accountItems(
  db: DynamoDBDocumentClient,
  tableName: string,
  accountId: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": accountPk(accountId) },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** A bare score item in the tier index: how `--all` finds an account, as if it were scored. */
export async function putListedScore(
  db: DynamoDBDocumentClient,
  tableName: string,
  accountId: string,
): Promise<void> {
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        pk: accountPk(accountId),
        sk: SCORE_SK,
        tierPk: tierPk("healthy"),
        tierSk: tierSk(80, accountId),
      },
    }),
  );
}
