/** DynamoDB clients and fresh tables for integration tests (DynamoDB Local from global setup). */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
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
