/**
 * Storage failures: the one thing answered 503 (+ Retry-After), so the caller retries.
 * Only failures that go away on their own count; an error that every retry would hit again
 * (a bad request, a missing table, a denied permission) is a bug or a misconfiguration and
 * must surface as a logged 500, not send callers into endless retries.
 */

/** Storage failed (or kept conflicting): not the caller's mistake. */
export class StorageError extends Error {
  override readonly name = "StorageError";
}

/** Error names of throttling (as the SDK classifies them) and of writes that raced another. */
const TRANSIENT_NAMES = new Set([
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "TransactionInProgressException",
  "TransactionCanceledException",
  "TransactionConflictException",
  // The SDK's request and connection timeouts.
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
]);

/** Node socket errors: the store was unreachable or dropped the connection. */
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
]);

interface SdkErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly $fault?: string;
  readonly $retryable?: { readonly throttling?: boolean };
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/**
 * True for failures worth retrying later: our own StorageError, throttling, timeouts and
 * network errors, server-side (5xx) faults, and cancelled or conflicting transactions.
 */
export function isStorageFailure(error: unknown): boolean {
  if (error instanceof StorageError) return true;
  if (!(error instanceof Error)) return false;
  const e = error as Error & SdkErrorShape;
  if (TRANSIENT_NAMES.has(e.name)) return true;
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) return true;
  if (e.$retryable?.throttling === true) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status === 429) return true;
  if (status !== undefined && status >= 500) return true;
  return e.$fault === "server";
}
