/** How the read routes (this API's and the dashboard's) answer what went wrong. */
import { isStorageFailure } from "../adapters/dynamo/storage-error.ts";
import { HttpError, type HttpResult } from "../adapters/http.ts";
import { InvalidCursorError } from "./cursor.ts";

/**
 * Runs a route of the read APIs (this one and the dashboard's): a cursor we did not issue is
 * the caller's mistake (400); a storage failure is a 503, which errorResponse shapes (body,
 * Retry-After) and logs with its cause; anything else is ours.
 */
export async function answeringReadErrors(
  routeKey: string | undefined,
  route: () => Promise<HttpResult>,
): Promise<HttpResult> {
  try {
    return await route();
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new HttpError(400, error.message);
    if (!isStorageFailure(error)) throw error;
    throw new HttpError(503, `storage failed on ${routeKey}`, { cause: error });
  }
}
