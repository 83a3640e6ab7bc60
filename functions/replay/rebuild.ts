/**
 * Rebuilding one account from its event log (design decision 12). Primary course:
 * 1. read the account's applied event records, oldest source time first;
 * 2. fold them into an aggregate with the same rule online ingestion uses (`updateFor`),
 *    day by day, scoring the customer as of the end of every UTC day from its first
 *    event's day to yesterday (within the retention) with the previous day's score for
 *    tier hysteresis;
 * 3. write those daily history points, then replace the stored aggregate with the fold of
 *    every event (on top of what the stored one knows from before the log: `carriedOver`). Writing the aggregate's state makes the score function rescore the
 *    customer, which writes today's point: a day still running is live scoring's.
 * The same log and clock give the same items, so a second run writes identical items.
 */
import { type Aggregate, emptyAggregate, MutableAggregate } from "../domain/aggregate.ts";
import { monthOfDay, RETENTION_DAYS } from "../domain/history.ts";
import type { CompiledModel } from "../domain/model.ts";
import { type HealthScore, score } from "../domain/score.ts";
import { DAY_MS, epochDay } from "../domain/time.ts";
import { countedAt, type EventRecord, updateFor } from "../webhook/ingest.ts";
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
 * What the stored aggregate knows from before the log's first event: event records expire
 * after EVENT_RETENTION_DAYS, so an account older than that has registers (its profile,
 * a subscription unchanged for a year), milestones, open tickets, failed invoices and days
 * whose events are gone. The log says nothing about them, so they are kept: registers set
 * before its first event, and whatever no event of the log names. Anything the log names
 * is the log's, so a second run carries exactly what the first one did.
 */
export function carriedOver(
  stored: Aggregate | null,
  accountId: string,
  applied: readonly EventRecord[],
  compiled: CompiledModel,
): Aggregate {
  const first = applied[0];
  if (stored === null || first === undefined) return emptyAggregate(accountId);
  const logged = new MutableAggregate(emptyAggregate(accountId));
  for (const record of applied) logged.apply(updateFor(record, accountId, compiled.model));
  const firstDay = epochDay(countedAt(first));
  const firstMonth = monthOfDay(firstDay);
  const older = <V>(map: ReadonlyMap<number, V>, keep: (key: number) => boolean) =>
    new Map([...map].filter(([key]) => keep(key)));
  return {
    ...emptyAggregate(accountId),
    registers: Object.fromEntries(
      Object.entries(stored.registers).filter(([, value]) => value.ts < countedAt(first)),
    ),
    milestones: new Set([...stored.milestones].filter((m) => !logged.milestones.has(m))),
    openTickets: new Map([...stored.openTickets].filter(([id]) => !logged.tickets.has(id))),
    failedInvoices: new Map([...stored.failedInvoices].filter(([id]) => !logged.invoices.has(id))),
    features: new Map([...stored.features].filter(([, day]) => day < firstDay)),
    days: older(stored.days, (day) => day < firstDay),
    months: older(stored.months, (month) => month < firstMonth),
  };
}

/**
 * Replays an account's records (any order; applied ones only are folded) as of `now`,
 * on top of what `stored` knows from before them (`carriedOver`): its aggregate and a
 * score at the end of each finished day. Pure.
 */
export function replayAccount(
  accountId: string,
  records: readonly EventRecord[],
  compiled: CompiledModel,
  now: number,
  stored: Aggregate | null = null,
): ReplayedAccount {
  const applied = records
    .filter((r) => r.status === "applied")
    // Stable on equal times; the fold itself does not depend on order (decision 2).
    .sort((a, b) => countedAt(a) - countedAt(b));
  const today = epochDay(now);
  const firstWritten = today - HISTORY_RETENTION_DAYS;
  const points: HistoryPoint[] = [];
  // One aggregate grown in place, event by event: linear in the account's history.
  const aggregate = new MutableAggregate(carriedOver(stored, accountId, applied, compiled));
  const fold = (record: EventRecord) =>
    aggregate.apply(updateFor(record, accountId, compiled.model));
  let previous: HealthScore | null = null;
  let next = 0;
  const first = applied[0];
  if (first !== undefined) {
    for (let day = epochDay(countedAt(first)); day < today; day++) {
      const end = endOfDay(day);
      while (next < applied.length && countedAt(applied[next] as EventRecord) <= end) {
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
  if (read.length === 0) return { accountId, events: 0, days: 0 };
  const stored = await deps.target.currentAggregate(accountId);
  const { aggregate, points } = replayAccount(accountId, read, deps.model, now, stored);
  // History first: the rescore the aggregate write triggers reads the drop window's point.
  await deps.target.writeHistory(accountId, points);
  await deps.target.replaceAggregate(accountId, aggregate, now);
  return { accountId, events: read.length, days: points.length };
}
