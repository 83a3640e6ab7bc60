/**
 * Lambda authorizer of the live feed's WebSocket `$connect`: browsers cannot set headers on
 * a WebSocket, so the page passes its Cognito access token as `?token=`; the connection is
 * allowed only with a valid one. Wiring and the policy shape only.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { CognitoJwtVerifier } from "../adapters/cognito/jwt-verifier.ts";
import { requiredEnv } from "../adapters/dynamo/client.ts";
import { lambdaHandler } from "../adapters/powertools.ts";
import { authorize } from "./authorize.ts";

const verifier = new CognitoJwtVerifier({
  region: requiredEnv("AWS_REGION"),
  userPoolId: requiredEnv("USER_POOL_ID"),
  clientId: requiredEnv("USER_POOL_CLIENT_ID"),
});

export const handler = lambdaHandler<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>(
  (event) => authorize(verifier, event),
);
