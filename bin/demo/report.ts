/**
 * What the demo prints at the end, in words a customer-success manager reads: the
 * customers worst first with the reason, the alerts, and what was sent.
 */
import { defaultModel } from "../../functions/domain/model.default.ts";
import type { HealthEvent } from "../../functions/events/health-events.ts";
import type { CustomerDetail, ListedCustomer, SendStats } from "./client.ts";
import { type Customer, STORY_ENDS, STORY_TEXT } from "./customers.ts";

/** The default model's tier lines: the ones a stack started by `npm start` scores with. */
const TIERS = defaultModel.tiers;

export const fmt = (n: number) => n.toLocaleString("en-US");
const score = (s: number | null | undefined) => (s == null ? "–" : s.toFixed(0));
const pad = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));
const padStart = (s: string, n: number) => s.padStart(n);

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Subscription status scores of the default model, back to words. */
const STATUS_WORDS: Record<number, string> = {
  80: "on trial",
  40: "subscription paused",
  30: "subscription incomplete",
  25: "subscription past due",
  20: "set to cancel at period end",
  10: "subscription unpaid",
  0: "subscription canceled",
};

/** What is weak in one component, from its raw measurements; null when nothing stands out. */
function componentReason(c: CustomerDetail["components"][number]): string | null {
  const r = c.raw;
  const parts: string[] = [];
  switch (c.name) {
    case "engagement":
      if (r.recency !== undefined && r.recency >= 5)
        return `no product usage for ${Math.round(r.recency)} days`;
      if (r.trend !== undefined && r.trend < 0.85)
        parts.push(`usage down ${Math.round((1 - r.trend) * 100)}% vs last month`);
      if (r.volume !== undefined && r.volume < 0.8)
        parts.push(`${r.volume.toFixed(1)} actions per seat a day`);
      break;
    case "adoption":
      if (r.breadth !== undefined && r.breadth < 0.8)
        parts.push(`uses few features (${Math.round(r.breadth * 100)}% of target)`);
      if (r.milestones !== undefined && r.milestones < 1)
        parts.push(`onboarding ${Math.round(r.milestones * 100)}% done`);
      break;
    case "sentiment":
      if (r.nps !== undefined && r.nps < 0) parts.push(`NPS ${Math.round(r.nps)}`);
      if (r.csat !== undefined && r.csat < 3.5) parts.push(`CSAT ${r.csat.toFixed(1)}/5`);
      if (r.ces !== undefined && r.ces < 4.5) parts.push(`effort score ${r.ces.toFixed(1)}/7`);
      break;
    case "support":
      if (r.urgentTickets) parts.push(`${plural(r.urgentTickets, "urgent ticket")} open`);
      else if (r.openTickets && r.openTickets >= 2) parts.push(`${r.openTickets} open tickets`);
      if (r.reopenRate !== undefined && r.reopenRate >= 0.2)
        parts.push(`${Math.round(r.reopenRate * 100)}% of solved tickets reopened`);
      if (r.textSentiment !== undefined && r.textSentiment < -0.1)
        parts.push("angry ticket messages");
      break;
    case "financial":
      if (r.status !== undefined && r.status < 100)
        parts.push(STATUS_WORDS[r.status] ?? `subscription status ${r.status}/100`);
      if (r.failedPayments)
        parts.push(`${plural(r.failedPayments, "failed payment")} not recovered`);
      if (r.contraction !== undefined && r.contraction < 0.95)
        parts.push(`MRR down ${Math.round((1 - r.contraction) * 100)}%`);
      if (r.refundsDisputes) parts.push("refunds or disputes");
      break;
  }
  return parts.length > 0 ? parts.join(", ") : null;
}

/**
 * What holds the score down, read from the components (weakest first). The API's drivers
 * explain the last change only, and are empty after a rescore that changed little.
 */
export function weakSpots(detail: CustomerDetail | null): string {
  if (!detail) return "no data yet";
  if (detail.score === null) return "not enough data to score yet";
  const reasons = detail.components
    .filter((c) => c.available && c.normalized !== null)
    .map((c) => ({ c, shortfall: c.weight * (100 - (c.normalized ?? 100)) }))
    .filter(({ shortfall }) => shortfall >= 3)
    .sort((a, b) => b.shortfall - a.shortfall)
    .map(({ c }) => componentReason(c))
    .filter((reason): reason is string => reason !== null);
  return reasons.length > 0 ? reasons.slice(0, 2).join("; ") : "nothing stands out";
}

export interface Row {
  readonly customer: Customer;
  readonly detail: CustomerDetail | null;
}

