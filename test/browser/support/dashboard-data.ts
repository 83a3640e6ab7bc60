/**
 * TEST DOUBLE DATA: contract-shaped dashboard data (functions/dashboard/contract.ts) built
 * from the demo's 30 customers and their stories (bin/demo/customers.ts), or from N
 * generated customers for the benchmark. It stands in for the data routes until they are
 * merged; the page cannot tell the difference, because it only sees these shapes.
 */
import {
  CUSTOMERS,
  type Customer,
  OWNERS,
  SEAT_PRICE,
  type Story,
} from "../../../bin/demo/customers.ts";
import type {
  AlertItem,
  AttentionItem,
  CustomerPage,
  CustomerRow,
  Page,
  Portfolio,
} from "../../../functions/dashboard/contract.ts";
import type { Tier } from "../../../functions/domain/tiers.ts";

const DAY_MS = 86_400_000;
const THRESHOLDS = { healthy: 70, atRisk: 40 };
const MODEL_OLD = "2#5f1c9a0e";
const MODEL_NEW = "3#b7d2e441";
/** The model changed this many days ago (the chart marks it). */
const MODEL_CHANGED_DAYS_AGO = 20;
const COMPONENTS = [
  { name: "engagement", weight: 0.35 },
  { name: "adoption", weight: 0.15 },
  { name: "sentiment", weight: 0.15 },
  { name: "support", weight: 0.15 },
  { name: "financial", weight: 0.2 },
] as const;

/** How a story shapes the last weeks: where the score ends, and why, in words. */
interface Arc {
  readonly end: number;
  /** Days before today when the trouble started. */
  readonly since: number;
  readonly reasons: readonly { component: string; impact: number; reason: string }[];
  readonly flag?: { name: string; tier: Tier; reason: string };
  readonly events: readonly { source: string; text: string }[];
}

const ARCS: Record<Story, (renewal: string) => Arc> = {
  cancellation: (renewal) => ({
    end: 18,
    since: 21,
    flag: {
      name: "cancelScheduled",
      tier: "critical",
      reason: `set to cancel at period end on ${renewal}`,
    },
    reasons: [
      { component: "financial", impact: -31, reason: `set to cancel at period end on ${renewal}` },
      {
        component: "sentiment",
        impact: -9,
        reason: 'NPS detractor (4) on Nov 18: "too expensive for what we use"',
      },
      { component: "engagement", impact: -7, reason: "usage down 48% against the last month" },
    ],
    events: [
      { source: "stripe", text: `Subscription set to cancel at period end (${renewal})` },
      { source: "typeform", text: 'NPS 4: "too expensive for what we use"' },
      { source: "segment", text: "Usage: 12 events from 3 users this week" },
    ],
  }),
  "payment-failure": () => ({
    end: 44,
    since: 9,
    flag: {
      name: "pastDue",
      tier: "at-risk",
      reason: "subscription past due after 3 failed payments",
    },
    reasons: [
      {
        component: "financial",
        impact: -22,
        reason: "3 failed payments in the last 30 days not yet recovered",
      },
      { component: "engagement", impact: -8, reason: "usage down 51% against the last month" },
    ],
    events: [
      { source: "stripe", text: "Payment of $1,715 failed: card declined (3rd attempt)" },
      { source: "stripe", text: "Subscription is past due" },
    ],
  }),
  "angry-tickets": () => ({
    end: 31,
    since: 12,
    reasons: [
      {
        component: "support",
        impact: -18,
        reason: '3 urgent tickets open, 1 reopened: "this outage is costing us customers"',
      },
      { component: "engagement", impact: -14, reason: "no product usage for 8 days" },
    ],
    events: [
      {
        source: "zendesk",
        text: 'Urgent ticket reopened: "Still down. This outage is costing us customers."',
      },
      { source: "zendesk", text: 'Urgent ticket opened: "Dashboards not loading since Monday"' },
    ],
  }),
  silent: () => ({
    end: 36,
    since: 24,
    reasons: [{ component: "engagement", impact: -29, reason: "no product usage for 21 days" }],
    events: [{ source: "segment", text: "Last product use: 21 days ago" }],
  }),
  detractor: () => ({
    end: 52,
    since: 18,
    reasons: [
      {
        component: "sentiment",
        impact: -14,
        reason: 'NPS detractor (2) on Nov 20: "support never answers"',
      },
      { component: "support", impact: -6, reason: "CSAT 1 on a solved ticket" },
    ],
    events: [
      { source: "typeform", text: 'NPS 2: "support never answers"' },
      { source: "zendesk", text: "CSAT 1 on ticket 4411" },
    ],
  }),
  contraction: () => ({
    end: 61,
    since: 10,
    reasons: [
      { component: "financial", impact: -9, reason: "MRR down 33% in 30 days (90 → 60 seats)" },
    ],
    events: [{ source: "stripe", text: "Subscription changed: 90 → 60 seats" }],
  }),
  lukewarm: () => ({
    end: 58,
    since: 60,
    reasons: [
      { component: "adoption", impact: -11, reason: "uses 2 of 7 key features" },
      { component: "engagement", impact: -8, reason: "0.3 usage events per seat per day" },
    ],
    events: [{ source: "segment", text: "Usage: 40 events from 6 of 24 seats this week" }],
  }),
  recovery: () => ({
    end: 74,
    since: 30,
    reasons: [
      { component: "financial", impact: 12, reason: "failed payments recovered" },
      { component: "support", impact: 6, reason: "no urgent tickets open" },
    ],
    events: [{ source: "stripe", text: "Payment of $5,310 succeeded" }],
  }),
};

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A small seeded generator (mulberry32): the same seed, the same data. */
export function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const tierOf = (score: number | null): Tier =>
  score === null
    ? "unknown"
    : score >= THRESHOLDS.healthy
      ? "healthy"
      : score >= THRESHOLDS.atRisk
        ? "at-risk"
        : "critical";
