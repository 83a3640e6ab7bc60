/**
 * The rescore use case: every customer whose score is older than the interval is scored
 * again, so a customer who goes silent decays toward at-risk without any new event.
 * Stale customers come from the `StaleScores` port in disjoint segments read in parallel.
 */
import { type ScoreDeps, scoreAccounts } from "./score-accounts.ts";

/** Read port: which customers hold a score computed before a cutoff. */
export interface StaleScores {
  /**
   * Pages of account ids whose score was computed before `cutoff` (epoch ms), in segment
   * `segment` of `segments` disjoint parts; together the segments cover every score.
   */
  staleAccounts(cutoff: number, segment: number, segments: number): AsyncIterable<string[]>;
}

export interface RescoreDeps extends ScoreDeps {
  readonly stale: StaleScores;
}

export interface RescoreOptions {
  readonly intervalMinutes: number;
  /** Segments read in parallel. @default 4 */
  readonly segments?: number;
  /** Customers scored per call of the scoring use case (one BatchGet round per 33). @default 99 */
  readonly chunkSize?: number;
  /** Stop starting new pages after this time (epoch ms): the next run picks up the rest. */
  readonly deadline?: number;
}

export interface RescoreResult {
  readonly stale: number;
  readonly scored: number;
  /** Score items written (a customer without an aggregate is scored but not written). */
  readonly written: number;
  readonly failed: number;
  readonly published: number;
}

/** Rescores every customer whose score is older than `intervalMinutes` at `now`. */
export async function rescoreStale(
  deps: RescoreDeps,
  options: RescoreOptions,
  now = Date.now(),
): Promise<RescoreResult> {
  const cutoff = now - options.intervalMinutes * 60_000;
  const segments = options.segments ?? 4;
  const chunkSize = options.chunkSize ?? 99;
  const totals = { stale: 0, scored: 0, written: 0, failed: 0, published: 0 };

  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      for await (const ids of deps.stale.staleAccounts(cutoff, segment, segments)) {
        if (options.deadline !== undefined && Date.now() > options.deadline) return;
        totals.stale += ids.length;
        for (let i = 0; i < ids.length; i += chunkSize) {
          const result = await scoreAccounts(deps, ids.slice(i, i + chunkSize), now);
          totals.scored += result.scored.length;
          totals.written += result.written;
          totals.failed += result.failed.size;
          totals.published += result.published;
        }
      }
    }),
  );
  return totals;
}
