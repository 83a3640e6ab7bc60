/**
 * TEST DOUBLE DATA: what the dashboard's data routes answer (functions/dashboard/
 * contract.ts), computed from the customers' pages (dashboard-fixtures.ts builds them). It
 * stands in for the data routes until they are merged; the page cannot tell the
 * difference, because it only sees these shapes.
 */
import type {
  AlertItem,
  AttentionItem,
  CustomerPage,
  CustomerRow,
  Page,
  Portfolio,
} from "../../../functions/dashboard/contract.ts";
import type { Tier } from "../../../functions/domain/tiers.ts";
import { isoDay } from "../../../functions/domain/time.ts";

export const DAY_MS = 86_400_000;
export const THRESHOLDS = { healthy: 70, atRisk: 40 };
export const MODEL_OLD = "2#5f1c9a0e";
export const MODEL_NEW = "3#b7d2e441";
/** The model changed this many days ago (the chart marks it). */
export const MODEL_CHANGED_DAYS_AGO = 20;
export const COMPONENTS = [
  { name: "engagement", weight: 0.35 },
  { name: "adoption", weight: 0.15 },
  { name: "sentiment", weight: 0.15 },
  { name: "support", weight: 0.15 },
  { name: "financial", weight: 0.2 },
] as const;

export { seededRandom as seeded } from "../../../bench/report.ts";

export { isoDay };

export const tierOf = (score: number | null): Tier =>
  score === null
    ? "unknown"
    : score >= THRESHOLDS.healthy
      ? "healthy"
      : score >= THRESHOLDS.atRisk
        ? "at-risk"
        : "critical";
export const clamp = (n: number) => Math.max(0, Math.min(100, Math.round(n * 10) / 10));

/** The data behind every route, mutable so a test can write a new score. */
export class DashboardData {
  readonly pages = new Map<string, CustomerPage>();
  readonly alerts: AlertItem[] = [];

  constructor(readonly now: number) {}

  get rows(): CustomerPage[] {
    return [...this.pages.values()];
  }

  portfolio(filters: { segment?: string; owner?: string }): Portfolio {
    const all = this.rows;
    const rows = all.filter(
      (r) =>
        (!filters.segment || r.segment === filters.segment) &&
        (!filters.owner || r.owner === filters.owner),
    );
    const tiers = Object.fromEntries(
      (["healthy", "at-risk", "critical", "unknown"] as const).map((t) => {
        const of = rows.filter((r) => r.tier === t);
        return [t, { customers: of.length, mrr: of.reduce((s, r) => s + r.mrr, 0) }];
      }),
    ) as Portfolio["tiers"];
    const moves = (days: number) => {
      let worse = 0;
      let better = 0;
      const rank: Record<Tier, number> = { healthy: 0, "at-risk": 1, critical: 2, unknown: -1 };
      for (const r of rows) {
        const from = r.history[r.history.length - 1 - days]?.tier;
        if (!from || from === "unknown" || r.tier === "unknown") continue;
        if (rank[r.tier] > rank[from]) worse++;
        else if (rank[r.tier] < rank[from]) better++;
      }
      return { worse, better };
    };
    const averageScore = Array.from({ length: 90 }, (_, i) => {
      let sum = 0;
      let n = 0;
      for (const r of rows) {
        const s = r.history[r.history.length - 90 + i]?.score;
        if (s !== null && s !== undefined) {
          sum += s;
          n++;
        }
      }
      return {
        day: isoDay(this.now - (89 - i) * DAY_MS),
        score: n ? Math.round((sum / n) * 10) / 10 : null,
      };
    });
    const needsAttention: AttentionItem[] = rows
      .filter((r) => r.tier === "critical" || r.tier === "at-risk")
      .map((r) => ({
        row: r,
        urgency: (100 - (r.score ?? 50)) * Math.max(r.mrr, 1) * (r.flags.length > 0 ? 2 : 1),
      }))
      .sort((a, b) => b.urgency - a.urgency)
      .slice(0, 8)
      .map(({ row: r }) => ({
        accountId: r.accountId,
        displayName: r.displayName,
        tier: r.tier,
        score: r.score,
        mrr: r.mrr,
        owner: r.owner,
        reason: r.flags[0]?.reason ?? r.holdingDown[0]?.reason ?? "score falling",
        change7d:
          r.score !== null && r.history.at(-8)?.score != null
            ? r.score - (r.history.at(-8)?.score as number)
            : null,
        renewsAt: r.renewsAt,
      }));
    return {
      asOf: new Date(this.now).toISOString(),
      currency: "USD",
      tiers,
      mrrAtRisk: tiers["at-risk"].mrr + tiers.critical.mrr,
      moves: { days7: moves(7), days30: moves(30) },
      averageScore,
      needsAttention,
      filters: {
        segments: [...new Set(all.map((r) => r.segment))].sort(),
        owners: [...new Set(all.map((r) => r.owner).filter((o): o is string => o !== null))].sort(),
      },
    };
  }

