/** The preview's summary: tier moves worst first, the histogram and the change quantiles. */
import { describe, expect, it } from "vitest";
import { compileModel } from "../../functions/domain/model.ts";
import type { CustomerChange } from "../../lib/preview/preview.ts";
import { formatSummary, quantile, replayLine, summarize } from "../../lib/preview/summary.ts";
import { testModelInput } from "../support/test-model.ts";

const change = (
  accountId: string,
  fromTier: CustomerChange["fromTier"],
  toTier: CustomerChange["toTier"],
  fromScore: number | null,
  toScore: number | null,
): CustomerChange => ({ accountId, fromTier, toTier, fromScore, toScore });

describe("summarize", () => {
  const changes = [
    change("a", "healthy", "healthy", 80, 80),
    change("b", "healthy", "at-risk", 72, 61),
    change("c", "healthy", "critical", 75, 30),
    change("d", "at-risk", "healthy", 60, 74),
    change("e", "critical", "critical", 20, 17),
    change("f", "unknown", "unknown", null, null),
    change("g", "healthy", "at-risk", 71, 69.5),
  ];
  const summary = summarize(changes);

  it("counts every customer and those with a score before and after", () => {
    expect(summary.customers).toBe(7);
    expect(summary.scored).toBe(6);
  });

  it("lists the tier changes worst move first, and counts each move", () => {
    expect(summary.tierChanges.map((c) => c.accountId)).toEqual(["c", "b", "g", "d"]);
    expect(summary.moves).toEqual([
      { from: "healthy", to: "at-risk", count: 2 },
      { from: "healthy", to: "critical", count: 1 },
      { from: "at-risk", to: "healthy", count: 1 },
    ]);
  });

  it("puts each score change in its bucket, with median and p90 of the absolute change", () => {
    // Changes: 0, -11, -45, +14, -3, -1.5
    const counts = Object.fromEntries(summary.buckets.map((b) => [b.label, b.count]));
    expect(counts).toEqual({
      "< -20": 1,
      "[-20, -10)": 1,
      "[-10, -5)": 0,
      "[-5, -1)": 2,
      "[-1, 1)": 1,
      "[1, 5)": 0,
      "[5, 10)": 0,
      "[10, 20)": 1,
      ">= 20": 0,
    });
    expect(summary.medianAbsChange).toBe(3);
    expect(summary.p90AbsChange).toBe(45);
    expect(summary.maxAbsChange).toBe(45);
  });

  it("prints name: value lines and the moved customers, capped by the limit", () => {
    const lines = formatSummary(summary, 2);
    expect(lines).toContain("preview.tier_changes: 4 customers");
    expect(lines).toContain("preview.moves.healthy_to_at-risk: 2 customers");
    expect(lines).toContain("  c  healthy → critical  75 → 30");
    expect(lines).toContain("  … and 2 more (--limit N lists more)");
  });

  it("says n/a when nobody has a score", () => {
    const empty = summarize([change("x", "unknown", "unknown", null, null)]);
    expect(Number.isNaN(empty.medianAbsChange)).toBe(true);
    expect(formatSummary(empty)).toContain("preview.score_change.median_abs: n/a points");
  });
});

describe("quantile", () => {
  it("takes the nearest rank", () => {
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
  });
});

describe("replayLine", () => {
  const input = testModelInput();
  const candidate = compileModel({
    ...input,
    components: {
      ...input.components,
      engagement: {
        ...input.components.engagement,
        impacts: { seat_removed: -5 },
        defaultImpact: 1,
      },
    },
  });

  it("says a replay is needed, and why, when the candidate weighs usage events differently", () => {
    expect(replayLine({ impacts: {}, defaultImpact: 1 }, candidate)).toMatch(
      /^preview\.replay_needed: yes: usage impacts differ .*\(seat_removed 1 → -5\).*npm run replay -- --all/,
    );
  });

  it("says no when only read-time settings differ, and unknown before any rescore", () => {
    expect(replayLine({ impacts: { seat_removed: -5 }, defaultImpact: 1 }, candidate)).toBe(
      "preview.replay_needed: no",
    );
    expect(replayLine(null, candidate)).toMatch(/^preview\.replay_needed: unknown/);
  });
});
