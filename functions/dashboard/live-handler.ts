/**
 * Lambda entry of the live feed's WebSocket routes ($connect, $disconnect, $default): keeps
 * the open connections (the authorizer has checked the caller before $connect). Wiring only.
 */
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import {
  ApiGatewayConnectionSender,
  managementClient,
} from "../adapters/apigw/connection-sender.ts";
import { documentClient, requiredEnv } from "../adapters/dynamo/client.ts";
import { DynamoConnections } from "../adapters/dynamo/connections.ts";
import { lambdaHandler } from "../adapters/powertools.ts";
import { handleLiveRoute } from "./live.ts";

const connections = new DynamoConnections(documentClient(), {
  tableName: requiredEnv("TABLE_NAME"),
});
const endpoint = process.env.LIVE_MANAGEMENT_ENDPOINT;
const sender = endpoint ? new ApiGatewayConnectionSender(managementClient(endpoint)) : null;

export const handler = lambdaHandler<APIGatewayProxyWebsocketEventV2, APIGatewayProxyResultV2>(
  (event) =>
    handleLiveRoute(
      { connections, sender },
      event.requestContext.routeKey,
      event.requestContext.connectionId,
      Date.now(),
    ),
);
