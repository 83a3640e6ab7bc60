/** Tiers with hysteresis (design decision 7) and score-drop detection. */
import type { AlertKind } from "./model.ts";

export const TIERS = ["healthy", "at-risk", "critical", "unknown"] as const;
export type Tier = (typeof TIERS)[number];

export interface TierThresholds {
  readonly healthy: number;
  readonly atRisk: number;
  readonly margin: number;
}

/** The tier a score falls in, ignoring history. */
export function baseTier(score: number | null, t: TierThresholds): Tier {
  if (score === null) return "unknown";
  if (score >= t.healthy) return "healthy";
  if (score >= t.atRisk) return "at-risk";
  return "critical";
}

/**
 * The tier given the previous one: a customer stays in its tier until the score crosses
 * the tier's boundary by more than the margin, so a score wobbling around 70 does not
 * page anyone twice a day.
 */
export function tierWithHysteresis(
  score: number | null,
  previous: Tier | undefined,
  t: TierThresholds,
): Tier {
  if (score === null) return "unknown";
  const m = t.margin;
  switch (previous) {
    case "healthy":
      if (score >= t.healthy - m) return "healthy";
      break;
    case "at-risk":
      if (score >= t.atRisk - m && score < t.healthy + m) return "at-risk";
      break;
    case "critical":
      if (score < t.atRisk + m) return "critical";
      break;
  }
  return baseTier(score, t);
}

const RANK: Record<Tier, number> = { healthy: 2, "at-risk": 1, critical: 0, unknown: -1 };

/** Which routing rule a tier change falls under, or undefined when it is no change. */
export function classifyTierChange(previous: Tier, next: Tier): AlertKind | undefined {
  if (previous === next) return undefined;
  if (next === "critical") return "intoCritical";
  if (previous === "healthy" && next === "at-risk") return "healthyToAtRisk";
  if (next === "unknown" || previous === "unknown") {
    // Coming out of or falling into "not enough data" is news, not a health change.
    return next === "unknown" || RANK[next] >= RANK.healthy ? "improvement" : "otherWorsening";
  }
  return RANK[next] > RANK[previous] ? "improvement" : "otherWorsening";
}

/** A drop: the score fell by at least `points` against the score `windowDays` ago. */
export function isScoreDrop(
  current: number | null,
  earlier: number | null | undefined,
  points: number,
): earlier is number {
  return current !== null && earlier != null && earlier - current >= points;
}
