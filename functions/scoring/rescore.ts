/**
 * The rescore use case: a customer whose score is due (its `dueAt` has passed: a new UTC day
 * needs its history point, or decay may now move its tier, red flags or drop state) is scored
 * again, so a customer who goes silent decays toward at-risk without any new event. A score
 * that shows the same is kept, not rewritten.
 *
 * Every customer is due once a day, at the day start, for its history point: the first run of
 * each UTC day sweeps every score (a Scan) for those due. Within a day only the few whose decay
 * reaches a boundary are due, and each run reads just those from the `DueScores` port, one
 * shard per parallel reader. A new model makes every score due: the sweep also takes the
 * scores of another model or without a due time, so a model change reaches every customer
 * within one interval. A sweep cut short or with failures is run again by the next run.
 */
import { dayStart } from "../domain/due.ts";
import { impactChanges, replayNotice, type UsageImpacts, usageImpactsOf } from "../domain/model.ts";
import { type ScoreDeps, scoreAccounts } from "./score-accounts.ts";

/** Read port: which customers are due for a rescore. */
export interface DueScores {
  /** Disjoint shards that together hold every score; each is read on its own. */
  readonly shards: number;
  /**
   * Pages of account ids of `shard` whose score is due at `now` (dueAt <= now, epoch ms) and
   * in the due index (`inDueIndex`: due again within the day it was looked at, or looked at
   * in the day's last minutes); the others are the sweep's.
   */
  dueAccounts(now: number, shard: number): AsyncIterable<string[]>;
  /** The last complete sweep (its model and when it started); null before any. */
  lastSweep(): Promise<Sweep | null>;
  /** Records a complete sweep: every score due at `sweep.at` was looked at with its model. */
  markSwept(sweep: Sweep): Promise<void>;
  /**
   * Pages of account ids of `shard` whose score is due at `now` (whether or not within the
   * day), was computed with a model other than `modelVersion`, or records no due time
   * (stored before due times existed).
   */
  unsweptAccounts(modelVersion: string, now: number, shard: number): AsyncIterable<string[]>;
}

export interface Sweep {
  readonly modelVersion: string;
  /** When it started (epoch ms). */
  readonly at: number;
  /** The usage impacts of its model; absent in records from before they were kept. */
  readonly impacts?: UsageImpacts;
}

export interface RescoreDeps extends ScoreDeps {
  readonly due: DueScores;
}

export interface RescoreOptions {
  /** Customers scored per call of the scoring use case (one BatchGet round per 33). @default 99 */
  readonly chunkSize?: number;
  /** Stop starting new chunks after this time (epoch ms): the next run picks up the rest. */
  readonly deadline?: number;
  /** Chunks scored at once. @default 4 */
  readonly workers?: number;
}

export interface RescoreResult {
  /** Customers found due (or, in a sweep, scored with another model). */
  readonly due: number;
  /** True when this run swept scores of another model (a new model or a first deploy). */
  readonly swept: boolean;
  readonly scored: number;
  /** Score items written (a customer without an aggregate is scored but not written). */
  readonly written: number;
  /** Scores that showed the same: kept, only their history point and due time written. */
  readonly kept: number;
  readonly failed: number;
  readonly published: number;
  /**
   * Set by each run until the sweep of a model that weighs usage events differently from the
   * model swept before is complete: what changed, and that stored events need a replay.
   */
  readonly replayNotice: string | null;
}

/** Whether a run at `now` sweeps: no complete sweep since the day started, or another model. */
export const needsSweep = (last: Sweep | null, modelVersion: string, now: number) =>
  last === null || last.modelVersion !== modelVersion || last.at < dayStart(now);

async function allPages(pages: AsyncIterable<string[]>): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of pages) ids.push(...page);
  return ids;
}

/** Rescores every customer due at `now`, and after a model change every other score too. */
export async function rescoreDue(
  deps: RescoreDeps,
  options: RescoreOptions = {},
  now = Date.now(),
): Promise<RescoreResult> {
  const chunkSize = options.chunkSize ?? 99;
  const modelVersion = deps.model.modelVersion;
  const last = await deps.due.lastSweep();
  const sweeping = needsSweep(last, modelVersion, now);
  const impacts = usageImpactsOf(deps.model.model);
  // Impacts weigh events as they are stored: a model that changes them changes no stored
  // event, and the person who deployed it must hear that a replay is needed.
  const changed = last?.impacts ? impactChanges(last.impacts, impacts) : [];
  const totals = { due: 0, scored: 0, written: 0, kept: 0, failed: 0, published: 0 };
  let cut = false;

  const score = async (chunk: readonly string[]) => {
    totals.due += chunk.length;
    const result = await scoreAccounts(deps, chunk, now, { keepUnchanged: true });
    totals.scored += result.scored.length;
    totals.written += result.written;
    totals.kept += result.kept;
    totals.failed += result.failed.size;
    totals.published += result.published;
  };
  // Every id due first (a sweep finds those of the due index too), then scored a chunk at
  // a time by parallel workers: how unevenly a Scan's segments split the tier index (one
  // partition per tier) does not decide how parallel the day's biggest run is.
  const listed = await Promise.all(
    Array.from({ length: deps.due.shards }, (_, shard) =>
      allPages(
        sweeping
          ? deps.due.unsweptAccounts(modelVersion, now, shard)
          : deps.due.dueAccounts(now, shard),
      ),
    ),
  );
  const ids = [...new Set(listed.flat())];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, options.workers ?? 4) }, async () => {
      while (next < ids.length) {
        if (options.deadline !== undefined && Date.now() > options.deadline) {
          cut = true;
          return;
        }
        const chunk = ids.slice(next, next + chunkSize);
        next += chunkSize;
        await score(chunk);
      }
    }),
  );
  // A sweep cut short, or with failures, is taken up again by the next run.
  if (sweeping && !cut && totals.failed === 0) {
    await deps.due.markSwept({ modelVersion, at: now, impacts });
  }
  return {
    ...totals,
    swept: sweeping,
    replayNotice: changed.length > 0 ? replayNotice(changed) : null,
  };
}
