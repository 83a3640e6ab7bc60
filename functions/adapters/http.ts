/**
 * The HTTP side of every API handler, built once on the shared Lambda wrapper: the one place
 * where errors become status codes. Callers see a short reason for a 4xx and a generic
 * message for a 5xx; details and stacks go to the log only.
 */
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
import { lambdaHandler, logger } from "./powertools.ts";

export type HttpResult = APIGatewayProxyStructuredResultV2;
export type HttpEvent = APIGatewayProxyEventV2;

/** An error whose message is safe to show the caller. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly statusCode: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A JSON response. */
export function json(statusCode: number, body: unknown): HttpResult {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

/**
 * What a 503 asks the caller to wait before retrying, in seconds. A hung or throttled store
 * usually recovers within seconds; webhook senders that honour the header retry soon
 * without hammering it, and those that ignore it keep their own backoff.
 */
export const RETRY_AFTER_SECONDS = 10;

/** Maps any error to a response; only HttpErrors below 500 reveal their message. */
export function errorResponse(error: unknown): HttpResult {
  if (error instanceof HttpError && error.statusCode < 500) {
    return json(error.statusCode, { error: error.message });
  }
  logger.error("request failed", error as Error);
  const status = error instanceof HttpError ? error.statusCode : 500;
  if (status === 503) {
    const response = json(503, { error: "storage unavailable, retry later" });
    return {
      ...response,
      headers: { ...response.headers, "retry-after": String(RETRY_AFTER_SECONDS) },
    };
  }
  return json(status, { error: "internal error" });
}

/** Wraps a use-case handler with logging and error mapping. */
export function httpHandler(handler: (event: HttpEvent, context: Context) => Promise<HttpResult>) {
  return lambdaHandler<HttpEvent, HttpResult>(async function handleHttp(event, context) {
    try {
      return await handler(event, context);
    } catch (error) {
      return errorResponse(error);
    }
  });
}

/** The exact bytes received (API Gateway may base64-encode the body). */
export function bodyBytes(event: HttpEvent): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return event.isBase64Encoded
    ? Buffer.from(event.body, "base64")
    : Buffer.from(event.body, "utf8");
}
