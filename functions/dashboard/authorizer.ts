/**
 * Lambda authorizer of the live feed's WebSocket `$connect`: browsers cannot set headers on
 * a WebSocket, so the page passes its Cognito access token as `?token=`; the connection is
 * allowed only with a valid one. Wiring and the policy shape only.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { CognitoJwtVerifier, InvalidTokenError } from "../adapters/cognito/jwt-verifier.ts";
import { requiredEnv } from "../adapters/dynamo/client.ts";
import { lambdaHandler, logger } from "../adapters/powertools.ts";

const verifier = new CognitoJwtVerifier({
  region: requiredEnv("AWS_REGION"),
  userPoolId: requiredEnv("USER_POOL_ID"),
  clientId: requiredEnv("USER_POOL_CLIENT_ID"),
});

export async function authorize(
  v: Pick<CognitoJwtVerifier, "verify">,
  event: Pick<APIGatewayRequestAuthorizerEvent, "queryStringParameters" | "methodArn">,
): Promise<APIGatewayAuthorizerResult> {
  const token = event.queryStringParameters?.token ?? "";
  try {
    const user = await v.verify(token);
    return {
      principalId: user.sub,
      policyDocument: {
        Version: "2012-10-17",
        Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: event.methodArn }],
      },
      context: { username: user.username },
    };
  } catch (error) {
    if (!(error instanceof InvalidTokenError)) throw error;
    logger.info("live feed connection refused", { reason: error.message });
    // API Gateway answers 401 to this exact message.
    throw new Error("Unauthorized");
  }
}

export const handler = lambdaHandler<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>(
  (event) => authorize(verifier, event),
);
