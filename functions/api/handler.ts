/** Lambda entry for the read and admin API: wiring only; the routes are in routes.ts. */
import { DynamoAliasStore } from "../adapters/dynamo/alias-store.ts";
import { documentClient, requiredEnv } from "../adapters/dynamo/client.ts";
import { DynamoCustomerReads } from "../adapters/dynamo/customer-reads.ts";
import { bodyBytes, httpHandler } from "../adapters/http.ts";
import { activeModel } from "../domain/active-model.ts";
import { type ApiDeps, routeApi } from "./routes.ts";

const tableName = requiredEnv("TABLE_NAME");
const db = documentClient();
const deps: ApiDeps = {
  customers: new DynamoCustomerReads(db, { tableName }),
  aliases: new DynamoAliasStore(db, { tableName }),
  model: activeModel.model,
};

export const handler = httpHandler((event) => routeApi(deps, event, bodyBytes(event)));
