/**
 * Lambda entry of the dashboard stream function (DynamoDB stream of score items and event
 * records): keeps the dashboard's rows, summary, event log and alerts, and pushes every
 * score written to the open pages. Wiring only.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import {
  ApiGatewayConnectionSender,
  managementClient,
} from "../adapters/apigw/connection-sender.ts";
import { BACKGROUND_TIMEOUTS, documentClient, requiredEnv } from "../adapters/dynamo/client.ts";
import { DynamoOpenConnections } from "../adapters/dynamo/connection-list.ts";
import { DynamoProjectionStore } from "../adapters/dynamo/dashboard-projection.ts";
import { handleDashboardStream } from "../adapters/dynamo/dashboard-stream.ts";
import { lambdaHandler, logger } from "../adapters/powertools.ts";
import { broadcaster } from "./live.ts";

const tableName = requiredEnv("TABLE_NAME");
const db = documentClient(undefined, BACKGROUND_TIMEOUTS);
const warn = (error: unknown) => logger.warn("dashboard stream", error as Error);
/** The WebSocket API's management endpoint; unset: nothing is pushed live. */
const liveEndpoint = process.env.LIVE_MANAGEMENT_ENDPOINT;
const deps = {
  store: new DynamoProjectionStore(db, { tableName }),
  live: liveEndpoint
    ? broadcaster(
        new DynamoOpenConnections(db, { tableName }),
        new ApiGatewayConnectionSender(managementClient(liveEndpoint)),
        warn,
      )
    : null,
};

export const handler = lambdaHandler<DynamoDBStreamEvent, DynamoDBBatchResponse>((event) =>
  handleDashboardStream(deps, event.Records, warn),
);
