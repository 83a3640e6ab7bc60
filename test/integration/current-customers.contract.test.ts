import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { encodeAggregate } from "../../functions/adapters/dynamo/aggregate-layout.ts";
import { DynamoCurrentCustomers } from "../../functions/adapters/dynamo/current-customers.ts";
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
      // The aggregate's items as replay writes them (aggregate-layout.ts).
      putAggregate: async (aggregate) => {
        for (const Item of encodeAggregate(aggregate, Date.now())) {
          await doc.send(new PutCommand({ TableName: tableName, Item }));
        }
      },
      putScore: async (score) => {
        await scores.save(score, null);
      },
    };
  },
});
