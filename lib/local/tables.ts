/** Creates the table from the one topology definition, the same one the CDK stack reads. */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { HEALTH_TABLE, type TableDefinition } from "../topology.ts";

export interface CreatedTable {
  readonly tableName: string;
  /** The table's current stream, for the local stream poller. */
  readonly streamArn: string;
}

/** The CreateTable input for `definition` (keys, GSIs with their projection, on demand, stream). */
export function createTableInput(
  definition: TableDefinition,
  tableName: string,
): CreateTableCommandInput {
  const keys = [
    definition.partitionKey,
    definition.sortKey,
    ...definition.globalIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  const attributes = [...new Map(keys.map((key) => [key.name, key])).values()];
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: attributes.map((key) => ({
      AttributeName: key.name,
      AttributeType: key.type,
    })),
    KeySchema: [
      { AttributeName: definition.partitionKey.name, KeyType: "HASH" },
      { AttributeName: definition.sortKey.name, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: definition.globalIndexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: "HASH" },
        { AttributeName: index.sortKey.name, KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: index.projection ?? "ALL" },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: definition.streamView },
  };
}

/**
 * Creates `tableName` per HEALTH_TABLE and returns its stream ARN. Idempotent: an existing
 * table (e.g. in a persistent local data directory) is kept, its stream and TTL turned on if
 * they are off. DynamoDB Local accepts the TTL setting but never expires items.
 */
export async function createTables(
  client: DynamoDBClient,
  tableName: string,
  definition: TableDefinition = HEALTH_TABLE,
): Promise<CreatedTable> {
  try {
    await client.send(new CreateTableCommand(createTableInput(definition, tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  let table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  if (!table?.StreamSpecification?.StreamEnabled) {
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        StreamSpecification: { StreamEnabled: true, StreamViewType: definition.streamView },
      }),
    );
    table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  }
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const ttlStatus = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  if (ttlStatus !== "ENABLED" && ttlStatus !== "ENABLING") {
    try {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: definition.ttlAttribute, Enabled: true },
        }),
      );
    } catch (error) {
      // A concurrent createTables got there first.
      if (!(error instanceof Error && /already enabled/i.test(error.message))) throw error;
    }
  }
  const streamArn = table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${tableName} has no stream after creation`);
  return { tableName, streamArn };
}
