/**
 * The rescore use case: a customer whose score is due (its `dueAt` has passed: a new UTC day
 * needs its history point, or decay may now move its tier, red flags or drop state) is scored
 * again, so a customer who goes silent decays toward at-risk without any new event. Only due
 * customers are read, from the `DueScores` port, one shard per parallel reader; a score that
 * shows the same is kept, not rewritten.
 *
 * A new model makes every score due: until a run has swept every score computed with another
 * model or stored without a due time (a Scan, once per model change and at the first deploy),
 * each run also rescores those, so a model change reaches every customer within one interval.
 */
import { type ScoreDeps, scoreAccounts } from "./score-accounts.ts";

/** Read port: which customers are due for a rescore. */
export interface DueScores {
  /** Disjoint shards that together hold every score; each is read on its own. */
  readonly shards: number;
  /** Pages of account ids of `shard` whose score is due at `now` (dueAt <= now, epoch ms). */
  dueAccounts(now: number, shard: number): AsyncIterable<string[]>;
  /** The model version every score was last swept to; null before any sweep. */
  sweptModel(): Promise<string | null>;
  /** Records that every score has been computed with `modelVersion`. */
  markSwept(modelVersion: string): Promise<void>;
  /**
   * Pages of account ids of `shard` whose score was computed with a model other than
   * `modelVersion`, or records no due time (stored before due times existed).
   */
  unsweptAccounts(modelVersion: string, shard: number): AsyncIterable<string[]>;
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
}

/** Rescores every customer due at `now`, and after a model change every other score too. */
export async function rescoreDue(
  deps: RescoreDeps,
  options: RescoreOptions = {},
  now = Date.now(),
): Promise<RescoreResult> {
  const chunkSize = options.chunkSize ?? 99;
  const modelVersion = deps.model.modelVersion;
  const sweeping = (await deps.due.sweptModel()) !== modelVersion;
  const totals = { due: 0, scored: 0, written: 0, kept: 0, failed: 0, published: 0 };
  let cut = false;

  const score = async (ids: readonly string[]) => {
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
  };
  // Scan segments are not due shards: one set for the run scores a customer in both once.
  const seen = new Set<string>();
  const drain = async (pages: AsyncIterable<string[]>) => {
    for await (const ids of pages) {
      if (options.deadline !== undefined && Date.now() > options.deadline) {
        cut = true;
        return;
      }
      const fresh = ids.filter((id) => !seen.has(id));
      for (const id of fresh) seen.add(id);
      await score(fresh);
    }
  };
  await Promise.all(
    Array.from({ length: deps.due.shards }, async (_, shard) => {
      await drain(deps.due.dueAccounts(now, shard));
      if (sweeping) await drain(deps.due.unsweptAccounts(modelVersion, shard));
    }),
  );
  // A sweep cut short, or with failures, is taken up again by the next run.
  if (sweeping && !cut && totals.failed === 0) await deps.due.markSwept(modelVersion);
  return { ...totals, swept: sweeping };
}
