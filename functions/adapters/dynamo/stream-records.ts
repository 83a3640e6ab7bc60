/**
 * The DynamoDB-stream side of scoring: turns a batch of stream records into the changed
 * accounts the score use case takes, and its failures back into the partial batch response
 * Lambda reads (`itemIdentifier` is the record's sequence number).
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { ScoreDeps } from "../../scoring/score-accounts.ts";
import { type ChangedAccount, scoreChangedAccounts } from "../../scoring/score-stream.ts";
import { accountIdFromPk } from "./keys.ts";

/** The account a stream record is about (its key is `ACCOUNT#id`), else null. */
export function accountOfRecord(record: DynamoDBRecord): string | null {
  const pk = record.dynamodb?.Keys?.pk?.S;
  return pk?.startsWith("ACCOUNT#") ? accountIdFromPk(pk) : null;
}

/** The batch's records, in order, as the accounts they changed. */
export function changedAccounts(event: DynamoDBStreamEvent): ChangedAccount[] {
  return event.Records.map((record) => ({
    accountId: accountOfRecord(record),
    position: record.dynamodb?.SequenceNumber ?? "",
    label: record.eventID ?? "?",
  }));
}

/** Scores a stream batch; the answer names the records whose customer failed. */
export async function handleScoreStream(
  deps: ScoreDeps,
  event: DynamoDBStreamEvent,
  now = Date.now(),
): Promise<DynamoDBBatchResponse> {
  const failed = await scoreChangedAccounts(deps, changedAccounts(event), now);
  return { batchItemFailures: failed.map((change) => ({ itemIdentifier: change.position })) };
}