/** The customer table, worst first. */
export function customerTable(rows: readonly Row[]): string[] {
  const sorted = [...rows].sort(
    (a, b) =>
      (a.detail?.score ?? -1) - (b.detail?.score ?? -1) ||
      a.customer.name.localeCompare(b.customer.name),
  );
  const lines = [
    `  ${pad("Customer", 28)} ${padStart("Score", 5)}  ${pad("Tier", 8)}  ${pad("Owner", 12)}  What holds the score down`,
    `  ${"─".repeat(28)} ${"─".repeat(5)}  ${"─".repeat(8)}  ${"─".repeat(12)}  ${"─".repeat(56)}`,
  ];
  for (const { customer, detail } of sorted) {
    lines.push(
      `  ${pad(customer.name, 28)} ${padStart(score(detail?.score), 5)}  ${pad(detail?.tier ?? "unknown", 8)}  ${pad(detail?.owner ?? customer.owner, 12)}  ${weakSpots(detail)}`,
    );
  }
  return lines;
}

/** Per tier, how many customers. */
export function tierCounts(rows: readonly Row[]): string {
  const count = (tier: string) => rows.filter((r) => (r.detail?.tier ?? "unknown") === tier).length;
  return `healthy ${count("healthy")} · at-risk ${count("at-risk")} · critical ${count("critical")}${count("unknown") ? ` · unknown ${count("unknown")}` : ""}`;
}

/**
 * What the demo scripted for the story customers, next to what the system made of it:
 * the tier after the history, the tier now, and the alerts in between.
 */
export function storyCheck(
  rows: readonly Row[],
  events: readonly HealthEvent[],
  afterHistory: ReadonlyMap<string, ListedCustomer>,
  snapshots: readonly ReadonlyMap<string, ListedCustomer>[],
): { lines: string[]; missed: string[] } {
  const lines: string[] = [];
  const missed: string[] = [];
  for (const { customer, detail } of rows) {
    if (!customer.story) {
      // A customer without a story uses the product steadily and pays: it stays healthy.
      const tier = detail?.tier ?? "unknown";
      if (tier !== "healthy") missed.push(`${customer.name}: steady, but ended ${tier}`);
      continue;
    }
    const id = customer.id;
    let alerts: string[];
    if (events.length > 0) {
      alerts = events
        .filter((e) => e.detail.accountId === id && e.detail.alert !== "none")
        .map((e) =>
          e.detailType === "HealthTierChanged"
            ? `${e.detail.alert === "page" ? "PAGE" : "report"} ${e.detail.previousTier} → ${e.detail.tier}`
            : e.detailType === "HealthScoreDropped"
              ? `${e.detail.alert === "page" ? "PAGE" : "report"} score dropped`
              : `${e.detail.alert === "page" ? "PAGE" : "report"} red flag`,
        );
    } else {
      alerts = [];
      for (let i = 1; i < snapshots.length; i++) {
        const was = snapshots[i - 1]?.get(id)?.tier;
        const now = snapshots[i]?.get(id)?.tier;
        if (was && now && was !== now) alerts.push(`${was} → ${now}`);
      }
    }
    const tier = detail?.tier ?? "unknown";
    const first = afterHistory.get(id);
    let told: string;
    if (alerts.length > 0) told = alerts.join(", ");
    else if (tier === "healthy" && (detail?.score ?? 100) < TIERS.healthy)
      told = `no alert: down from ${score(first?.score)}, but a healthy customer turns at-risk only below ${TIERS.healthy - TIERS.margin}`;
    else if (first?.tier === tier)
      told = `no alert: already ${tier} (${score(first.score)}) when its history arrived, and a first score alerts only when critical`;
    else told = "no alert";
    const end = STORY_ENDS[customer.story];
    const paged = alerts.some((a) => a.startsWith("PAGE"));
    const problems = [
      ...(end.tiers.includes(tier as never) ? [] : [`expected ${end.tiers.join(" or ")}`]),
      // Pages are known only from the bus of a stack started by the demo itself.
      ...(end.paged && events.length > 0 && !paged ? ["expected a page"] : []),
    ];
    if (problems.length > 0) missed.push(`${customer.name}: ${problems.join(", ")}`);
    const verdict = problems.length > 0 ? `✗ ${problems.join(", ")}` : "✓ as its story says";
    lines.push(`  ${pad(customer.name, 28)} ${STORY_TEXT[customer.story]}`);
    lines.push(`  ${" ".repeat(28)} → ${tier} (${score(detail?.score)}); ${told}`);
    lines.push(`  ${" ".repeat(28)}   ${verdict}`);
  }
  return { lines, missed };
}

const nameOf = (e: HealthEvent, names: ReadonlyMap<string, string>) =>
  e.detail.accountName ?? names.get(e.detail.accountId) ?? e.detail.accountId;