const clamp = (n: number) => Math.max(0, Math.min(100, Math.round(n * 10) / 10));

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

/** One customer's page: a 90-day history following its story, with the model change. */
function customerPage(
  c: Customer,
  now: number,
  random: () => number,
): { page: CustomerPage; alerts: AlertItem[] } {
  const renewsAtMs = now + (30 - (c.signupDaysAgo % 30)) * DAY_MS;
  const renewal = new Date(renewsAtMs).toLocaleDateString("en-US", {
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  });
  const steady = 72 + random() * 18;
  const arc: Arc = c.story
    ? ARCS[c.story](renewal)
    : {
        end: steady,
        since: 0,
        reasons: [
          {
            component: "engagement",
            impact: Math.round((random() * 4 - 2) * 10) / 10,
            reason: "usage steady against the last month",
          },
        ],
        events: [
          {
            source: "segment",
            text: `Usage: ${Math.round(c.seats * c.perSeat * 5)} events this week`,
          },
        ],
      };
  const start = c.story === "recovery" ? 78 : c.story === "lukewarm" ? 62 : steady;
  const history: CustomerPage["history"][number][] = [];
  const alerts: AlertItem[] = [];
  const days = Math.min(90, c.signupDaysAgo);
  let previous: Tier | null = null;
  for (let d = days - 1; d >= 0; d--) {
    let score: number;
    if (c.story === "recovery")
      score =
        d > 30
          ? start
          : d > 15
            ? start - ((30 - d) / 15) * 45
            : 33 + ((15 - d) / 15) * (arc.end - 33);
    else
      score = d >= arc.since ? start : arc.end + ((start - arc.end) * d) / Math.max(1, arc.since);
    score = clamp(score + (random() - 0.5) * 3);
    if (d === 0) score = arc.end;
    const tier = tierOf(score);
    const at = now - d * DAY_MS;
    if (previous && tier !== previous)
      alerts.push({
        at: new Date(at).toISOString(),
        accountId: c.id,
        displayName: c.name,
        kind: "tier",
        previousTier: previous,
        tier,
        score,
        text: `${c.name}: ${previous} → ${tier}, score ${Math.round(score)}. ${arc.reasons[0]?.reason ?? ""}`,
      });
    previous = tier;
    history.push({
      day: isoDay(at),
      score,
      tier,
      modelVersion: d >= MODEL_CHANGED_DAYS_AGO ? MODEL_OLD : MODEL_NEW,
    });
  }
  if (arc.flag)
    alerts.push({
      at: new Date(now - 2 * 3_600_000).toISOString(),
      accountId: c.id,
      displayName: c.name,
      kind: "flag",
      previousTier: null,
      tier: tierOf(arc.end),
      score: arc.end,
      text: `Red flag on ${c.name}: ${arc.flag.reason}`,
    });
  const score = arc.end;
  const supportKnown = !c.lateZendeskMapping;
  const known = COMPONENTS.filter((k) => k.name !== "support" || supportKnown);
  const knownWeight = known.reduce((s, k) => s + k.weight, 0);
  const holdingDown = arc.reasons.filter((r) => r.impact < 0);
  const page: CustomerPage = {
    accountId: c.id,
    displayName: c.name,
    tier: tierOf(score),
    score,
    mrr: c.seats * SEAT_PRICE[c.plan],
    segment: c.plan,
    owner: c.owner,
    renewsAt: new Date(renewsAtMs).toISOString(),
    updatedAt: new Date(now - 40 * 60_000).toISOString(),
    sparkline: history.slice(-30).map((h) => h.score),
    modelVersion: MODEL_NEW,
    coverage: knownWeight,
    thresholds: THRESHOLDS,
    components: COMPONENTS.map((k) => {
      const available = known.includes(k);
      const hit = arc.reasons
        .filter((r) => r.component === k.name)
        .reduce((s, r) => s + r.impact, 0);
      const normalized = available
        ? clamp(score + (hit / k.weight) * 0.4 + (random() - 0.5) * 10)
        : null;
      return {
        name: k.name,
        available,
        normalized,
        weight: k.weight,
        contribution: available
          ? Math.round((((normalized as number) * k.weight) / knownWeight) * 10) / 10
          : 0,
      };
    }),
    drivers: arc.reasons,
    holdingDown:
      holdingDown.length > 0
        ? holdingDown
        : [
            {
              component: "adoption",
              impact: -4,
              reason: `uses ${c.featureCount} of 7 key features`,
            },
          ],
    flags: arc.flag ? [arc.flag] : [],
    history,
    events: arc.events.map((e, i) => ({
      at: new Date(now - (i * 26 + 3) * 3_600_000).toISOString(),
      ...e,
    })),
    alerts: alerts.slice(-5).reverse(),
  };
  return { page, alerts };
}

