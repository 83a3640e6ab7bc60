/**
 * What a preview prints: how many customers would change tier and which (worst move
 * first), and how the scores move (a histogram of new − old, the median and 90th
 * percentile of the absolute change), as `name: value unit` lines.
 */
import {
  type CompiledModel,
  impactChanges,
  replayNotice,
  type UsageImpacts,
  usageImpactsOf,
} from "../../functions/domain/model.ts";
import type { Tier } from "../../functions/domain/tiers.ts";
import type { CustomerChange } from "./preview.ts";

/** Histogram edges of the score change, points: (-∞,-20), [-20,-10) … [20,∞). */
export const BUCKET_EDGES = [-20, -10, -5, -1, 1, 5, 10, 20] as const;

export interface Bucket {
  readonly label: string;
  readonly count: number;
}

export interface PreviewSummary {
  readonly customers: number;
  /** Customers with a score both before and after. */
  readonly scored: number;
  readonly tierChanges: readonly CustomerChange[];
  /** Count per `from → to` move. */
  readonly moves: readonly { from: Tier; to: Tier; count: number }[];
  readonly buckets: readonly Bucket[];
  readonly medianAbsChange: number;
  readonly p90AbsChange: number;
  readonly maxAbsChange: number;
  readonly meanChange: number;
}

const TIER_RANK: Record<Tier, number> = { critical: 0, "at-risk": 1, healthy: 2, unknown: 3 };

/** The q-quantile (0-1) of sorted values, nearest rank; NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

function bucketLabel(i: number): string {
  const lo = BUCKET_EDGES[i - 1];
  const hi = BUCKET_EDGES[i];
  if (lo === undefined) return `< ${hi}`;
  if (hi === undefined) return `>= ${lo}`;
  return `[${lo}, ${hi})`;
}

export function summarize(changes: readonly CustomerChange[]): PreviewSummary {
  const deltas = changes
    .filter((c) => c.fromScore !== null && c.toScore !== null)
    .map((c) => Math.round(((c.toScore as number) - (c.fromScore as number)) * 10) / 10);
  const counts = new Array<number>(BUCKET_EDGES.length + 1).fill(0);
  for (const d of deltas) {
    let i = 0;
    while (i < BUCKET_EDGES.length && d >= (BUCKET_EDGES[i] as number)) i++;
    counts[i] = (counts[i] as number) + 1;
  }
  const abs = deltas.map(Math.abs).sort((a, b) => a - b);
  const tierChanges = changes
    .filter((c) => c.fromTier !== c.toTier)
    .sort(
      (a, b) =>
        TIER_RANK[a.toTier] -
          TIER_RANK[a.fromTier] -
          (TIER_RANK[b.toTier] - TIER_RANK[b.fromTier]) || (a.accountId < b.accountId ? -1 : 1),
    );
  const moveCounts = new Map<string, { from: Tier; to: Tier; count: number }>();
  for (const c of tierChanges) {
    const key = `${c.fromTier}>${c.toTier}`;
    const move = moveCounts.get(key) ?? { from: c.fromTier, to: c.toTier, count: 0 };
    move.count++;
    moveCounts.set(key, move);
  }
  return {
    customers: changes.length,
    scored: deltas.length,
    tierChanges,
    moves: [...moveCounts.values()].sort((a, b) => b.count - a.count),
    buckets: counts.map((count, i) => ({ label: bucketLabel(i), count })),
    medianAbsChange: quantile(abs, 0.5),
    p90AbsChange: quantile(abs, 0.9),
    maxAbsChange: abs.length ? (abs[abs.length - 1] as number) : Number.NaN,
    meanChange: deltas.length ? deltas.reduce((s, d) => s + d, 0) / deltas.length : Number.NaN,
  };
}

const fmt = (v: number | null) =>
  v === null || Number.isNaN(v) ? "n/a" : Number.isInteger(v) ? String(v) : v.toFixed(1);

/** The printed report; `limit` caps the listed customers (the count is always complete). */
export function formatSummary(summary: PreviewSummary, limit = 50): string[] {
  const lines = [
    `preview.customers: ${summary.customers} customers`,
    `preview.scored: ${summary.scored} customers with a score before and after`,
    `preview.tier_changes: ${summary.tierChanges.length} customers`,
    ...summary.moves.map((m) => `preview.moves.${m.from}_to_${m.to}: ${m.count} customers`),
    `preview.score_change.median_abs: ${fmt(summary.medianAbsChange)} points`,
    `preview.score_change.p90_abs: ${fmt(summary.p90AbsChange)} points`,
    `preview.score_change.max_abs: ${fmt(summary.maxAbsChange)} points`,
    `preview.score_change.mean: ${fmt(summary.meanChange)} points`,
    "",
    "Score change (new − old), customers:",
  ];
  const widest = Math.max(1, ...summary.buckets.map((b) => b.count));
  for (const b of summary.buckets) {
    const bar = "#".repeat(Math.round((b.count / widest) * 40));
    lines.push(`  ${b.label.padEnd(10)} ${String(b.count).padStart(6)} ${bar}`);
  }
  if (summary.tierChanges.length > 0) {
    lines.push("", "Tier changes (worst first): account  from → to  score old → new");
    for (const c of summary.tierChanges.slice(0, limit)) {
      lines.push(
        `  ${c.accountId}  ${c.fromTier} → ${c.toTier}  ${fmt(c.fromScore)} → ${fmt(c.toScore)}`,
      );
    }
    if (summary.tierChanges.length > limit) {
      lines.push(`  … and ${summary.tierChanges.length - limit} more (--limit N lists more)`);
    }
  }
  return lines;
}

/**
 * Whether deploying the candidate needs a replay: it weighs usage events differently from
 * the deployed model (`deployed`: the impacts the rescore last recorded, null when none is
 * recorded yet). Impacts apply when an event is stored; every other setting is read-time.
 */
export function replayLine(deployed: UsageImpacts | null, candidate: CompiledModel): string {
  if (deployed === null) {
    return "preview.replay_needed: unknown (no rescore has recorded the deployed model's usage impacts yet)";
  }
  const changes = impactChanges(deployed, usageImpactsOf(candidate.model));
  return `preview.replay_needed: ${changes.length > 0 ? `yes: ${replayNotice(changes)}` : "no"}`;
}
