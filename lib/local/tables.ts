/** Creates the table from the one topology definition (the same the CDK stack uses). */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from "@aws-sdk/client-dynamodb";
import { HEALTH_TABLE } from "../topology.ts";

/** Creates `tableName` per HEALTH_TABLE (idempotent); returns its stream ARN. */
export async function createTables(
  client: DynamoDBClient,
  tableName: string,
): Promise<{ tableName: string; streamArn: string }> {
  const t = HEALTH_TABLE;
  const keyAttributes = [
    t.partitionKey,
    t.sortKey,
    ...t.globalIndexes.flatMap((g) => [g.partitionKey, g.sortKey]),
  ];
  const definitions = [...new Map(keyAttributes.map((k) => [k.name, k])).values()];
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: definitions.map((k) => ({
          AttributeName: k.name,
          AttributeType: k.type,
        })),
        KeySchema: [
          { AttributeName: t.partitionKey.name, KeyType: "HASH" },
          { AttributeName: t.sortKey.name, KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: t.globalIndexes.map((g) => ({
          IndexName: g.name,
          KeySchema: [
            { AttributeName: g.partitionKey.name, KeyType: "HASH" },
            { AttributeName: g.sortKey.name, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        })),
        StreamSpecification: { StreamEnabled: true, StreamViewType: t.streamView },
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return { tableName, streamArn: described.Table?.LatestStreamArn ?? "" };
}
