/**
 * The demo's 30 customers: who they are, how they use the product, and the few whose
 * story the demo tells (what goes wrong, or right, in the last weeks).
 */

/** What happens to a customer in the demo, beyond steady use. */
export type Story =
  /** Renewal payment fails three times; Stripe moves the subscription to past due. */
  | "payment-failure"
  /** Nobody has used the product for three weeks. */
  | "silent"
  /** Usage tapers off, then a detractor NPS with a blunt comment and a poor support rating. */
  | "detractor"
  /** An outage: urgent tickets with angry messages, one reopened, usage collapses. */
  | "angry-tickets"
  /** A bad month (failed payments, urgent tickets, NPS 3), then everything is fixed. */
  | "recovery"
  /** Asks to cancel at the end of the period, which is two weeks away. */
  | "cancellation"
  /** Cut a third of its seats. */
  | "contraction"
  /** Bought many seats, uses few of them and few features. */
  | "lukewarm";

export type Plan = "Starter" | "Growth" | "Enterprise";

export interface Customer {
  /** Our account id (what the product's backend and Segment's groupId call it). */
  readonly id: string;
  readonly name: string;
  readonly domain: string;
  readonly industry: string;
  readonly plan: Plan;
  readonly seats: number;
  /** Usage events per seat on a working day. */
  readonly perSeat: number;
  /** How many of the product's key features it uses. */
  readonly featureCount: number;
  /** The customer-success manager who owns the account. */
  readonly owner: string;
  /** Days ago the customer signed up; above 90 for customers older than the window. */
  readonly signupDaysAgo: number;
  readonly story?: Story;
  /** Its Zendesk organization is mapped only after the history arrived. */
  readonly lateZendeskMapping?: boolean;
}

export const OWNERS = ["Maya Patel", "Jonas Berg", "Aisha Okafor", "Luis Romero"] as const;

/** Price per seat per month, in cents. */
export const SEAT_PRICE: Record<Plan, number> = { Starter: 2900, Growth: 4900, Enterprise: 5900 };

export const FEATURES = [
  { feature: "dashboards", event: "Dashboard Viewed", path: "/dashboards" },
  { feature: "reports", event: "Report Created", path: "/reports/new" },
  { feature: "alerts", event: "Alert Configured", path: "/alerts" },
  { feature: "exports", event: "Report Exported", path: "/reports" },
  { feature: "integrations", event: "Integration Synced", path: "/settings/integrations" },
  { feature: "automations", event: "Automation Run", path: "/automations" },
  { feature: "api", event: "API Key Used", path: "/settings/api" },
] as const;

type Row = [
  name: string,
  industry: string,
  plan: Plan,
  seats: number,
  perSeat: number,
  features: number,
  signupDaysAgo: number,
  story?: Story | "late-zendesk",
];

