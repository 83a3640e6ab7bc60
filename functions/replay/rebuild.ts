/**
 * Rebuilding one account from its event log (design decision 12). Primary course:
 * 1. read the account's applied event records, oldest source time first;
 * 2. fold them into an aggregate with the same rule online ingestion uses (`updateFor`),
 *    day by day, scoring the customer as of the end of every UTC day from its first
 *    event's day to yesterday (within the retention) with the previous day's score for
 *    tier hysteresis;
 * 3. write those daily history points, then replace the stored aggregate with the fold of
 *    every event. Writing the aggregate's state makes the score function rescore the
 *    customer, which writes today's point: a day still running is live scoring's.
 * The same log and clock give the same items, so a second run writes identical items.
 */
import { type Aggregate, emptyAggregate, MutableAggregate } from "../domain/aggregate.ts";
import { RETENTION_DAYS } from "../domain/history.ts";
import type { CompiledModel } from "../domain/model.ts";
import { type HealthScore, score } from "../domain/score.ts";
import { DAY_MS, epochDay } from "../domain/time.ts";
import { type EventRecord, updateFor } from "../webhook/ingest.ts";
import type { EventLog, HistoryPoint, RebuildTarget } from "./ports.ts";

/** Days of daily history a rebuild writes: the retention, as the history items' TTL. */
export const HISTORY_RETENTION_DAYS = RETENTION_DAYS;

export interface RebuildDeps {
  readonly log: EventLog;
  readonly target: RebuildTarget;
  readonly model: CompiledModel;
}

export interface RebuildResult {
  readonly accountId: string;
  /** Applied events read from the log. */
  readonly events: number;
  /** Daily history points written. */
  readonly days: number;
}

export interface ReplayedAccount {
  /** The fold of every event. */
  readonly aggregate: Aggregate;
  /** One point per day from the first event's day (within the retention) to yesterday. */
  readonly points: HistoryPoint[];
}

/** The moment a UTC day ends: its last millisecond, so that the point is filed under that day. */
export const endOfDay = (day: number) => (day + 1) * DAY_MS - 1;

/**
 * Replays an account's records (any order; applied ones only are folded) as of `now`:
 * its aggregate and a score at the end of each finished day. Pure.
 */
export function replayAccount(
  accountId: string,
  records: readonly EventRecord[],
  compiled: CompiledModel,
  now: number,
): ReplayedAccount {
  const applied = records
    .filter((r) => r.status === "applied")
    // Stable on equal times; the fold itself does not depend on order (decision 2).
    .sort((a, b) => a.occurredAt - b.occurredAt);
  const today = epochDay(now);
  const firstWritten = today - HISTORY_RETENTION_DAYS;
  const points: HistoryPoint[] = [];
  // One aggregate grown in place, event by event: linear in the account's history.
  const aggregate = new MutableAggregate(emptyAggregate(accountId));
  const fold = (record: EventRecord) =>
    aggregate.apply(updateFor(record, accountId, compiled.model));
  let previous: HealthScore | null = null;
  let next = 0;
  const first = applied[0];
  if (first !== undefined) {
    for (let day = epochDay(first.occurredAt); day < today; day++) {
      const end = endOfDay(day);
      while (next < applied.length && (applied[next] as EventRecord).occurredAt <= end) {
        fold(applied[next++] as EventRecord);
      }
      if (day < firstWritten) continue;
      previous = score(aggregate.build(), compiled, previous, end);
      points.push(historyPoint(previous));
    }
  }
  while (next < applied.length) fold(applied[next++] as EventRecord);
  return { aggregate: aggregate.build(), points };
}

const historyPoint = (s: HealthScore): HistoryPoint => ({
  accountId: s.accountId,
  score: s.score,
  tier: s.tier,
  coverage: s.coverage,
  modelVersion: s.modelVersion,
  computedAt: s.computedAt,
});

/** Reads every applied record of the account from the log. */
export async function readLog(log: EventLog, accountId: string): Promise<EventRecord[]> {
  const records: EventRecord[] = [];
  for await (const page of log.eventsOf(accountId)) records.push(...page);
  return records;
}

/** Rebuilds one account's aggregate and daily history from its event log. */
export async function rebuildAccount(
  deps: RebuildDeps,
  accountId: string,
  now: number,
  records?: readonly EventRecord[],
): Promise<RebuildResult> {
  const read = records ?? (await readLog(deps.log, accountId));
  const { aggregate, points } = replayAccount(accountId, read, deps.model, now);
  // History first: the rescore the aggregate write triggers reads the drop window's point.
  await deps.target.writeHistory(accountId, points);
  if (read.length > 0) await deps.target.replaceAggregate(accountId, aggregate, now);
  return { accountId, events: read.length, days: points.length };
}
