/**
 * What the score function's fold moves (aggregate-layout.ts names the items): day buckets
 * older than yesterday into their month, months older than the exact window folded into
 * moments, months beyond the retention dropped after their newest MRR moved forward.
 */
import { isNewer, type LatestValue, newer } from "../../domain/aggregate.ts";
import {
  firstRetainedDay,
  foldDays,
  isFoldableMonth,
  isRetainedMonth,
  monthOfDay,
  withBaselineMrr,
} from "../../domain/history.ts";
import {
  DAY_BUCKET_PREFIX,
  dayOfSk,
  decodeAggregate,
  exactMonthItem,
  FOLDED,
  firstBucketDay,
  foldedMonthItem,
  type Item,
  MONTH_PREFIX,
  monthOfSk,
  monthSk,
  VERSION,
} from "./aggregate-layout.ts";

/** One fold: a month item written over the version read, and the day buckets it took in. */
export interface FoldStep {
  readonly month: Item;
  /** The month's version as read; null when it did not exist. */
  readonly monthVersion: number | null;
  readonly days: readonly { readonly sk: string; readonly version: number }[];
}
/** A month beyond the retention, deleted over the version read. */
export interface DropStep {
  readonly sk: string;
  readonly version: number | null;
}

const versionOf = (item: Item | undefined) =>
  item === undefined ? null : typeof item[VERSION] === "number" ? (item[VERSION] as number) : 0;

/**
 * What to move at `now`, given an account's `AGG*` items: day buckets before yesterday into
 * their month, months older than the exact window folded, months beyond the retention
 * dropped. Each step is written conditionally on the versions read, so a webhook writing a
 * day meanwhile only delays it to the next scoring. Facts read the same before and after.
 */
export function planFold(accountId: string, items: readonly Item[], now: number) {
  const bucketFrom = firstBucketDay(now);
  const monthItems = new Map<number, Item>();
  const late = new Map<number, Item[]>();
  for (const item of items) {
    const sk = String(item.sk);
    if (sk.startsWith(MONTH_PREFIX)) monthItems.set(monthOfSk(sk), item);
    else if (sk.startsWith(DAY_BUCKET_PREFIX) && dayOfSk(sk) < bucketFrom) {
      const month = monthOfDay(dayOfSk(sk));
      late.set(month, [...(late.get(month) ?? []), item]);
    }
  }
  const folds: FoldStep[] = [];
  const drops: DropStep[] = [];
  // What is beyond the retention is dropped, but its newest MRR moves into the first month
  // kept: the contraction lookback still reads it (history.ts compactAggregate does the same).
  let baseline: LatestValue | undefined;
  for (const month of [...new Set([...monthItems.keys(), ...late.keys()])]) {
    if (isRetainedMonth(month, now)) continue;
    const stored = monthItems.get(month);
    const buckets = late.get(month) ?? [];
    const view = decodeAggregate(accountId, [...(stored ? [stored] : []), ...buckets]);
    for (const folded of view.months.values()) baseline = newer(folded.mrr, baseline);
    for (const day of view.days.values()) baseline = newer(day.mrr, baseline);
    if (stored) drops.push({ sk: monthSk(month), version: versionOf(stored) });
    for (const b of buckets) drops.push({ sk: String(b.sk), version: versionOf(b) });
  }
  const firstKept = monthOfDay(firstRetainedDay(now));
  const months = new Set([...monthItems.keys(), ...late.keys(), ...(baseline ? [firstKept] : [])]);
  for (const month of [...months].sort((a, b) => a - b)) {
    if (!isRetainedMonth(month, now)) continue;
    const stored = monthItems.get(month);
    const buckets = late.get(month) ?? [];
    const foldable = isFoldableMonth(month, now);
    const alreadyFolded = stored?.[FOLDED] === true;
    const view = decodeAggregate(accountId, [...(stored ? [stored] : []), ...buckets]);
    const carried = month === firstKept && baseline !== undefined;
    const moves = carried && isNewer(baseline as LatestValue, view.months.get(month)?.mrr);
    if (buckets.length === 0 && (!foldable || alreadyFolded) && !moves) continue;
    let folded = foldDays(month, view.months.get(month), view.days, view.features.size > 0);
    if (carried) folded = withBaselineMrr(folded, baseline as LatestValue);
    const next = foldable
      ? foldedMonthItem(accountId, month, folded)
      : exactMonthItem(accountId, month, view.days, view.features);
    folds.push({
      month: { ...next, [VERSION]: (versionOf(stored) ?? 0) + 1 },
      monthVersion: versionOf(stored),
      days: buckets.map((b) => ({ sk: String(b.sk), version: versionOf(b) ?? 0 })),
    });
  }
  return { folds, drops };
}
