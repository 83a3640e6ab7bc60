import { describe, expect, it } from "vitest";
import { pastDays } from "../../../functions/dashboard/past-days.ts";

describe("pastDays", () => {
  const acme = {
    segment: "enterprise",
    owner: "Aisha",
    points: [
      { day: "2026-11-26", score: 80, tier: "healthy" as const },
      { day: "2026-11-27", score: 60, tier: "at-risk" as const },
      { day: "2026-11-28", score: 75, tier: "healthy" as const },
      // Today's point is the projection's.
      { day: "2026-11-29", score: 30, tier: "critical" as const },
    ],
  };
  const globex = {
    segment: "self-serve",
    owner: null,
    points: [
      { day: "2026-11-27", score: 40, tier: "at-risk" as const },
      { day: "2026-11-28", score: null, tier: "unknown" as const },
    ],
  };

  it("sums each day's scores and counts its tier moves in every scope a customer is in", () => {
    const days = pastDays([acme, globex], "2026-11-29");

    expect(Object.fromEntries(days.get("all") ?? [])).toEqual({
      "2026-11-26": { sum: 80, count: 1 },
      "2026-11-27": { sum: 100, count: 2, worse: 1 },
      "2026-11-28": { sum: 75, count: 1, better: 1 },
    });
    expect(Object.fromEntries(days.get("owner:Aisha") ?? [])).toEqual(
      Object.fromEntries(days.get("segment:enterprise|owner:Aisha") ?? []),
    );
    expect(Object.fromEntries(days.get("segment:self-serve") ?? [])).toEqual({
      "2026-11-27": { sum: 40, count: 1 },
    });
    expect([...days.keys()].sort()).toEqual([
      "all",
      "owner:Aisha",
      "segment:enterprise",
      "segment:enterprise|owner:Aisha",
      "segment:self-serve",
    ]);
  });
});
