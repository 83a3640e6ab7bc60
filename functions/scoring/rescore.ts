/**
 * The rescore use case: a customer whose score is due (its `dueAt` has passed: a new UTC day
 * needs its history point, or decay may now move its tier, red flags or drop state) is scored
 * again, so a customer who goes silent decays toward at-risk without any new event. Only due
 * customers are read, from the `DueScores` port, one shard per parallel reader; a score that
 * shows the same is kept, not rewritten.
 */
import { type ScoreDeps, scoreAccounts } from "./score-accounts.ts";

/** Read port: which customers are due for a rescore. */
export interface DueScores {
  /** Disjoint shards that together hold every score; each is read on its own. */
  readonly shards: number;
  /** Pages of account ids of `shard` whose score is due at `now` (dueAt <= now, epoch ms). */
  dueAccounts(now: number, shard: number): AsyncIterable<string[]>;
}

export interface RescoreDeps extends ScoreDeps {
  readonly due: DueScores;
}

export interface RescoreOptions {
  /** Customers scored per call of the scoring use case (one BatchGet round per 33). @default 99 */
  readonly chunkSize?: number;
  /** Stop starting new pages after this time (epoch ms): the next run picks up the rest. */
  readonly deadline?: number;
}

export interface RescoreResult {
  /** Customers found due. */
  readonly due: number;
  readonly scored: number;
  /** Score items written (a customer without an aggregate is scored but not written). */
  readonly written: number;
  /** Scores that showed the same: kept, only their history point and due time written. */
  readonly kept: number;
  readonly failed: number;
  readonly published: number;
}

/** Rescores every customer due at `now`. */
export async function rescoreDue(
  deps: RescoreDeps,
  options: RescoreOptions = {},
  now = Date.now(),
): Promise<RescoreResult> {
  const chunkSize = options.chunkSize ?? 99;
  const totals = { due: 0, scored: 0, written: 0, kept: 0, failed: 0, published: 0 };

  await Promise.all(
    Array.from({ length: deps.due.shards }, async (_, shard) => {
      for await (const ids of deps.due.dueAccounts(now, shard)) {
        if (options.deadline !== undefined && Date.now() > options.deadline) return;
        totals.due += ids.length;
        for (let i = 0; i < ids.length; i += chunkSize) {
          const result = await scoreAccounts(deps, ids.slice(i, i + chunkSize), now, {
            keepUnchanged: true,
          });
          totals.scored += result.scored.length;
          totals.written += result.written;
          totals.kept += result.kept;
          totals.failed += result.failed.size;
          totals.published += result.published;
        }
      }
    }),
  );
  return totals;
}
