/**
 * Replaying many accounts: each one rebuilt from its event log (rebuild.ts), a few at a
 * time, each finished account noted in a checkpoint so that an interrupted run resumes
 * without redoing it. A failed account is reported and left out of the checkpoint (the next
 * resume retries it); the others go on.
 */
import type { EventRecord } from "../webhook/ingest.ts";
import type { Checkpoint } from "./ports.ts";
import { type RebuildDeps, type RebuildResult, readLog, rebuildAccount } from "./rebuild.ts";

export interface ReplayProgress {
  /** Accounts finished, this run and the run it resumes. */
  readonly done: number;
  readonly total: number;
  /** Events read by this run. */
  readonly events: number;
  readonly failed: number;
}

export interface ReplayOptions {
  readonly checkpoint: Checkpoint;
  /** Accounts rebuilt at the same time. @default 4 */
  readonly concurrency?: number;
  /** Called after every account. */
  readonly onProgress?: (progress: ReplayProgress) => void;
  /**
   * Event keys (`source#eventId`) the log must hold before an account is rebuilt, by
   * account: the index is read eventually consistently, so an import waits for its own
   * writes rather than replacing an aggregate without them.
   */
  readonly expected?: ReadonlyMap<string, ReadonlySet<string>>;
  /** How long to wait for `expected` events to show in the log. @default 10 s */
  readonly expectedWaitMs?: number;
  /**
   * Wait before reading the log again after a rebuild (the index's lag; 0 locally). A
   * webhook applied between the rebuild's read and its write is in the log but may be
   * missing from the aggregate just written: the account is rebuilt again with it.
   * @default 0
   */
  readonly recheckAfterMs?: number;
}

/** Rebuilds of one account in a row when webhooks keep arriving for it meanwhile. */
const MAX_REBUILDS = 3;

export interface ReplayReport {
  readonly total: number;
  /** Finished by an earlier run and skipped. */
  readonly skipped: number;
  readonly rebuilt: RebuildResult[];
  readonly failed: Map<string, Error>;
  readonly events: number;
}

/** A log that did not show an import's own events in time. */
export class LogNotCaughtUpError extends Error {
  override readonly name = "LogNotCaughtUpError";
}

/** Rebuilds `accountIds` (deduplicated) as of `now`, skipping those a checkpoint holds. */
export async function replayAccounts(
  deps: RebuildDeps,
  accountIds: readonly string[],
  now: number,
  options: ReplayOptions,
): Promise<ReplayReport> {
  const unique = [...new Set(accountIds)];
  const finished = await options.checkpoint.finished();
  const pending = unique.filter((id) => !finished.has(id));
  const report: ReplayReport = {
    total: unique.length,
    skipped: unique.length - pending.length,
    rebuilt: [],
    failed: new Map(),
    events: 0,
  };
  let next = 0;
  let events = 0;
  const progress = () =>
    options.onProgress?.({
      done: report.skipped + report.rebuilt.length,
      total: report.total,
      events,
      failed: report.failed.size,
    });
  progress();
  const worker = async () => {
    while (next < pending.length) {
      const accountId = pending[next++] as string;
      try {
        const result = await rebuildSettled(
          deps,
          accountId,
          now,
          await readExpected(deps, accountId, options),
          options.recheckAfterMs ?? 0,
        );
        await options.checkpoint.markFinished(accountId);
        report.rebuilt.push(result);
        events += result.events;
      } catch (error) {
        report.failed.set(accountId, error as Error);
      }
      progress();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  if (report.failed.size === 0) await options.checkpoint.clear();
  return { ...report, events };
}

/** Rebuilds the account until a read of its log after the write shows no event it missed. */
async function rebuildSettled(
  deps: RebuildDeps,
  accountId: string,
  now: number,
  first: EventRecord[],
  recheckAfterMs: number,
): Promise<RebuildResult> {
  let records = first;
  for (let round = 1; ; round++) {
    const result = await rebuildAccount(deps, accountId, now, records);
    if (recheckAfterMs > 0) await new Promise((resolve) => setTimeout(resolve, recheckAfterMs));
    const again = await readLog(deps.log, accountId);
    const seen = new Set(records.map(eventKey));
    if (again.every((r) => seen.has(eventKey(r)))) return result;
    if (round >= MAX_REBUILDS) {
      throw new Error(
        `events kept arriving for ${accountId} while it was rebuilt; run \`npm run replay -- --account ${accountId}\` again when it is quieter`,
      );
    }
    records = again;
  }
}

const eventKey = (r: EventRecord) => `${r.source}#${r.eventId}`;

/** The account's log, once it holds every event `options.expected` names for it. */
async function readExpected(
  deps: RebuildDeps,
  accountId: string,
  options: ReplayOptions,
): Promise<EventRecord[]> {
  const expected = options.expected?.get(accountId);
  const deadline = Date.now() + (options.expectedWaitMs ?? 10_000);
  for (let wait = 100; ; wait = Math.min(wait * 2, 2_000)) {
    const records = await readLog(deps.log, accountId);
    if (!expected) return records;
    const present = new Set(records.map(eventKey));
    const missing = [...expected].filter((key) => !present.has(key)).length;
    if (missing === 0) return records;
    if (Date.now() + wait > deadline) {
      throw new LogNotCaughtUpError(
        `the event log of ${accountId} still lacks ${missing} of the events just written; run \`npm run replay -- --account ${accountId}\` in a minute`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
