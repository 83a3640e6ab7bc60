/**
 * When a score next needs a look without any new event (issue 10, item 6), and whether a
 * rescore changed anything a user sees. Pure: the rescore reads only customers whose `dueAt`
 * has passed, and skips rewriting a score that shows the same.
 *
 * Without events a score moves only with time: decay, windows, days of silence. What a user
 * sees changes when that movement carries it across a tier boundary, raises or clears a red
 * flag, or starts or ends a drop; and every UTC day needs its history point. Day-granular
 * facts (days silent, windows) change only at a day start, which is always due; within a day
 * the score is stepped with `score()` itself, so anything the model can do is covered.
 */
import type { Aggregate } from "./aggregate.ts";
import type { CompiledModel } from "./model.ts";
import { type HealthScore, score } from "./score.ts";
import { isScoreDrop } from "./tiers.ts";
import { DAY_MS } from "./time.ts";

/**
 * How precisely a change within the day is located. The due time falls at most this long
 * before the change, never after it: a rescore run at or after the change always finds the
 * customer due (one in the minute before finds nothing new, and looks again).
 */
export const DUE_RESOLUTION_MS = 60_000;

export interface DueInput {
  readonly aggregate: Aggregate;
  readonly compiled: CompiledModel;
  /** The score just computed; it is the previous score of every later one. */
  readonly scored: HealthScore;
  /** Whether `scored` is in a drop against `earlierScore`. */
  readonly inDrop: boolean;
  /** The score `drop.windowDays` before today (fixed until the next day start). */
  readonly earlierScore: number | null;
}

/** Start of the UTC day after the one holding `ms`. */
export const nextDayStart = (ms: number) => (Math.floor(ms / DAY_MS) + 1) * DAY_MS;

/** Start of the UTC day holding `ms`. */
export const dayStart = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

/**
 * A score looked at this close before a day start may be written after that day's sweep
 * read past it: the score function's timeout (60 s) with a margin.
 */
const SWEEP_MARGIN_MS = 5 * 60_000;

/**
 * Whether a score looked at `now`, due at `dueAt`, goes in the due index: it is due again
 * before the next day start (decay will change what it shows today), or was looked at in
 * the day's last minutes. Every other score is due at the next day start, with every
 * customer (its history point), and is found by that day's sweep rather than by its own
 * due time.
 */
export const inDueIndex = (dueAt: number, now: number) =>
  dueAt < nextDayStart(now) || nextDayStart(now) - now < SWEEP_MARGIN_MS;

/**
 * The earliest time (epoch ms) at which, without a new event, a rescore could change what a
 * user sees: the first moment today the tier, the set of red flags or the drop state differs
 * from `scored`'s, or up to DUE_RESOLUTION_MS before it; else the next day start (its
 * history point).
 *
 * Cheap: one score evaluation at the last moment of today; only when that differs, a binary
 * search (at most 11 more). It assumes that within one day without events the score moves one
 * way (every decay is monotone); a wobble across a boundary and back within the day would
 * cross the tier's hysteresis margin twice, and is seen, if still there, at the day start.
 */
export function nextDueAt(input: DueInput, now: number = input.scored.computedAt): number {
  const dayEnd = nextDayStart(now);
  const lastOfDay = dayEnd - 1;
  if (!differs(input, lastOfDay)) return dayEnd;
  let same = now;
  let different = lastOfDay;
  while (different - same > DUE_RESOLUTION_MS) {
    const mid = same + Math.floor((different - same) / 2);
    if (differs(input, mid)) different = mid;
    else same = mid;
  }
  // The change lies in (same, different]: due just after the last moment known unchanged,
  // so that no run between the change and `different` misses it.
  return same + 1;
}

/** Whether the score at `at` differs from `input.scored` in tier, red flags or drop state. */
function differs(input: DueInput, at: number): boolean {
  const { aggregate, compiled, scored, inDrop, earlierScore } = input;
  const later = score(aggregate, compiled, scored, at);
  return (
    later.tier !== scored.tier ||
    flagKey(later) !== flagKey(scored) ||
    isScoreDrop(later.score, earlierScore, compiled.model.drop.points) !== inDrop
  );
}

/** The set of red flags raised, as one comparable string. */
const flagKey = (s: Pick<HealthScore, "flags">) =>
  s.flags
    .map((f) => `${f.name}:${f.tier}`)
    .sort()
    .join(",");

/** The parts of a stored score a user sees, for deciding whether a rescore changed it. */
export type Shown = Pick<
  HealthScore,
  "score" | "tier" | "flags" | "holdingDown" | "coverage" | "modelVersion" | "segment"
> & {
  readonly inDrop: boolean;
  readonly accountName: string | null;
  readonly owner: string | null;
};

/**
 * True when `next` shows the same as `current`: the same score (to the tenth, as stored and
 * as the API shows it), tier, drop state, red flags and what holds it down (their words
 * included: "no product usage for 12 days" becoming 13 is news), coverage, model and
 * segment, and the same name and owner. What moved the score (drivers) and the raw
 * measurements are an explanation of the stored score, kept as they were.
 */
export function showsTheSame(current: Shown, next: Shown): boolean {
  return (
    current.score === next.score &&
    current.tier === next.tier &&
    current.inDrop === next.inDrop &&
    current.coverage === next.coverage &&
    current.modelVersion === next.modelVersion &&
    current.segment === next.segment &&
    current.accountName === next.accountName &&
    current.owner === next.owner &&
    sameList(current.flags, next.flags, (f) => [f.name, f.component, f.tier, f.reason]) &&
    sameList(current.holdingDown, next.holdingDown, (d) => [d.component, d.impact, d.reason])
  );
}

/** Element-wise equality on the fields `key` picks (stored maps come back in any key order). */
function sameList<T>(a: readonly T[], b: readonly T[], key: (item: T) => unknown[]): boolean {
  return (
    a.length === b.length &&
    a.every((item, i) => {
      const x = key(item);
      const y = key(b[i] as T);
      return x.every((v, j) => v === y[j]);
    })
  );
}
