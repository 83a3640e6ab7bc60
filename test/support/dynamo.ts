/** DynamoDB clients and fresh tables for integration tests (DynamoDB Local from global setup). */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import { createTables } from "../../lib/local/tables.ts";

const local = { region: "local", credentials: { accessKeyId: "local", secretAccessKey: "local" } };

/** Clients pointed at the test run's DynamoDB Local. */
export function testClients() {
  const endpoint = inject("dynamoEndpoint");
  const client = new DynamoDBClient({ endpoint, ...local });
  return {
    endpoint,
    client,
    doc: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    streams: new DynamoDBStreamsClient({ endpoint, ...local }),
  };
}

let counter = 0;
/** A new, uniquely named table per test file, so files never share state. */
export async function freshTable(prefix: string) {
  counter += 1;
  const name = `${prefix}-${process.pid}-${counter}-${Date.now().toString(36)}`;
  return createTables(testClients().client, name);
}