/** One line per alert the CS team received (Slack and email for pages, Slack for reports). */
export function alertLines(events: readonly HealthEvent[], names: ReadonlyMap<string, string>) {
  const lines: string[] = [];
  for (const e of events) {
    if (e.detail.alert === "none") continue;
    const level = e.detail.alert === "page" ? "PAGE  " : "report";
    const reasons = e.detail.drivers
      .slice(0, 2)
      .map((d) => d.reason)
      .join("; ");
    if (e.detailType === "HealthTierChanged") {
      const d = e.detail;
      const change = `${d.previousTier} → ${d.tier}`;
      lines.push(
        `  ${level}  ${pad(nameOf(e, names), 26)} ${pad(change, 20)} ${padStart(score(d.previousScore), 3)} → ${padStart(score(d.score), 3)}   ${reasons}`,
      );
    } else if (e.detailType === "HealthScoreDropped") {
      const d = e.detail;
      lines.push(
        `  ${level}  ${pad(nameOf(e, names), 26)} ${pad(`score dropped`, 20)} ${padStart(score(d.fromScore), 3)} → ${padStart(score(d.toScore), 3)}   ${reasons}`,
      );
    } else {
      const d = e.detail;
      lines.push(
        `  ${level}  ${pad(nameOf(e, names), 26)} ${pad(`red flag (${d.tier})`, 20)} ${padStart(score(d.score), 3)}         ${d.raised.map((f) => f.reason).join("; ")}`,
      );
    }
  }
  return lines;
}

/** Tier changes seen between two snapshots of GET /customers (when the stack runs elsewhere). */
export function tierChangeLines(
  before: ReadonlyMap<string, ListedCustomer>,
  after: ReadonlyMap<string, ListedCustomer>,
  names: ReadonlyMap<string, string>,
) {
  const lines: string[] = [];
  for (const [id, now] of after) {
    const was = before.get(id);
    const wasTier = was?.tier ?? "unknown";
    if (wasTier === now.tier) continue;
    // A first score is news (an alert) only when it is critical.
    if (!was && now.tier !== "critical") continue;
    lines.push(
      `  ${pad(now.accountName ?? names.get(id) ?? id, 28)} ${pad(`${wasTier} → ${now.tier}`, 20)} ${padStart(score(was?.score), 3)} → ${padStart(score(now.score), 3)}   ${now.topDriver ?? ""}`,
    );
  }
  return lines;
}

/** The delivery figures, in plain words. */
export function deliveryLines(
  stats: SendStats,
  concurrency: number,
  applied: number,
  waiting: readonly string[],
): string[] {
  const o = stats.outcomes;
  const p = stats.byProvider;
  const twice =
    o.duplicate >= stats.duplicatesSent
      ? "nothing counted twice"
      : `${fmt(stats.duplicatesSent - o.duplicate)} APPLIED AGAIN`;
  const lines = [
    `  Webhooks sent        ${fmt(stats.sent)} in ${stats.seconds.toFixed(0)} s (${fmt(Math.round(stats.sent / Math.max(stats.seconds, 0.001)))}/s, ${concurrency} at a time): Stripe ${fmt(p.stripe)}, Zendesk ${fmt(p.zendesk)}, Typeform ${fmt(p.typeform)}, Segment ${fmt(p.segment)}, product backend (Standard Webhooks) ${fmt(p.generic)}`,
    `  Sent twice           ${fmt(stats.duplicatesSent)} on purpose (a tool resending the same event) → answered "duplicate": ${fmt(o.duplicate)}, ${twice}`,
    `  Out of order         ${fmt(stats.outOfOrder)} (a later update of the same ticket, invoice or subscription arrived first)`,
    `  Answers              accepted ${fmt(o.accepted)} · duplicate ${fmt(o.duplicate)} · ignored ${fmt(o.ignored)} (events that say nothing about health, e.g. a ticket moving from new to open) · unmatched ${fmt(o.unmatched)}`,
    `  Unmatched            ${fmt(o.unmatched)} arrived before we knew whose they were: ${fmt(applied)} applied when the Zendesk organizations were mapped, ${fmt(Math.max(0, o.unmatched - applied - waiting.length))} as soon as another event named their customer, ${waiting.length} still waiting${waiting.length ? ` (${waiting.join(", ")})` : ""}`,
  ];
  if (stats.retries > 0)
    lines.push(`  Retried              ${fmt(stats.retries)} (5xx or connection error)`);
  if (stats.failures.length > 0) {
    lines.push(`  REJECTED             ${fmt(stats.failures.length)}:`);
    for (const f of stats.failures.slice(0, 5))
      lines.push(`    ${f.status} ${f.label}: ${f.reason}`);
  }
  return lines;
}
