import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoEventStore } from "../../functions/adapters/dynamo/event-store.ts";
import { EVENT_SK, eventPk } from "../../functions/adapters/dynamo/keys.ts";
import type { EventRecord } from "../../functions/webhook/ingest.ts";
import { freshTable, testClients } from "../support/dynamo.ts";
import { ingestStoreContract } from "../support/ingest-store-contract.ts";
import { storedAggregate } from "../support/stored-aggregate.ts";

const { doc } = testClients();
let table: Promise<string> | undefined;

ingestStoreContract("DynamoDB Local", async () => {
  table ??= freshTable("ingest-contract").then((t) => t.tableName);
  const tableName = await table;
  const get = async (pk: string, sk: string) =>
    (
      await doc.send(
        new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true }),
      )
    ).Item;
  return {
    store: new DynamoEventStore(doc, { tableName }),
    aggregate: (accountId) => storedAggregate(doc, tableName, accountId),
    record: async (source, eventId) =>
      (await get(eventPk(source, eventId), EVENT_SK)) as EventRecord | undefined,
    ignoredCount: async (source, type) =>
      Number((await get("STATS#ignored", `${source}#${type}`))?.count ?? 0),
  };
});
