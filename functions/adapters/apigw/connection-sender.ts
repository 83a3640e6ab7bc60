/**
 * Posts to WebSocket connections through the API Gateway Management API (in AWS, the
 * WebSocket API's stage URL; locally, the local runtime's stand-in on its own port).
 */
import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import type { ConnectionSender } from "../../dashboard/live.ts";
import { tracer } from "../powertools.ts";
import { sdkTimeouts } from "../sdk-config.ts";

/** A post is small; a page that does not take it in 2 s is skipped, not waited for. */
const POST_TIMEOUTS = { connectionTimeoutMs: 1_000, requestTimeoutMs: 2_000, maxAttempts: 2 };

/**
 * The management client for `endpoint`: https://{api}.execute-api.{region}.amazonaws.com/{stage}
 * in AWS; locally the runtime's stand-in, with the region and credentials it sets.
 */
export function managementClient(endpoint: string): ApiGatewayManagementApiClient {
  return tracer.captureAWSv3Client(
    new ApiGatewayManagementApiClient({ endpoint, ...sdkTimeouts(POST_TIMEOUTS) }),
  );
}

export class ApiGatewayConnectionSender implements ConnectionSender {
  constructor(private readonly client: ApiGatewayManagementApiClient) {}

  async post(connectionId: string, data: string): Promise<"sent" | "gone"> {
    try {
      await this.client.send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(data) }),
      );
      return "sent";
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      if (error instanceof GoneException || status === 410) {
        return "gone";
      }
      throw error;
    }
  }
}
