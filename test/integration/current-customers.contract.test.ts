import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoCurrentCustomers } from "../../functions/adapters/dynamo/current-customers.ts";
import { AGGREGATE_SK, accountPk } from "../../functions/adapters/dynamo/keys.ts";
import { DynamoScoreStore } from "../../functions/adapters/dynamo/score-store.ts";
import { currentCustomersContract } from "../support/current-customers-contract.ts";
import { freshTable, testClients } from "../support/dynamo.ts";

currentCustomersContract("DynamoDB", {
  store: async (pageSize) => {
    const { doc } = testClients();
    const { tableName } = await freshTable("current-customers");
    const scores = new DynamoScoreStore(doc, { tableName });
    return {
      customers: new DynamoCurrentCustomers(doc, { tableName, pageSize }),
      // The aggregate item as the webhook's updates leave it: every attribute top-level.
      putAggregate: async ({ accountId, sums, sets, latest }) => {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: accountPk(accountId),
              sk: AGGREGATE_SK,
              accountId,
              ...sums,
              ...Object.fromEntries(Object.entries(sets).map(([k, v]) => [k, new Set(v)])),
              ...latest,
            },
          }),
        );
      },
      putScore: async (score) => {
        await scores.save(score, null);
      },
    };
  },
});
