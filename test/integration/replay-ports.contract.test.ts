/** The replay ports' contracts on the DynamoDB implementations (DynamoDB Local). */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll } from "vitest";
import { decodeAggregate } from "../../functions/adapters/dynamo/aggregate-layout.ts";
import { DynamoEventLog } from "../../functions/adapters/dynamo/event-log.ts";
import { DynamoEventStore } from "../../functions/adapters/dynamo/event-store.ts";
import { accountPk } from "../../functions/adapters/dynamo/keys.ts";
import { DynamoRebuildTarget } from "../../functions/adapters/dynamo/rebuild-target.ts";
import type { HistoryPoint } from "../../functions/replay/ports.ts";
import { freshTable, putListedScore, testClients } from "../support/dynamo.ts";
import { eventLogContract, rebuildTargetContract } from "../support/replay-ports-contract.ts";

const { doc } = testClients();
let tableName: string;

beforeAll(async () => {
  ({ tableName } = await freshTable("replay-ports"));
});

async function query(accountId: string, prefix: string) {
  const out = await doc.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": accountPk(accountId), ":prefix": prefix },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

eventLogContract("DynamoEventLog", async () => ({
  store: new DynamoEventStore(doc, { tableName }),
  // Pages of two items, so that a few events already take several Query and Scan pages.
  log: new DynamoEventLog(doc, { tableName, scanSegments: 2, pageLimit: 2 }),
  scored: (id) => putListedScore(doc, tableName, id),
}));

rebuildTargetContract("DynamoRebuildTarget", async () => ({
  target: new DynamoRebuildTarget(doc, { tableName }),
  history: async (id) =>
    (await query(id, "DAY#")).map(
      (item): HistoryPoint => ({
        accountId: id,
        score: item.score as number | null,
        tier: item.tier as HistoryPoint["tier"],
        coverage: item.coverage as number,
        modelVersion: item.modelVersion as string,
        computedAt: item.computedAt as number,
      }),
    ),
  aggregate: async (id) => {
    const items = [...(await query(id, "AGG")), ...(await query(id, "TKT#"))];
    return items.length === 0 ? undefined : decodeAggregate(id, items);
  },
}));
