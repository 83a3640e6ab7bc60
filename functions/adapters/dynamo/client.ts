/**
 * DynamoDB clients, created once per Lambda container. `DYNAMODB_ENDPOINT` points them at
 * DynamoDB Local; in AWS it is unset and the SDK uses the regional endpoint.
 *
 * Every client has connection and request timeouts and a bounded number of attempts: the
 * SDK sets none by default, so a paused or unreachable store used to hold a webhook until
 * the function timed out (10 s) and answered 500. Now a hung store fails the call within
 * seconds, the webhook answers 503 with Retry-After, and the provider's resend after
 * recovery is applied exactly once (the event record makes the write conditional).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { tracer } from "../powertools.ts";
import { type ClientTimeouts, localEndpoint, sdkTimeouts } from "../sdk-config.ts";

/**
 * For functions a caller is waiting on (webhooks, the read API). DynamoDB answers a
 * request in milliseconds, so one that takes a second is hung (a paused, throttled or
 * partitioned store); one retry covers a lost connection. Worst case ≈ 2 × 1 s plus a
 * sub-second backoff: the caller gets its 503 within ~3 s, far inside the 10 s timeout.
 */
export const INTERACTIVE_TIMEOUTS: ClientTimeouts = {
  connectionTimeoutMs: 500,
  requestTimeoutMs: 1_000,
  maxAttempts: 2,
};

/**
 * For the stream and schedule functions (score, rescore), where nobody waits but a
 * hung call must still fail well inside the function timeout (60 s for the score function)
 * so the batch is retried rather than timed out: larger pages (BatchGet of 99 keys, Scan
 * pages of 1 MB) get more time, and throttling more attempts. Worst case ≈ 3 × 3 s + backoff.
 */
export const BACKGROUND_TIMEOUTS: ClientTimeouts = {
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 3_000,
  maxAttempts: 3,
};

/**
 * Builds a document client; numbers stay numbers and undefined fields are dropped. Its
 * calls show as subsegments in X-Ray (the tracer does nothing outside Lambda).
 */
export function documentClient(
  endpoint = process.env.DYNAMODB_ENDPOINT,
  timeouts: ClientTimeouts = INTERACTIVE_TIMEOUTS,
): DynamoDBDocumentClient {
  const client = tracer.captureAWSv3Client(
    new DynamoDBClient({ ...localEndpoint(endpoint), ...sdkTimeouts(timeouts) }),
  );
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/** Reads a required setting once at load; a missing one fails loudly with its name. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`missing required environment variable ${name}`);
  return value;
}
