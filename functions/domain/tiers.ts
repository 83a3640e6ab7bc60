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

const RANK: Record<Exclude<Tier, "unknown">, number> = { healthy: 2, "at-risk": 1, critical: 0 };

/** The worse of two known tiers; `unknown` stays unknown (there is no score to judge). */
export function worseTier(a: Tier, b: Tier): Tier {
  if (a === "unknown" || b === "unknown") return a;
  return RANK[a] <= RANK[b] ? a : b;
}

/** The better of two known tiers; `unknown` stays unknown. */
export function betterTier(a: Tier, b: Tier): Tier {
  if (a === "unknown" || b === "unknown") return a;
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * What kind of tier change a move is: a routing rule of the model, or `unknown` for a move
 * into or out of "not enough data", which is news about the data, not about health (a
 * customer whose data ran out did not improve; a first score is not a worsening). Only a
 * move into critical is always `intoCritical`, whatever the tier before.
 */
export type TierChangeKind = Exclude<AlertKind, "drop"> | "unknown";

/** The kind of a tier change, or undefined when it is no change. */
export function classifyTierChange(previous: Tier, next: Tier): TierChangeKind | undefined {
  if (previous === next) return undefined;
  if (next === "critical") return "intoCritical";
  if (previous === "unknown" || next === "unknown") return "unknown";
  if (previous === "healthy" && next === "at-risk") return "healthyToAtRisk";
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
