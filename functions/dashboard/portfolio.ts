/**
 * The portfolio (the dashboard's first page): counts and MRR per tier, MRR at risk, tier
 * moves over 7 and 30 days and the average score over 90 days, all read from the summary
 * kept as scores are written (one Query, whatever the number of customers), and the
 * customers that need attention today, from a bounded read of the lowest-scored critical
 * and at-risk customers.
 */
import { isoDay } from "../domain/time.ts";
import type { AttentionItem, Portfolio, TierMoves } from "./contract.ts";
import type { Counters, DashboardReads } from "./reads.ts";
import { counter, type DashboardRow, scopeOf } from "./summary.ts";

const DAY_MS = 86_400_000;
export const AVERAGE_DAYS = 90;
/** Candidates read per tier for "needs attention", and how many it shows. */
export const ATTENTION_CANDIDATES_PER_TIER = 25;
export const ATTENTION_SHOWN = 20;

export interface PortfolioFilter {
  readonly segment?: string;
  readonly owner?: string;
}

const days = (now: number, count: number) =>
  Array.from({ length: count }, (_, i) => isoDay(now - (count - 1 - i) * DAY_MS));

function movesOver(byDay: ReadonlyMap<string, Counters>, window: readonly string[]): TierMoves {
  let worse = 0;
  let better = 0;
  for (const day of window) {
    worse += byDay.get(day)?.[counter.worse] ?? 0;
    better += byDay.get(day)?.[counter.better] ?? 0;
  }
  return { worse, better };
}

/**
 * How urgent a customer is: how far below full marks (critical weighs 3, at-risk 1), scaled
 * up by its MRR (×2 at $1,000 a month), a renewal within 30 days (×1.5) and a sharp drop
 * now (×1.25).
 */
export function urgency(row: DashboardRow, now: number): number {
  const risk = (100 - (row.score ?? 0)) / 100;
  const weight = row.tier === "critical" ? 3 : row.tier === "at-risk" ? 1 : 0;
  const renewal = row.renewsAt ? Date.parse(row.renewsAt) - now : Number.POSITIVE_INFINITY;
  const renewsSoon = renewal >= 0 && renewal <= 30 * DAY_MS;
  return risk * weight * (1 + row.mrr / 100_000) * (renewsSoon ? 1.5 : 1) * (row.inDrop ? 1.25 : 1);
}

const matches = (row: DashboardRow, filter: PortfolioFilter) =>
  (filter.segment === undefined || row.segment === filter.segment) &&
  (filter.owner === undefined || row.owner === filter.owner);

async function needsAttention(
  reads: DashboardReads,
  filter: PortfolioFilter,
  now: number,
): Promise<AttentionItem[]> {
  const candidates = await reads.lowestOf(["critical", "at-risk"], ATTENTION_CANDIDATES_PER_TIER);
  const ranked = candidates
    .filter((row) => matches(row, filter))
    .map((row) => ({ row, urgency: urgency(row, now) }))
    .sort((a, b) => b.urgency - a.urgency || a.row.accountId.localeCompare(b.row.accountId))
    .slice(0, ATTENTION_SHOWN)
    .map(({ row }) => row);
  const weekAgo = await reads.scoresOn(
    ranked.map((r) => r.accountId),
    isoDay(now - 7 * DAY_MS),
  );
  return ranked.map((row) => {
    const before = weekAgo.get(row.accountId) ?? null;
    return {
      accountId: row.accountId,
      displayName: row.displayName,
      tier: row.tier,
      score: row.score,
      mrr: row.mrr,
      owner: row.owner,
      reason: row.reason ?? `${row.tier}`,
      change7d:
        before === null || row.score === null ? null : Math.round((row.score - before) * 100) / 100,
      renewsAt: row.renewsAt,
    };
  });
}

export async function getPortfolio(
  reads: DashboardReads,
  filter: PortfolioFilter,
  now: number,
): Promise<Portfolio> {
  const window = days(now, AVERAGE_DAYS);
  const [summary, filters, attention] = await Promise.all([
    reads.summary(scopeOf(filter), window[0] as string),
    reads.filterValues(),
    needsAttention(reads, filter, now),
  ]);
  const t = summary.totals;
  const totals = (tier: "healthy" | "at-risk" | "critical" | "unknown") => ({
    customers: t[counter.customers(tier)] ?? 0,
    mrr: t[counter.mrr(tier)] ?? 0,
  });
  const tiers = {
    healthy: totals("healthy"),
    "at-risk": totals("at-risk"),
    critical: totals("critical"),
    unknown: totals("unknown"),
  };
  return {
    asOf: new Date(now).toISOString(),
    currency: filters.currency,
    tiers,
    mrrAtRisk: tiers["at-risk"].mrr + tiers.critical.mrr,
    moves: {
      days7: movesOver(summary.days, window.slice(-7)),
      days30: movesOver(summary.days, window.slice(-30)),
    },
    averageScore: window.map((day) => {
      const c = summary.days.get(day);
      const count = c?.[counter.scoreCount] ?? 0;
      const sum = c?.[counter.scoreSum] ?? 0;
      return { day, score: count > 0 ? Math.round((sum / count) * 100) / 100 : null };
    }),
    needsAttention: attention,
    // The base model's segment is "", which no filter can name (empty means all).
    filters: {
      segments: [...filters.segments].filter((s) => s !== "").sort(),
      owners: [...filters.owners].sort(),
    },
  };
}