// Steady customers use the product a couple of times per seat per working day. A customer
// renews every 30 days from signup, so `signupDaysAgo % 30` is the day of its last renewal:
// the stories rely on it (Initech renews 8 days ago, Stark 28, Vandelay 18, Massive 29).
const ROWS: Row[] = [
  ["Acme Analytics", "Software", "Growth", 40, 2.4, 5, 420],
  ["Globex Logistics", "Logistics", "Enterprise", 120, 1.9, 6, 610],
  ["Initech Software", "Software", "Growth", 35, 1.5, 3, 308, "payment-failure"],
  ["Umbrella Health", "Healthcare", "Enterprise", 60, 1.8, 5, 520, "silent"],
  ["Stark Industries", "Manufacturing", "Enterprise", 90, 2.0, 5, 718, "recovery"],
  ["Wayne Fintech", "Financial services", "Growth", 25, 2.6, 5, 260],
  ["Wonka Foods", "Food & beverage", "Growth", 30, 1.6, 3, 380, "detractor"],
  ["Hooli Cloud", "Software", "Enterprise", 150, 2.2, 6, 800],
  ["Pied Piper", "Software", "Starter", 4, 3.0, 4, 62],
  ["Soylent Labs", "Food & beverage", "Growth", 24, 0.3, 2, 240, "lukewarm"],
  ["Cyberdyne Robotics", "Manufacturing", "Growth", 45, 1.8, 4, 450, "angry-tickets"],
  ["Tyrell Biotech", "Life sciences", "Enterprise", 70, 1.7, 5, 330],
  ["Massive Dynamic", "Research", "Enterprise", 90, 1.6, 4, 509, "contraction"],
  ["Aperture Science", "Research", "Growth", 20, 2.8, 5, 75],
  ["Vandelay Imports", "Retail", "Growth", 12, 1.4, 3, 288, "cancellation"],
  // 1.8 actions per seat (was 1.5): its first score, before its Zendesk tickets are mapped,
  // must be clearly healthy, or hysteresis keeps it at-risk once the tickets lift it.
  ["Dunder Mifflin Paper", "Retail", "Growth", 15, 1.8, 4, 400, "late-zendesk"],
  ["Prestige Worldwide", "Media", "Starter", 3, 0.35, 1, 150, "lukewarm"],
  ["Oscorp Materials", "Manufacturing", "Growth", 55, 1.9, 4, 350],
  ["Gringotts Finance", "Financial services", "Enterprise", 100, 1.6, 5, 900],
  ["Monarch Solutions", "Consulting", "Growth", 10, 2.1, 4, 200],
  ["Nakatomi Trading", "Financial services", "Enterprise", 65, 1.8, 5, 470],
  ["Blue Sun Media", "Media", "Growth", 18, 2.3, 4, 180],
  ["Virtucon Energy", "Energy", "Growth", 28, 0.4, 2, 310, "lukewarm"],
  ["Sterling Cooper Advertising", "Media", "Growth", 22, 2.1, 5, 560],
  ["Bluth Property", "Real estate", "Growth", 6, 1.1, 3, 220],
  ["Los Pollos Hermanos", "Food & beverage", "Starter", 5, 2.5, 3, 40],
  // 1.8 actions per seat (was 1.4), as Dunder Mifflin: scored while its history is still
  // arriving, a partial history can read in the 60s; with critical from 55 (model 2026.11.4)
  // that is at-risk rather than critical, and hysteresis then holds it until 91.
  ["Wernham Hogg", "Retail", "Growth", 14, 1.8, 3, 340, "late-zendesk"],
  ["Krusty Krab Franchising", "Food & beverage", "Growth", 9, 1.9, 3, 270],
  ["Duff Brewing", "Food & beverage", "Growth", 33, 2.0, 4, 390],
  ["Spacely Sprockets", "Manufacturing", "Growth", 26, 1.7, 4, 230],
];

export const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/&/g, "and")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

export const CUSTOMERS: readonly Customer[] = ROWS.map(
  ([name, industry, plan, seats, perSeat, featureCount, signupDaysAgo, story], i) => ({
    id: slug(name),
    name,
    domain: `${slug(name)}.com`,
    industry,
    plan,
    seats,
    perSeat,
    featureCount,
    owner: OWNERS[(i + Math.floor(i / 3)) % OWNERS.length] as string,
    signupDaysAgo,
    ...(story === "late-zendesk" ? { lateZendeskMapping: true } : story ? { story } : {}),
  }),
);

/** Where a story ends, as a CS manager reading it expects; the demo checks each one. */
export interface StoryEnd {
  /** The tiers the customer may end in. */
  readonly tiers: readonly ("healthy" | "at-risk" | "critical")[];
  /** Whether the CS team must have been paged about it along the way. */
  readonly paged: boolean;
}

export const STORY_ENDS: Record<Story, StoryEnd> = {
  // Unpaid after three declined cards: money is at risk now, whatever the usage.
  "payment-failure": { tiers: ["at-risk", "critical"], paged: true },
  // Silent for three weeks already when its history arrives: at risk from its first score
  // (which pages only when critical).
  silent: { tiers: ["at-risk", "critical"], paged: false },
  detractor: { tiers: ["at-risk", "critical"], paged: true },
  "angry-tickets": { tiers: ["at-risk", "critical"], paged: true },
  // Everything was fixed: back to healthy, with a report (not a page) saying so.
  recovery: { tiers: ["healthy"], paged: false },
  // A scheduled cancellation is a customer leaving: the lowest tier, at once.
  cancellation: { tiers: ["critical"], paged: true },
  // A third of the seats gone (in its history) is the money side of a customer pulling back.
  contraction: { tiers: ["at-risk", "critical"], paged: false },
  // Paying for seats nobody uses: at risk from the start (a first score pages only when critical).
  lukewarm: { tiers: ["at-risk", "critical"], paged: false },
};

/** Plain words for each story, for the demo's narration. */
export const STORY_TEXT: Record<Story, string> = {
  "payment-failure": "card declined 3 times: past due, then unpaid; usage halved",
  silent: "nobody has used the product for three weeks",
  detractor: "usage fading, then NPS 2 with a blunt comment and CSAT 1",
  "angry-tickets": "an outage: no usage for 8 days, urgent tickets, angry messages",
  recovery: "a bad month (failed payments, urgent tickets, NPS 3), then all fixed",
  cancellation: "usage fading, NPS 4, then asked to cancel at period end",
  contraction: "cut a third of its seats",
  lukewarm: "many seats, little use",
};
