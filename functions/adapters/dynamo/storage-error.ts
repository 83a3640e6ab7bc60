/** Storage failures: the one thing answered 503 (+ Retry-After), so the caller retries. */

/** Storage failed (or kept conflicting): not the caller's mistake. */
export class StorageError extends Error {
  override readonly name = "StorageError";
}

/** Our own storage errors and any AWS SDK service error (they carry `$metadata`). */
export const isStorageFailure = (error: unknown): boolean =>
  error instanceof StorageError || (error instanceof Error && "$metadata" in error);
