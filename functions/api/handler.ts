/** Lambda entry for the read and admin API: wiring only. */
import { documentClient, requiredEnv } from "../adapters/dynamo/client.ts";
import { DynamoEventStore } from "../adapters/dynamo/event-store.ts";
import { bodyBytes, httpHandler } from "../adapters/http.ts";
import { activeModel } from "../domain/active-model.ts";
import { type ApiDeps, routeApi } from "./routes.ts";

const tableName = requiredEnv("TABLE_NAME");
const db = documentClient();
const deps: ApiDeps = {
  db,
  tableName,
  events: new DynamoEventStore(db, { tableName }),
  model: activeModel.model,
};

export const handler = httpHandler((event) => routeApi(deps, event, bodyBytes(event)));
