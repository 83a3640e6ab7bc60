/**
 * Review 22: every AWS SDK client is traced where it is built, so DynamoDB, EventBridge and
 * Secrets Manager calls show in X-Ray under the handler's segment.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterEach, describe, expect, it, vi } from "vitest";
import { documentClient } from "../../functions/adapters/dynamo/client.ts";
import { eventBridgeClient } from "../../functions/adapters/eventbridge.ts";
import { tracer } from "../../functions/adapters/powertools.ts";
import { secretsManagerClient } from "../../functions/adapters/secrets.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("SDK clients", () => {
  it.each([
    ["DynamoDB", () => documentClient("http://127.0.0.1:8000"), DynamoDBClient],
    ["EventBridge", () => eventBridgeClient("http://127.0.0.1:4010"), EventBridgeClient],
    ["Secrets Manager", () => secretsManagerClient(), SecretsManagerClient],
  ] as const)("the %s client is captured by the tracer", (_, build, type) => {
    const captured = vi.spyOn(tracer, "captureAWSv3Client");

    build();

    expect(captured).toHaveBeenCalledTimes(1);
    expect(captured.mock.calls[0]?.[0]).toBeInstanceOf(type);
  });

  it("leaves the client working outside Lambda, where the tracer is off", async () => {
    expect(tracer.isTracingEnabled()).toBe(false);
    const client = eventBridgeClient("http://127.0.0.1:4010");

    expect(client).toBeInstanceOf(EventBridgeClient);
    expect(typeof client.send).toBe("function");
  });
});
