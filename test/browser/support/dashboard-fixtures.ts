/**
 * TEST DOUBLE DATA: the customers behind the double's routes: the demo's 30 (their
 * stories from bin/demo/customers.ts) for the browser tests, or N generated ones for the
 * benchmark. Each gets a 90-day history following its story, with the model change.
 */
import {
  CUSTOMERS,
  type Customer,
  OWNERS,
  SEAT_PRICE,
  type Story,
} from "../../../bin/demo/customers.ts";
import type { AlertItem, CustomerPage } from "../../../functions/dashboard/contract.ts";
import type { Tier } from "../../../functions/domain/tiers.ts";
import {
  COMPONENTS,
  clamp,
  DAY_MS,
  DashboardData,
  isoDay,
  MODEL_CHANGED_DAYS_AGO,
  MODEL_NEW,
  MODEL_OLD,
  seeded,
  THRESHOLDS,
  tierOf,
} from "./dashboard-data.ts";
import { ARCS, type Arc } from "./dashboard-stories.ts";

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
