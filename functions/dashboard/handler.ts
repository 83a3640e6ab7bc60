/** Lambda entry of the dashboard's data routes: wiring only; the routes are in routes.ts. */
import { documentClient, requiredEnv } from "../adapters/dynamo/client.ts";
import { DynamoDashboardReads } from "../adapters/dynamo/dashboard-reads.ts";
import { httpHandler } from "../adapters/http.ts";
import { activeModel } from "../domain/active-model.ts";
import { type DashboardDeps, routeDashboard } from "./routes.ts";

const deps: DashboardDeps = {
  reads: new DynamoDashboardReads(documentClient(), { tableName: requiredEnv("TABLE_NAME") }),
  model: activeModel,
};

export const handler = httpHandler((event) => routeDashboard(deps, event));
