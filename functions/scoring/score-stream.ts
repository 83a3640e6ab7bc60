/**
 * The stream use case: a batch of aggregate changes, each customer scored once from its
 * newest state, failures reported per record so Lambda retries only what failed.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { accountIdFromPk } from "../adapters/dynamo/keys.ts";
import { type ScoreDeps, scoreAccounts } from "./score-accounts.ts";

const processor = new BatchProcessor(EventType.DynamoDBStreams);

/** The account a stream record is about (its key is `ACCOUNT#id`). */
export function accountOfRecord(record: DynamoDBRecord): string | null {
  const pk = record.dynamodb?.Keys?.pk?.S;
  return pk?.startsWith("ACCOUNT#") ? accountIdFromPk(pk) : null;
}

export class UnscorableRecordError extends Error {
  override readonly name = "UnscorableRecordError";
}

/** Scores the batch's customers once each; returns the records whose customer failed. */
export async function handleScoreStream(
  deps: ScoreDeps,
  event: DynamoDBStreamEvent,
  now = Date.now(),
): Promise<DynamoDBBatchResponse> {
  const accounts = event.Records.map(accountOfRecord).filter((a): a is string => a !== null);
  const result = await scoreAccounts(deps, accounts, now);
  return processPartialResponse(
    event,
    async function reportRecord(record: DynamoDBRecord) {
      const accountId = accountOfRecord(record);
      if (accountId === null)
        throw new UnscorableRecordError("stream record without an account key");
      const failure = result.failed.get(accountId);
      if (failure) throw failure;
    },
    processor,
    // Let Lambda bisect and retry a batch that failed whole, then send it to the DLQ.
    { throwOnFullBatchFailure: true },
  );
}