/** The demo's 30 customers and their stories, as the data routes would show them. */
export function demoDashboardData(now = Date.now()): DashboardData {
  const data = new DashboardData(now);
  const random = seeded(42);
  for (const c of CUSTOMERS) {
    const { page, alerts } = customerPage(c, now, random);
    data.pages.set(c.id, page);
    data.alerts.push(...alerts);
  }
  return data;
}

const STORY_MIX: (Story | undefined)[] = [
  ...Array<undefined>(14).fill(undefined),
  "silent",
  "payment-failure",
  "detractor",
  "angry-tickets",
  "recovery",
  "cancellation",
  "contraction",
  "lukewarm",
];
const WORDS = [
  "North",
  "Blue",
  "Iron",
  "Bright",
  "Cedar",
  "Delta",
  "Echo",
  "Harbor",
  "Summit",
  "Vector",
  "Maple",
  "Orbit",
];
const KINDS = [
  "Labs",
  "Systems",
  "Foods",
  "Logistics",
  "Health",
  "Media",
  "Energy",
  "Retail",
  "Capital",
  "Works",
];

/** `n` generated customers with the demo's mix of stories (the benchmark's portfolio). */
export function generatedDashboardData(n: number, now = Date.now(), seed = 7): DashboardData {
  const data = new DashboardData(now);
  const random = seeded(seed);
  const plans = ["Starter", "Growth", "Enterprise"] as const;
  for (let i = 0; i < n; i++) {
    const name = `${WORDS[i % WORDS.length]} ${KINDS[Math.floor(i / WORDS.length) % KINDS.length]} ${i + 1}`;
    const story = STORY_MIX[Math.floor(random() * STORY_MIX.length)];
    const plan = plans[Math.floor(random() * 3)] as (typeof plans)[number];
    const c: Customer = {
      id: `acct-${String(i + 1).padStart(5, "0")}`,
      name,
      domain: `c${i}.example.com`,
      industry: "Software",
      plan,
      seats: 3 + Math.floor(random() * (plan === "Enterprise" ? 150 : 40)),
      perSeat: 1 + random() * 2,
      featureCount: 1 + Math.floor(random() * 6),
      owner: OWNERS[i % OWNERS.length] as string,
      signupDaysAgo: 60 + Math.floor(random() * 600),
      ...(story ? { story } : {}),
    };
    const { page, alerts } = customerPage(c, now, random);
    data.pages.set(c.id, page);
    data.alerts.push(...alerts.slice(-2));
  }
  return data;
}
