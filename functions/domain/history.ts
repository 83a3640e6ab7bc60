/**
 * How long an account's history is kept, and how it is read back decayed.
 *
 * Days are kept exact for `EXACT_DAYS`; after that a whole month is folded into three
 * moments per metric (Σw, Σw·δ, Σw·δ², δ in days from the month's middle). Reading a decayed
 * sum at any half-life h is then exact for exact days and, for a folded month, the
 * second-order expansion of 2^(δ/h) around the middle:
 *   Σ w·2^(δ/h) ≈ s0 + a·s1 + a²·s2/2, a = ln2/h,
 * whose error is below (a·15.5)³/6 of the month's own weight: at most 0.8% for h = 30 days,
 * on a month that is at least 3 months old, so already decayed to an eighth. A month whose
 * last day is more than `RETENTION_DAYS` old is not read at all.
 *
 * Time resolution is the UTC day: every event of a day counts at the day's noon.
 */
import type { Aggregate, Day, FoldedMonth, LatestValue, Metric, Moments } from "./aggregate.ts";
import { newer } from "./aggregate.ts";
import { DAY_MS, epochDay } from "./time.ts";

/** Days of history read: a month whose last day is older is dropped. */
export const RETENTION_DAYS = 400;
/**
 * Days kept exact. Model settings read at day resolution (the adoption window, the
 * contraction lookback) must stay within it: model validation says so (model.ts).
 */
export const EXACT_DAYS = 92;

/** `yyyymm` of an epoch day. */
export function monthOfDay(day: number): number {
  const d = new Date(day * DAY_MS);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
}

/** First and last epoch day of a `yyyymm` month. */
export function monthDays(month: number): { first: number; last: number } {
  const year = Math.floor(month / 100);
  const index = (month % 100) - 1;
  const first = epochDay(Date.UTC(year, index, 1));
  const last = epochDay(Date.UTC(year, index + 1, 1)) - 1;
  return { first, last };
}

/** The middle of a month, in epoch days (noon of day d is d + 0.5). */
export function monthMiddle(month: number): number {
  const { first, last } = monthDays(month);
  return (first + last + 1) / 2;
}

/** The first epoch day whose month is still read at `now`. */
export function retainedFromDay(now: number): number {
  return epochDay(now) - RETENTION_DAYS;
}

/** True while a month is read at `now`: its last day is within the retention. */
export const isRetainedMonth = (month: number, now: number) =>
  monthDays(month).last >= retainedFromDay(now);

/** True once a month is old enough to be folded at `now`. */
export const isFoldableMonth = (month: number, now: number) =>
  monthDays(month).last < epochDay(now) - EXACT_DAYS;

const NO_MOMENTS: Moments = [0, 0, 0];

/** A folded month with more days added (days of that month; late ones are added too). */
export function foldDays(
  month: number,
  folded: FoldedMonth | undefined,
  days: Iterable<readonly [number, Day]>,
  featuresUsed: boolean,
): FoldedMonth {
  const middle = monthMiddle(month);
  const moments: Partial<Record<Metric, Moments>> = { ...folded?.moments };
  let firstActiveDay = folded?.firstActiveDay ?? null;
  let lastActiveDay = folded?.lastActiveDay ?? null;
  let mrr: LatestValue | undefined = folded?.mrr;
  for (const [day, data] of days) {
    const delta = day + 0.5 - middle;
    for (const metric of Object.keys(data.sums) as Metric[]) {
      const w = data.sums[metric] as number;
      const [s0, s1, s2] = moments[metric] ?? NO_MOMENTS;
      moments[metric] = [s0 + w, s1 + w * delta, s2 + w * delta * delta];
    }
    if (data.active) {
      firstActiveDay = firstActiveDay === null ? day : Math.min(firstActiveDay, day);
      lastActiveDay = lastActiveDay === null ? day : Math.max(lastActiveDay, day);
    }
    mrr = newer(data.mrr, mrr);
  }
  return {
    moments,
    firstActiveDay,
    lastActiveDay,
    ...(mrr ? { mrr } : {}),
    featuresUsed: (folded?.featuresUsed ?? false) || featuresUsed,
  };
}

/**
 * The aggregate as it is kept at `now`: days of months older than the exact window folded,
 * months beyond the retention dropped, features last used before the exact window dropped
 * (their month remembers that features were used). Reading it gives the same facts as
 * the unfolded aggregate, within the expansion's error (see above).
 */
