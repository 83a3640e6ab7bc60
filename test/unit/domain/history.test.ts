import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  type Aggregate,
  aggregateOf,
  type Day,
  emptyAggregate,
  METRICS,
  type Metric,
  MutableAggregate,
  signalToUpdate,
} from "../../../functions/domain/aggregate.ts";
import { readFacts } from "../../../functions/domain/facts.ts";
import {
  compactAggregate,
  DecayedHistory,
  EXACT_DAYS,
  firstRetainedDay,
  monthDays,
  monthMiddle,
  monthOfDay,
  RETENTION_DAYS,
} from "../../../functions/domain/history.ts";
import { type CompiledModel, compileModel } from "../../../functions/domain/model.ts";
import { score } from "../../../functions/domain/score.ts";
import type { Signal } from "../../../functions/domain/signals.ts";
import { epochDay } from "../../../functions/domain/time.ts";
import { signalsArb } from "../../support/arbitraries.ts";
import { DAY, dailyUsage, NOW, signal } from "../../support/signals.ts";
import { testCompiled, testModelInput } from "../../support/test-model.ts";

const HALF_LIVES = [1, 7, 30, 90] as const;

/** The decayed sum read directly: Σ w·2^(−age/h), age from each day's noon, retained days only. */
function directSum(days: ReadonlyMap<number, Day>, metric: Metric, h: number, now: number) {
  let sum = 0;
  for (const [day, data] of days) {
    if (day < firstRetainedDay(now)) continue;
    sum += (data.sums[metric] ?? 0) * 2 ** (-(now / DAY - (day + 0.5)) / h);
  }
  return sum;
}

/** Days with random sums of a few metrics, up to `maxDaysAgo` before `now`. */
const daysArb = (now: number, maxDaysAgo: number) =>
  fc
    .array(
      fc.tuple(
        fc.integer({ min: 0, max: maxDaysAgo }),
        fc.constantFrom<Metric>("usage", "npsPromoters", "ticketSentimentSum"),
        fc.double({ min: -50, max: 500, noNaN: true }),
      ),
      { maxLength: 60 },
    )
    .map((entries) => {
      const days = new Map<number, Day>();
      for (const [ago, metric, w] of entries) {
        const day = epochDay(now) - ago;
        const sums = { ...days.get(day)?.sums };
        sums[metric] = (sums[metric] ?? 0) + w;
        days.set(day, { sums, active: true });
      }
      return days;
    });

const withDays = (days: Map<number, Day>): Aggregate => ({ ...emptyAggregate("acct-1"), days });

describe("months", () => {
  it("name a day's month and its first, last and middle day", () => {
    const nov22 = epochDay(Date.UTC(2026, 10, 22));

    expect(monthOfDay(nov22)).toBe(202611);
    expect(monthDays(202611)).toEqual({
      first: epochDay(Date.UTC(2026, 10, 1)),
      last: epochDay(Date.UTC(2026, 10, 30)),
    });
    expect(monthDays(202602).last - monthDays(202602).first + 1).toBe(28);
    expect(monthDays(202412).last + 1).toBe(monthDays(202501).first);
    expect(monthMiddle(202611)).toBe(epochDay(Date.UTC(2026, 10, 16)));
  });

  it("retain whole months: the first day read is the first of the month holding now − RETENTION_DAYS", () => {
    const first = firstRetainedDay(NOW);

    expect(monthOfDay(first)).toBe(monthOfDay(epochDay(NOW) - RETENTION_DAYS));
    expect(monthOfDay(first - 1)).not.toBe(monthOfDay(first));
  });
});

