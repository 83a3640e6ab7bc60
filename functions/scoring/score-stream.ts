/**
 * The stream side of scoring: a batch of aggregate changes, each customer scored once from
 * its newest state; failures reported per customer so one bad customer never takes the
 * batch with it (issue 9 §3).
 *
 * How Lambda reads the answer (DynamoDB streams, ReportBatchItemFailures and
 * BisectBatchOnFunctionError on, see lib/topology.ts SCORE_STREAM):
 * - a partial batch response checkpoints before the lowest failed sequence number and
 *   retries from there, so records after it are delivered again (they score again: the
 *   write is versioned and event ids are deterministic, so nothing is published twice);
 * - a function error splits the batch in two without using a retry attempt.
 * So when a failed customer's record is not the first of the batch, we report that
 * customer's records: the good records before it are checkpointed. When it is the first
 * (as on every retry), a partial response could not move the checkpoint, and the good
 * records behind it would share its fate in the dead-letter queue; we throw instead, so
 * Lambda bisects until the failing customer's records stand alone, retries them, and sends
 * only them to the DLQ. Each failure is logged with the customer and its cause.
 */
import { countMetric, logger } from "../adapters/powertools.ts";
import { type ScoreDeps, scoreAccounts } from "./score-accounts.ts";

/**
 * One delivered change, in delivery order: the account it is about (null when the record
 * names none) and where it sits in the stream, the position a partial failure reports.
 */
export interface ChangedAccount {
  readonly accountId: string | null;
  readonly position: string;
  /** How the log names a change without an account (the delivery's own id). */
  readonly label?: string;
}

export class UnscorableRecordError extends Error {
  override readonly name = "UnscorableRecordError";
}

/** Thrown when the failed records lead the batch, so that Lambda bisects it. */
export class BatchHeadFailedError extends Error {
  override readonly name = "BatchHeadFailedError";
}

/** Scores the batch's customers once each; returns the changes whose customer failed. */
export async function scoreChangedAccounts(
  deps: ScoreDeps,
  changes: readonly ChangedAccount[],
  now = Date.now(),
): Promise<ChangedAccount[]> {
  const result = await scoreAccounts(
    deps,
    changes.flatMap((c) => (c.accountId === null ? [] : [c.accountId])),
    now,
  );
  countMetric("ScoresWritten", result.written);

  const causes = new Map<string, { error: Error; sequenceNumbers: string[] }>();
  const failed: ChangedAccount[] = [];
  for (const change of changes) {
    const { accountId } = change;
    const error: Error | undefined =
      accountId === null
        ? new UnscorableRecordError("stream record without an account key")
        : result.failed.get(accountId);
    if (!error) continue;
    failed.push(change);
    const key = accountId ?? `(no account key: event ${change.label ?? "?"})`;
    const cause = causes.get(key) ?? { error, sequenceNumbers: [] };
    cause.sequenceNumbers.push(change.position);
    causes.set(key, cause);
  }
  if (failed.length === 0) return [];

  for (const [accountId, { error, sequenceNumbers }] of causes) {
    logger.error("customer not scored; its records go back to the stream", {
      accountId,
      sequenceNumbers,
      error,
    });
  }
  if (failed[0] === changes[0]) {
    throw new BatchHeadFailedError(
      `${causes.size} customer(s) not scored, the batch's first record among them (causes logged): bisect`,
    );
  }
  return failed;
}