export function compactAggregate(aggregate: Aggregate, now: number): Aggregate {
  const days = new Map<number, Day>();
  const toFold = new Map<number, [number, Day][]>();
  // The newest MRR of the history dropped: the contraction lookback still reads it.
  let baseline: LatestValue | undefined;
  for (const [day, data] of aggregate.days) {
    const month = monthOfDay(day);
    if (!isRetainedMonth(month, now)) baseline = newer(data.mrr, baseline);
    else if (!isFoldableMonth(month, now)) days.set(day, data);
    else toFold.set(month, [...(toFold.get(month) ?? []), [day, data]]);
  }
  const featureMonths = new Set<number>();
  const features = new Map<string, number>();
  for (const [feature, day] of aggregate.features) {
    if (isFoldableMonth(monthOfDay(day), now)) featureMonths.add(monthOfDay(day));
    else features.set(feature, day);
  }
  const months = new Map<number, FoldedMonth>();
  for (const [month, folded] of aggregate.months) {
    if (isRetainedMonth(month, now)) months.set(month, folded);
    else baseline = newer(folded.mrr, baseline);
  }
  for (const [month, monthDays] of toFold) {
    months.set(month, foldDays(month, months.get(month), monthDays, false));
  }
  for (const month of featureMonths) {
    const folded = months.get(month) ?? foldDays(month, undefined, [], false);
    if (isRetainedMonth(month, now)) months.set(month, { ...folded, featuresUsed: true });
  }
  if (baseline) {
    const first = monthOfDay(firstRetainedDay(now));
    months.set(
      first,
      withBaselineMrr(months.get(first) ?? foldDays(first, undefined, [], false), baseline),
    );
  }
  return { ...aggregate, days, months, features };
}

/** A folded month that also remembers an older MRR (the newest of the history dropped). */
export function withBaselineMrr(folded: FoldedMonth, baseline: LatestValue): FoldedMonth {
  const mrr = newer(folded.mrr, baseline);
  return mrr ? { ...folded, mrr } : folded;
}

/**
 * The first day still read at `now`: retention drops whole months, so it is the first day
 * of the month holding `now − RETENTION_DAYS`.
 */
export function firstRetainedDay(now: number): number {
  return monthDays(monthOfDay(retainedFromDay(now))).first;
}

/** Which half-lives each metric is read with. */
export type HalfLivesOf = Readonly<Partial<Record<Metric, readonly number[]>>>;

/**
 * Decayed sums of an aggregate's retained history at one instant, for the half-lives each
 * metric is read with, in one pass: each day and month costs one exponential per distinct
 * half-life, whatever the number of metrics.
 */
export class DecayedHistory {
  private readonly sums = new Map<string, number>();
  private readonly totals = new Map<Metric, number>();

  constructor(aggregate: Aggregate, now: number, halfLivesOf: HalfLivesOf) {
    const nowDays = now / DAY_MS;
    const fromDay = firstRetainedDay(now);
    const fromMonth = monthOfDay(fromDay);
    const rates = [...new Set(Object.values(halfLivesOf).flat())].map((h) => ({
      h,
      a: Math.LN2 / (h as number),
    }));
    const factors = new Map<number, number>();
    const add = (metric: Metric, w: number, factorOf: (h: number) => number) => {
      this.totals.set(metric, (this.totals.get(metric) ?? 0) + w);
      for (const h of halfLivesOf[metric] ?? []) {
        const key = `${metric}/${h}`;
        this.sums.set(key, (this.sums.get(key) ?? 0) + factorOf(h));
      }
    };
    for (const [day, data] of aggregate.days) {
      if (day < fromDay) continue;
      const age = nowDays - (day + 0.5);
      for (const { h, a } of rates) factors.set(h, Math.exp(-a * age));
      for (const metric of Object.keys(data.sums) as Metric[]) {
        const w = data.sums[metric] as number;
        add(metric, w, (h) => w * (factors.get(h) as number));
      }
    }
    for (const [month, folded] of aggregate.months) {
      if (month < fromMonth) continue;
      const age = nowDays - monthMiddle(month);
      for (const metric of Object.keys(folded.moments) as Metric[]) {
        const [s0, s1, s2] = folded.moments[metric] as Moments;
        add(metric, s0, (h) => {
          const a = Math.LN2 / h;
          return Math.exp(-a * age) * (s0 + a * s1 + (a * a * s2) / 2);
        });
      }
    }
  }

  /** The decayed sum of `metric` at half-life `h` (0 without data). */
  value(metric: Metric, h: number): number {
    return this.sums.get(`${metric}/${h}`) ?? 0;
  }

  /** True when the retained history has any value of `metric`. */
  seen(metric: Metric): boolean {
    return this.totals.has(metric);
  }

  /** The undecayed total within the retention. */
  total(metric: Metric): number {
    return this.totals.get(metric) ?? 0;
  }
}