describe("DecayedHistory", () => {
  it("reads exact days as Σ w·2^(−age/h) at any half-life, and the undecayed total", () => {
    fc.assert(
      fc.property(
        daysArb(NOW, 500),
        fc.oneof(fc.constantFrom(...HALF_LIVES), fc.double({ min: 0.5, max: 365, noNaN: true })),
        fc.integer({ min: 0, max: DAY - 1 }),
        (days, h, time) => {
          const now = NOW - 12 * 3_600_000 + time;
          const metrics: Metric[] = ["usage", "npsPromoters", "ticketSentimentSum"];
          const history = new DecayedHistory(withDays(days), now, {
            usage: [h],
            npsPromoters: [h, 2 * h],
            ticketSentimentSum: [h],
          });

          for (const metric of metrics) {
            const expected = directSum(days, metric, h, now);
            expect(Math.abs(history.value(metric, h) - expected)).toBeLessThanOrEqual(
              1e-9 * Math.max(1, Math.abs(expected)),
            );
            const total = directSum(days, metric, Number.POSITIVE_INFINITY, now);
            expect(history.total(metric)).toBeCloseTo(total, 6);
          }
          const twice = directSum(days, "npsPromoters", 2 * h, now);
          expect(history.value("npsPromoters", 2 * h)).toBeCloseTo(twice, 6);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("counts a day one half-life old as half, and nothing before the retention", () => {
    const today = epochDay(NOW);
    const noonNow = (today + 0.5) * DAY;
    const days = new Map<number, Day>([
      [today - 7, { sums: { usage: 8 }, active: true }],
      [firstRetainedDay(noonNow) - 1, { sums: { usage: 1_000 }, active: true }],
    ]);

    const history = new DecayedHistory(withDays(days), noonNow, { usage: [7] });

    expect(history.value("usage", 7)).toBeCloseTo(4, 12);
    expect(history.total("usage")).toBe(8);
    expect(history.seen("usage")).toBe(true);
    expect(history.seen("refunds")).toBe(false);
    expect(history.value("usage", 30)).toBe(0);
  });

  it("reads a folded month within its documented error: (a·15.5)³/6 of the month's weight, a = ln2/h", () => {
    fc.assert(
      fc.property(daysArb(NOW, 400), fc.constantFrom(...HALF_LIVES), (days, h) => {
        const unbounded = withDays(days);
        const kept = compactAggregate(unbounded, NOW);
        const a = Math.LN2 / h;
        // The Taylor remainder of e^(aδ) at second order, |δ| ≤ 15.5 days from the middle.
        const x = a * 15.5;
        const relative = (x ** 3 / 6) * Math.exp(x);

        for (const metric of ["usage", "npsPromoters"] as const) {
          let bound = 1e-9;
          for (const [month, folded] of kept.months) {
            const weight = Math.abs(folded.moments[metric]?.[0] ?? 0);
            const { first, last } = monthDays(month);
            let absWeight = 0;
            for (let d = first; d <= last; d++)
              absWeight += Math.abs(days.get(d)?.sums[metric] ?? 0);
            bound +=
              relative * Math.max(weight, absWeight) * 2 ** (-(NOW / DAY - monthMiddle(month)) / h);
          }
          const read = new DecayedHistory(kept, NOW, { [metric]: [h] }).value(metric, h);
          expect(Math.abs(read - directSum(days, metric, h, NOW))).toBeLessThanOrEqual(bound);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("compactAggregate", () => {
  it("keeps days of the exact window, folds older months and drops months beyond the retention", () => {
    const today = epochDay(NOW);
    const days = new Map<number, Day>();
    for (let ago = 0; ago < 500; ago++) days.set(today - ago, { sums: { usage: 1 }, active: true });

    const kept = compactAggregate(withDays(days), NOW);

    const foldedFrom = Math.min(...[...kept.days.keys()]);
    expect(foldedFrom).toBe(monthDays(monthOfDay(today - EXACT_DAYS)).first);
    expect(Math.max(...[...kept.months.keys()])).toBe(monthOfDay(foldedFrom - 1));
    expect(Math.min(...[...kept.months.keys()])).toBe(monthOfDay(firstRetainedDay(NOW)));
    // Three moments per metric, whatever the number of days.
    const month = kept.months.get(monthOfDay(foldedFrom - 1));
    expect(month?.moments.usage?.[0]).toBe(
      monthDays(monthOfDay(foldedFrom - 1)).last - monthDays(monthOfDay(foldedFrom - 1)).first + 1,
    );
    expect(month?.firstActiveDay).toBe(monthDays(monthOfDay(foldedFrom - 1)).first);
    expect(month?.lastActiveDay).toBe(foldedFrom - 1);
  });
});

describe("compaction keeps what scoring reads", () => {
  const model = testCompiled.model;
  const today = epochDay(NOW);
  const both = (signals: Signal[]) => {
    const unbounded = aggregateOf("acct-1", signals);
    return [unbounded, compactAggregate(unbounded, NOW)] as const;
  };

  it("keeps a feature last used before the exact window while its month is still kept exact", () => {
    // 94 days ago is before the exact window (92 days) but in a month not foldable yet.
    const daysAgo = EXACT_DAYS + 2;
    expect(monthDays(monthOfDay(today - daysAgo)).last).toBeGreaterThanOrEqual(today - EXACT_DAYS);
    const [unbounded, kept] = both([
      ...dailyUsage(20, 3),
      signal({ kind: "feature_used", feature: "reports" }, daysAgo),
    ]);

    expect(readFacts(unbounded, model, NOW).featuresEver).toBe(true);
    expect(readFacts(kept, model, NOW).featuresEver).toBe(true);
    expect(score(kept, testCompiled, null, NOW).score).toBe(
      score(unbounded, testCompiled, null, NOW).score,
    );
  });

  it("reads no feature beyond the retention, kept exact or not", () => {
    const [unbounded, kept] = both([
      ...dailyUsage(60, 3),
      signal({ kind: "feature_used", feature: "reports" }, RETENTION_DAYS + 40),
    ]);

    expect(readFacts(unbounded, model, NOW).featuresEver).toBe(false);
    expect(readFacts(kept, model, NOW).featuresEver).toBe(false);
  });

  it("keeps the MRR the contraction lookback reads when it was set before the retention", () => {
    // MRR 100.00 for well over a year, halved ten days ago: a contraction to 0.5.
    const [unbounded, kept] = both([
      ...dailyUsage(60, 3),
      signal({ kind: "subscription", status: "active", mrr: 10_000 }, RETENTION_DAYS + 100, {
        sourceEventId: "sub-1",
      }),
      signal({ kind: "subscription", status: "active", mrr: 5_000 }, 10, {
        sourceEventId: "sub-2",
      }),
    ]);

    expect(readFacts(unbounded, model, NOW).mrrAtLookback).toBe(10_000);
    expect(readFacts(kept, model, NOW).mrrAtLookback).toBe(10_000);
  });
});

/** Distance of a score from the nearest tier boundary of the test model. */
function toBoundary(value: number, compiled: CompiledModel): number {
  const { healthy, atRisk } = compiled.model.tiers;
  return Math.min(Math.abs(value - healthy), Math.abs(value - atRisk));
}

/**
 * The aggregate as the store keeps it: each signal arrives `delay` after it happened
 * (late ones land in months already folded), and the history is compacted at each
 * checkpoint, then once more at `now`.
 */
function keptAsStored(
  signals: readonly { signal: Signal; delayDays: number }[],
  checkpoints: readonly number[],
  now: number,
): Aggregate {
  const arrivals = signals
    .map(({ signal, delayDays }) => ({
      signal,
      at: Math.min(now, signal.occurredAt + delayDays * DAY),
    }))
    .sort((a, b) => a.at - b.at);
  const agg = new MutableAggregate(emptyAggregate("acct-1"));
  let next = 0;
  for (const at of [...checkpoints].sort((a, b) => a - b)) {
    while (next < arrivals.length && (arrivals[next]?.at as number) <= at) {
      agg.apply(signalToUpdate((arrivals[next++] as { signal: Signal }).signal));
    }
    agg.replaceHistory(compactAggregate(agg.build(), at));
  }
  for (; next < arrivals.length; next++)
    agg.apply(signalToUpdate((arrivals[next] as { signal: Signal }).signal));
  return compactAggregate(agg.build(), now);
}

/** The test model, and the same with every half-life doubled (the upper bound of model-changes.test.ts). */
const MODELS = {
  test: testCompiled,
  "half-lives x2": (() => {
    const input = testModelInput();
    for (const key of Object.keys(input.decay) as (keyof typeof input.decay)[])
      input.decay[key] *= 2;
    return compileModel(input);
  })(),
};
type ModelName = keyof typeof MODELS;

/** The largest score difference seen, by model and way of compacting. */
const largest = new Map<string, number>();
afterAll(() => {
  const seen = [...largest].map(([key, value]) => `${key} ${value.toFixed(1)}`).join(", ");
  console.info(`compaction: largest score difference in points: ${seen}`);
});

describe("compaction against the unbounded reference", () => {
  const MONTHS_14 = 426;
  const history = fc
    .tuple(
      signalsArb({ maxLength: 80, maxDaysAgo: MONTHS_14 }),
      // A heavy user too: daily usage over most of the period.
      fc.array(fc.integer({ min: 0, max: MONTHS_14 }), { maxLength: 120 }),
    )
    .map(([signals, usageDays]) => [
      ...signals,
      ...usageDays.map(
        (ago, i): Signal => ({
          accountId: "acct-1",
          source: "segment",
          sourceEventId: `usage-${i}`,
          occurredAt: NOW - ago * DAY,
          values: { kind: "usage", event: "report_viewed", count: 5 },
        }),
      ),
    ]);

  it("never changes a score by more than a point, nor a tier away from a boundary", () => {
    fc.assert(
      fc.property(
        history,
        fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 200 }),
        fc.array(fc.integer({ min: 1, max: MONTHS_14 }), { maxLength: 6 }),
        fc.integer({ min: 0, max: DAY - 1 }),
        fc.constantFrom(...(Object.keys(MODELS) as ModelName[])),
        (signals, delays, checkpointsAgo, time, modelName) => {
          const compiled = MODELS[modelName];
          const now = epochDay(NOW) * DAY + time;
          const unbounded = aggregateOf("acct-1", signals);
          const once = compactAggregate(unbounded, now);
          const stored = keptAsStored(
            signals.map((signal, i) => ({ signal, delayDays: delays[i] ?? 0 })),
            checkpointsAgo.map((ago) => now - ago * DAY),
            now,
          );

          const reference = score(unbounded, compiled, null, now);
          for (const [way, kept] of [
            ["once", once],
            ["stored", stored],
          ] as const) {
            const got = score(kept, compiled, null, now);
            expect(got.score === null).toBe(reference.score === null);
            if (got.score === null || reference.score === null) continue;
            const difference = Math.abs(got.score - reference.score);
            const key = `${modelName}/${way}`;
            largest.set(key, Math.max(largest.get(key) ?? 0, difference));
            expect(difference).toBeLessThanOrEqual(1);
            if (toBoundary(reference.score, compiled) > 1) expect(got.tier).toBe(reference.tier);
            expect(got.flags.map((f) => f.name)).toEqual(reference.flags.map((f) => f.name));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("compacts to the same kept form whether compacted once or again later", () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 1, max: 60 }), (signals, daysLater) => {
        const unbounded = aggregateOf("acct-1", signals);
        const later = NOW + daysLater * DAY;

        const twice = compactAggregate(compactAggregate(unbounded, NOW), later);

        const direct = compactAggregate(unbounded, later);
        expect(twice.days).toEqual(direct.days);
        expect(twice.features).toEqual(direct.features);
        for (const [month, folded] of direct.months) {
          const other = twice.months.get(month);
          expect(other?.firstActiveDay).toBe(folded.firstActiveDay);
          expect(other?.lastActiveDay).toBe(folded.lastActiveDay);
          expect(other?.featuresUsed).toBe(folded.featuresUsed);
          for (const metric of METRICS) {
            const [s0, s1, s2] = folded.moments[metric] ?? [0, 0, 0];
            const [t0, t1, t2] = other?.moments[metric] ?? [0, 0, 0];
            expect(t0).toBeCloseTo(s0, 6);
            expect(t1).toBeCloseTo(s1, 6);
            expect(t2).toBeCloseTo(s2, 4);
          }
        }
        expect([...twice.months.keys()].sort()).toEqual([...direct.months.keys()].sort());
      }),
      { numRuns: 100 },
    );
  });
});