  customers(q: Record<string, string | undefined>): Page<CustomerRow> {
    const text = q.q?.toLowerCase();
    const within = q.renewalWithinDays ? Number(q.renewalWithinDays) : undefined;
    const rows = this.rows.filter(
      (r) =>
        (!text || r.displayName.toLowerCase().includes(text) || r.accountId.includes(text)) &&
        (!q.tier || r.tier === q.tier) &&
        (!q.segment || r.segment === q.segment) &&
        (!q.owner || r.owner === q.owner) &&
        (within === undefined ||
          (r.renewsAt !== null &&
            Date.parse(r.renewsAt) - this.now <= within * DAY_MS &&
            Date.parse(r.renewsAt) >= this.now)),
    );
    const sort = q.sort || "score";
    const key = (r: CustomerRow): number | string =>
      sort.endsWith("score")
        ? (r.score ?? 101)
        : sort.endsWith("mrr")
          ? r.mrr
          : sort === "name"
            ? r.displayName
            : (r.renewsAt ?? "9999");
    const sign = sort.startsWith("-") ? -1 : 1;
    rows.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return (x < y ? -1 : x > y ? 1 : a.accountId < b.accountId ? -1 : 1) * sign;
    });
    const offset = q.cursor ? Number(Buffer.from(q.cursor, "base64url").toString()) : 0;
    const limit = Math.min(200, Number(q.limit ?? 50));
    const items = rows.slice(offset, offset + limit).map(toRow);
    const next =
      offset + limit < rows.length
        ? Buffer.from(String(offset + limit)).toString("base64url")
        : null;
    return { items, cursor: next };
  }

  alertPage(cursor?: string): Page<AlertItem> {
    const offset = cursor ? Number(Buffer.from(cursor, "base64url").toString()) : 0;
    const sorted = [...this.alerts].sort((a, b) => (a.at < b.at ? 1 : -1));
    const items = sorted.slice(offset, offset + 50);
    return {
      items,
      cursor:
        offset + 50 < sorted.length ? Buffer.from(String(offset + 50)).toString("base64url") : null,
    };
  }

  /** Writes a new score, as the score function would: the page, today's point, an alert. */
  writeScore(
    accountId: string,
    score: number,
    at = new Date(),
  ): { previousTier: Tier; tier: Tier; displayName: string } {
    const page = this.pages.get(accountId);
    if (!page) throw new Error(`no customer ${accountId}`);
    const tier = tierOf(score);
    const today = at.toISOString().slice(0, 10);
    const point = { day: today, score, tier, modelVersion: page.modelVersion };
    const last = page.history.at(-1);
    const history =
      last?.day === today ? [...page.history.slice(0, -1), point] : [...page.history, point];
    this.pages.set(accountId, {
      ...page,
      score,
      tier,
      updatedAt: at.toISOString(),
      history,
      sparkline: history.slice(-30).map((h) => h.score),
    });
    if (tier !== page.tier)
      this.alerts.push({
        at: at.toISOString(),
        accountId,
        displayName: page.displayName,
        kind: "tier",
        previousTier: page.tier,
        tier,
        score,
        text: `${page.displayName} went from ${page.tier} to ${tier} (score ${page.score} → ${score})`,
      });
    return { previousTier: page.tier, tier, displayName: page.displayName };
  }
}

const toRow = (p: CustomerPage): CustomerRow => ({
  accountId: p.accountId,
  displayName: p.displayName,
  tier: p.tier,
  score: p.score,
  mrr: p.mrr,
  segment: p.segment,
  owner: p.owner,
  renewsAt: p.renewsAt,
  updatedAt: p.updatedAt,
  sparkline: p.sparkline,
});
