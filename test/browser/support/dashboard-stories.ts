/**
 * TEST DOUBLE DATA: how each demo story (bin/demo/customers.ts) shapes a customer's last
 * weeks on the dashboard: where its score ends, why in words, its red flag and events.
 */
import type { Story } from "../../../bin/demo/customers.ts";
import type { Tier } from "../../../functions/domain/tiers.ts";

/** How a story shapes the last weeks: where the score ends, and why, in words. */
export interface Arc {
  readonly end: number;
  /** Days before today when the trouble started. */
  readonly since: number;
  readonly reasons: readonly { component: string; impact: number; reason: string }[];
  readonly flag?: { name: string; tier: Tier; reason: string };
  readonly events: readonly { source: string; text: string }[];
}

export const ARCS: Record<Story, (renewal: string) => Arc> = {
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
