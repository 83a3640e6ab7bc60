/**
 * Ports of the replay and import use cases: where an account's event log is read, where
 * the rebuilt aggregate and daily history go, and where a long run notes its progress.
 * Nothing here knows about DynamoDB; adapters live in functions/adapters/{dynamo,memory}.
 */
import type { Aggregate } from "../domain/aggregate.ts";
import type { HealthScore } from "../domain/score.ts";
import type { EventRecord } from "../webhook/ingest.ts";

/** The event log (design decision 12): applied event records, per account, in source-time order. */
export interface EventLog {
  /** The account's applied event records, oldest source time first, a page at a time. */
  eventsOf(accountId: string): AsyncIterable<readonly EventRecord[]>;
  /** Every account that has a score, a page at a time, in no particular order (for `--all`). */
  accounts(): AsyncIterable<readonly string[]>;
}

/** One daily history point: a customer's score as of the end of a UTC day. */
export type HistoryPoint = Pick<
  HealthScore,
  "accountId" | "score" | "tier" | "coverage" | "modelVersion" | "computedAt"
>;

/** Where a rebuild writes. Both writes are idempotent: the same input writes the same items. */
export interface RebuildTarget {
  /** The account's aggregate as stored now (null if none), to keep what predates the log. */
  currentAggregate(accountId: string): Promise<Aggregate | null>;
  /** Writes (overwrites) the account's daily history points, one per `isoDay(computedAt)`. */
  writeHistory(accountId: string, points: readonly HistoryPoint[]): Promise<void>;
  /**
   * Replaces everything stored of the account's aggregate by `aggregate` (the layout
   * module encodes it as of `now`); writing its state item makes the score function
   * rescore the customer.
   */
  replaceAggregate(accountId: string, aggregate: Aggregate, now: number): Promise<void>;
}

/** The accounts a run has finished, so an interrupted run resumes where it stopped. */
export interface Checkpoint {
  /** Accounts finished by an earlier, interrupted run (empty on a fresh one). */
  finished(): Promise<ReadonlySet<string>>;
  markFinished(accountId: string): Promise<void>;
  /** The run finished: nothing to resume. */
  clear(): Promise<void>;
}
