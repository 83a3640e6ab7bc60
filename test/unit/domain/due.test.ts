import { describe, expect, it } from "vitest";
import {
  DUE_RESOLUTION_MS,
  nextDayStart,
  nextDueAt,
  type Shown,
  showsTheSame,
} from "../../../functions/domain/due.ts";
import type { HealthScore } from "../../../functions/domain/score.ts";
import { score } from "../../../functions/domain/score.ts";
import { compiled, healthyAggregate } from "../../support/scores.ts";
import { DAY, NOW } from "../../support/signals.ts";

const HOUR = 3_600_000;
const points = compiled.model.drop.points;

/** What a user sees change without events: tier and red flags (the drop state is apart). */
const seen = (s: HealthScore) => `${s.tier}|${s.flags.map((f) => f.name).join(",")}`;

/** Scores a customer who stopped using the product at NOW, every hour for `days` days. */
function hourlyAfterSilence(days: number) {
  const aggregate = healthyAggregate("acct-1");
  const scores: HealthScore[] = [];
  let previous: HealthScore | null = null;
  for (let t = NOW; t < NOW + days * DAY; t += HOUR) {
    previous = score(aggregate, compiled, previous, t);
    scores.push(previous);
  }
  return { aggregate, scores };
}

/**
 * A customer going silent, around the first tier change an hourly rescore sees: the score an
 * hour before it, the score at it, and the due time of the first.
 */
function aroundFirstTierChange() {
  const { aggregate, scores } = hourlyAfterSilence(30);
  const change = scores.findIndex((s, i) => i > 0 && s.tier !== scores[i - 1]?.tier);
  expect(change).toBeGreaterThan(0);
  const before = scores[change - 1] as HealthScore;
  const after = scores[change] as HealthScore;
  const dueAt = nextDueAt({
    aggregate,
    compiled,
    scored: before,
    inDrop: false,
    earlierScore: null,
  });
  return { aggregate, before, after, dueAt };
}

describe("nextDayStart", () => {
  it("is the start of the next UTC day, also from a day start", () => {
    expect(nextDayStart(Date.UTC(2026, 10, 22, 12))).toBe(Date.UTC(2026, 10, 23));
    expect(nextDayStart(Date.UTC(2026, 10, 22))).toBe(Date.UTC(2026, 10, 23));
    expect(nextDayStart(Date.UTC(2026, 10, 22) - 1)).toBe(Date.UTC(2026, 10, 22));
  });
});

describe("nextDueAt", () => {
  it("is the next day start for a customer whose tier and flags hold all day", () => {
    const aggregate = healthyAggregate("acct-1");
    const scored = score(aggregate, compiled, null, NOW);

    const dueAt = nextDueAt({ aggregate, compiled, scored, inDrop: false, earlierScore: null });

    expect(dueAt).toBe(nextDayStart(NOW));
  });

  it("is within the minute before the tier changes when decay carries it across within the day", () => {
    const { aggregate, before, after, dueAt } = aroundFirstTierChange();

    expect(dueAt).toBeGreaterThan(before.computedAt);
    expect(dueAt).toBeLessThanOrEqual(after.computedAt);
    expect(dueAt).toBeLessThan(nextDayStart(before.computedAt));
    // The tier is still the old one just before dueAt, and new a minute after it.
    const at = (t: number) => score(aggregate, compiled, before, t).tier;
    expect(at(dueAt - 1)).toBe(before.tier);
    expect(at(dueAt + DUE_RESOLUTION_MS)).not.toBe(before.tier);
  });

  it("is never after the change: a rescore run at the very millisecond of the change finds it due", () => {
    const { aggregate, before, after, dueAt } = aroundFirstTierChange();
    // The exact millisecond of the change, by a bisection of the test's own.
    const changed = (t: number) => score(aggregate, compiled, before, t).tier !== before.tier;
    let same = before.computedAt;
    let different = after.computedAt;
    while (different - same > 1) {
      const mid = same + Math.floor((different - same) / 2);
      if (changed(mid)) different = mid;
      else same = mid;
    }

    expect(dueAt).toBeLessThanOrEqual(different);
    expect(different - dueAt).toBeLessThan(DUE_RESOLUTION_MS);
  });

  it("never lets an hourly rescore see a change before the due time (a customer going silent, 30 days)", () => {
    const { aggregate, scores } = hourlyAfterSilence(30);

    for (const [i, scored] of scores.entries()) {
      const dueAt = nextDueAt({ aggregate, compiled, scored, inDrop: false, earlierScore: null });
      expect(dueAt).toBeGreaterThan(scored.computedAt);
      expect(dueAt).toBeLessThanOrEqual(nextDayStart(scored.computedAt));
      // Every later hour before dueAt shows what `scored` shows.
      for (let j = i + 1; (scores[j]?.computedAt ?? Infinity) < dueAt; j++) {
        expect(seen(score(aggregate, compiled, scored, scores[j]?.computedAt as number))).toBe(
          seen(scored),
        );
      }
    }
  });

  it("is due when decay carries the score into a drop against the score a week ago", () => {
    const aggregate = healthyAggregate("acct-1");
    const scored = score(aggregate, compiled, null, NOW + 10 * DAY);
    const endOfDay = score(aggregate, compiled, scored, nextDayStart(scored.computedAt) - 1);
    expect(endOfDay.score).toBeLessThan(scored.score as number);
    // A week ago it scored just enough higher that the day's decay completes a drop.
    const earlierScore = (scored.score as number) + points - 0.01;

    const dueAt = nextDueAt({ aggregate, compiled, scored, inDrop: false, earlierScore });

    expect(dueAt).toBeLessThan(nextDayStart(scored.computedAt));
    // No drop just before dueAt, a drop a minute after it.
    const dropAt = (t: number) =>
      earlierScore - (score(aggregate, compiled, scored, t).score as number) >= points;
    expect(dropAt(dueAt - 1)).toBe(false);
    expect(dropAt(dueAt + DUE_RESOLUTION_MS)).toBe(true);
  });
});

describe("showsTheSame", () => {
  const shown = (overrides: Partial<Shown> = {}): Shown => {
    const s = score(healthyAggregate("acct-1"), compiled, null, NOW);
    return { ...s, inDrop: false, accountName: "Acme", owner: null, ...overrides };
  };
  const flag = {
    name: "silent",
    component: "engagement",
    tier: "at-risk",
    reason: "no product usage for 12 days",
  } as const;

  it("is true for the same score, tier, flags, drop state and label", () => {
    expect(showsTheSame(shown({ flags: [flag] }), shown({ flags: [{ ...flag }] }))).toBe(true);
  });

  it.each<[string, Partial<Shown>]>([
    ["a score a tenth apart", { score: 94.4 }],
    ["another tier", { tier: "at-risk" }],
    ["a drop", { inDrop: true }],
    ["a flag's words", { flags: [{ ...flag, reason: "no product usage for 13 days" }] }],
    ["another model", { modelVersion: "other" }],
    ["another owner", { owner: "jane@acme.com" }],
    ["what holds it down", { holdingDown: [] }],
  ])("is false for %s", (_what, change) => {
    const base = shown({ flags: [flag], score: 94.3 });
    expect(showsTheSame(base, { ...base, ...change })).toBe(false);
  });
});
