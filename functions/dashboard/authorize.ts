/** The live feed's `$connect` authorization: a valid Cognito access token in `?token=`, or 401. */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { type CognitoJwtVerifier, InvalidTokenError } from "../adapters/cognito/jwt-verifier.ts";
import { logger } from "../adapters/powertools.ts";

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
