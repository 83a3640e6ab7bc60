/**
 * How the local runtime calls a Lambda handler: with a context built from the function's
 * definition in the topology (name, memory, timeout), and cut off at its timeout as
 * Lambda would ("Task timed out"), so a slow dependency fails locally where it would
 * fail in AWS.
 */
import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import { FUNCTIONS, type FunctionId } from "../topology.ts";

/** The function ran past its timeout; as in Lambda, the invocation counts as failed. */
export class FunctionTimeoutError extends Error {
  override readonly name = "FunctionTimeoutError";
}

/** A Lambda context good enough for Powertools and our handlers. */
export function lambdaContext(id: FunctionId, timeoutMs = timeoutOf(id)): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: id,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${id}`,
    memoryLimitInMB: String(FUNCTIONS[id].memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${id}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** The function's timeout in ms, from the topology. */
export function timeoutOf(id: FunctionId): number {
  return FUNCTIONS[id].timeoutSeconds * 1000;
}

/**
 * Invokes `handler` as function `id`: rejects with FunctionTimeoutError once the topology's
 * timeout has passed. Node cannot kill the handler, so it runs on in the background, as a
 * timed-out Lambda's side effects may have happened too.
 */
export async function invokeFunction<E, R>(
  id: FunctionId,
  handler: (event: E, context: Context) => Promise<R>,
  event: E,
  timeoutMs = timeoutOf(id),
): Promise<R> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new FunctionTimeoutError(`${id}: task timed out after ${timeoutMs / 1000} seconds`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([handler(event, lambdaContext(id, timeoutMs)), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
