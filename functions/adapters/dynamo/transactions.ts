/**
 * DynamoDB calls the stores share: a transaction that says why each item was cancelled,
 * a BatchGetItem of any size that retries unprocessed keys, and jittered backoff.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { isStorageFailure, StorageError } from "./storage-error.ts";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];
export type Key = Record<string, string>;

/** DynamoDB takes at most 100 items in one transaction and 100 keys in one BatchGetItem. */
export const MAX_TRANSACTION_ITEMS = 100;
const MAX_BATCH_GET_KEYS = 100;

/** Cancellation codes a caller can act on: a condition, a concurrent write, throttling. */
const HANDLED_CODES = ["None", "ConditionalCheckFailed", "TransactionConflict", "ThrottlingError"];

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Jittered exponential backoff, ms. */
export const backoff = (attempt: number) => Math.random() * Math.min(1000, 20 * 2 ** attempt);

/**
 * Runs a transaction: null when it committed, else each item's cancellation code
 * (`None` for items that were fine). A transient failure (throttled, timed out, 5xx) is a
 * StorageError, answered 503 so the sender retries; anything else (a validation error, a
 * denied action) would fail the same way on every retry, so it is thrown as it is and
 * answered as an internal error.
 */
export async function transactionCodes(
  db: DynamoDBDocumentClient,
  items: TransactItem[],
): Promise<string[] | null> {
  try {
    await db.send(new TransactWriteCommand({ TransactItems: items }));
    return null;
  } catch (error) {
    if (!(error instanceof TransactionCanceledException) || !error.CancellationReasons) {
      if (!isStorageFailure(error)) throw error;
      throw new StorageError(`transaction failed: ${(error as Error).name}`, { cause: error });
    }
    const codes = error.CancellationReasons.map((reason) => reason.Code ?? "None");
    const unexpected = codes.find((code) => !HANDLED_CODES.includes(code));
    if (unexpected) {
      throw new Error(`transaction cancelled: ${unexpected}`, { cause: error });
    }
    return codes;
  }
}

/** Consistent BatchGetItem of any number of keys, retrying unprocessed ones. */
export async function batchGetAll(
  db: DynamoDBDocumentClient,
  table: string,
  keys: readonly Key[],
  maxAttempts: number,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += MAX_BATCH_GET_KEYS) {
    let request = keys.slice(i, i + MAX_BATCH_GET_KEYS);
    for (let attempt = 1; request.length > 0; attempt++) {
      if (attempt > maxAttempts) throw new StorageError("reads kept being throttled");
      if (attempt > 1) await sleep(backoff(attempt));
      const out = await db.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: request, ConsistentRead: true } } }),
      );
      items.push(...(out.Responses?.[table] ?? []));
      request = (out.UnprocessedKeys?.[table]?.Keys as Key[] | undefined) ?? [];
    }
  }
  return items;
}
