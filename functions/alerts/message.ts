/**
 * What a CS manager reads: a health event rendered as a Slack Block Kit message and as a
 * plain-text email. Pure functions, no I/O. The email layout is also published as an
 * EventBridge input-transformer template (EMAIL_TEMPLATE_LINES), so the SNS email in AWS
 * and the local email carry the same lines.
 */
import type { Tier } from "../domain/tiers.ts";
import {
  DETAIL_TYPES,
  type HealthEvent,
  type HealthScoreDropped,
  type HealthTierChanged,
} from "../events/health-events.ts";

type DetailType = HealthEvent["detailType"];
type Driver = HealthTierChanged["drivers"][number];

/** Emoji standing in for colour: Block Kit has no coloured bar without legacy attachments. */
export const TIER_EMOJI: Readonly<Record<Tier, string>> = {
  critical: "🔴",
  "at-risk": "🟠",
  healthy: "🟢",
  unknown: "⚪",
};
const DROP_EMOJI = "📉";

/** How many drivers a message lists. */
export const MESSAGE_DRIVERS = 3;

/** Slack header blocks take at most 150 characters of plain text. */
const HEADER_MAX = 150;

// ---------------------------------------------------------------------------------------
// Shared wording

const RANK: Readonly<Record<Exclude<Tier, "unknown">, number>> = {
  healthy: 2,
  "at-risk": 1,
  critical: 0,
};

/** The customer's display name, or its id when no tool told us a name. */
export function customerName(detail: { accountName: string | null; accountId: string }): string {
  const name = detail.accountName?.trim();
  return name ? name : detail.accountId;
}

/** A score as shown to people: whole points (the event carries one decimal). */
export function formatScore(score: number | null): string {
  return score === null ? "no score" : String(Math.round(score));
}

/** A signed number with a real minus sign: "+19", "−24", "±0". */
export function signed(n: number): string {
  if (n === 0) return "±0";
  return n > 0 ? `+${n}` : `\u2212${-n}`;
}

/** "72 → 48 (−24)"; the change is left out when either side has no score. */
export function scoreChange(from: number | null, to: number | null): string {
  const arrow = `${formatScore(from)} → ${formatScore(to)}`;
  if (from === null || to === null) return arrow;
  return `${arrow} (${signed(Math.round(to) - Math.round(from))})`;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** Points a drop lost, in whole points (never negative). */
const droppedPoints = (d: HealthScoreDropped) =>
  Math.max(0, Math.round(d.fromScore) - Math.round(d.toScore));

/** "Score dropped 24 points in 7 days". */
export function dropSentence(d: HealthScoreDropped): string {
  return `Score dropped ${plural(droppedPoints(d), "point")} in ${plural(d.windowDays, "day")}`;
}

/**
 * The top drivers. The scorer lists them largest effect first; keeping the event's order
 * (rather than re-sorting) makes Slack and the AWS email, which can only index the list,
 * name the same three.
 */
export function topDrivers(drivers: readonly Driver[], n = MESSAGE_DRIVERS): Driver[] {
  return drivers.slice(0, n);
}

/** "Owner: @jane" (owners are shown as text: an incoming webhook cannot resolve a mention). */
export function ownerLine(owner: string | null): string | undefined {
  const name = owner?.trim();
  if (!name) return undefined;
  return `Owner: ${name.includes("@") ? name : `@${name}`}`;
}

/** One line on what happened, worded calmly for reports and directly for pages. */
export function headline(event: HealthEvent): string {
  const d = event.detail;
  const name = customerName(d);
  if (event.detailType === DETAIL_TYPES.scoreDropped) {
    return `${name}: score dropped ${plural(droppedPoints(event.detail), "point")}`;
  }
  const { previousTier, tier } = event.detail;
  const change = `${previousTier} → ${tier}`;
  if (tier === "unknown") return `${name}: not enough recent data to score (${change})`;
  if (previousTier === "unknown") return `${name} is now scored ${tier} (${change})`;
  if (RANK[tier] > RANK[previousTier]) return `${name} improved: ${change}`;
  return event.detail.alert === "page"
    ? `${name} needs attention: ${change}`
    : `${name} moved: ${change}`;
}

function headlineEmoji(event: HealthEvent): string {
  return event.detailType === DETAIL_TYPES.tierChanged ? TIER_EMOJI[event.detail.tier] : DROP_EMOJI;
}

// ---------------------------------------------------------------------------------------
// Slack

interface PlainText {
  readonly type: "plain_text";
  readonly text: string;
  readonly emoji?: boolean;
}
interface Mrkdwn {
  readonly type: "mrkdwn";
  readonly text: string;
}
export type SlackBlock =
  | { readonly type: "header"; readonly text: PlainText }
  | {
      readonly type: "section";
      readonly text?: PlainText | Mrkdwn;
      readonly fields?: readonly Mrkdwn[];
    }
  | { readonly type: "context"; readonly elements: readonly (PlainText | Mrkdwn)[] }
  | { readonly type: "divider" };

/** An incoming-webhook body: `text` is the notification (and screen-reader) fallback. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const truncate = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

const mrkdwn = (text: string): Mrkdwn => ({ type: "mrkdwn", text });
const tierWithEmoji = (tier: Tier) => `${TIER_EMOJI[tier]} ${tier}`;

/** "(−12 pts)": whole points, one decimal below one point. */
function impactPoints(impact: number): string {
  const magnitude = Math.abs(impact) < 1 ? Math.round(impact * 10) / 10 : Math.round(impact);
  return `(${signed(magnitude)} ${Math.abs(magnitude) === 1 ? "pt" : "pts"})`;
}

function driversText(drivers: readonly Driver[]): string {
  const top = topDrivers(drivers);
  if (top.length === 0) return "*Why*\nNo single component stood out.";
  const lines = top.map((d) => `• ${escapeMrkdwn(d.reason)} ${impactPoints(d.impact)}`);
  return `*Why*\n${lines.join("\n")}`;
}

/** The Block Kit message for one health event. */
export function slackMessage(event: HealthEvent): SlackMessage {
  const d = event.detail;
  const title = `${headlineEmoji(event)} ${headline(event)}`;
  const blocks: SlackBlock[] = [
    {
      type: "header",
      text: { type: "plain_text", text: truncate(title, HEADER_MAX), emoji: true },
    },
  ];
  let summary: string;
  if (event.detailType === DETAIL_TYPES.tierChanged) {
    const t = event.detail;
    summary = `score ${scoreChange(t.previousScore, t.score)}`;
    blocks.push({
      type: "section",
      fields: [
        mrkdwn(`*Tier*\n${tierWithEmoji(t.previousTier)} → ${tierWithEmoji(t.tier)}`),
        mrkdwn(`*Score*\n${scoreChange(t.previousScore, t.score)}`),
      ],
    });
  } else {
    const s = event.detail;
    summary = `${dropSentence(s)}: ${scoreChange(s.fromScore, s.toScore)}`;
    blocks.push({
      type: "section",
      text: mrkdwn(`*${dropSentence(s)}*\n${scoreChange(s.fromScore, s.toScore)}`),
    });
  }
  blocks.push({ type: "section", text: mrkdwn(driversText(d.drivers)) });
  const owner = ownerLine(d.owner);
  if (owner) blocks.push({ type: "section", text: { type: "plain_text", text: owner } });
  blocks.push({
    type: "context",
    elements: [
      mrkdwn(escapeMrkdwn(`Model ${d.modelVersion} · account ${d.accountId} · ${d.occurredAt}`)),
    ],
  });
  return { text: escapeMrkdwn(`${title} · ${summary}`), blocks };
}

// ---------------------------------------------------------------------------------------
// Email

/**
 * JSON paths (EventBridge input-transformer syntax) of every placeholder used in
 * EMAIL_TEMPLATE_LINES. Drivers beyond the event's list resolve to nothing.
 */
export const EMAIL_TEMPLATE_PATHS = {
  displayName: "$.detail.displayName",
  accountId: "$.detail.accountId",
  previousTier: "$.detail.previousTier",
  tier: "$.detail.tier",
  previousScore: "$.detail.previousScore",
  score: "$.detail.score",
  fromScore: "$.detail.fromScore",
  toScore: "$.detail.toScore",
  windowDays: "$.detail.windowDays",
  driver1: "$.detail.drivers[0].reason",
  driver2: "$.detail.drivers[1].reason",
  driver3: "$.detail.drivers[2].reason",
  owner: "$.detail.owner",
  modelVersion: "$.detail.modelVersion",
} as const;
export type EmailPlaceholder = keyof typeof EMAIL_TEMPLATE_PATHS;

/**
 * The plain-text email, line by line, per detail type; `<name>` is a placeholder for
 * EMAIL_TEMPLATE_PATHS[name] (the input transformer's own syntax). The CDK email target
 * fills it with EventField paths via `renderEmailTemplate`; `emailMessage` fills it from
 * the parsed event, leaving out lines whose values are missing (no name, no owner, fewer
 * than three drivers) and rounding scores.
 */
export const EMAIL_TEMPLATE_LINES: Readonly<Record<DetailType, readonly string[]>> = {
  [DETAIL_TYPES.tierChanged]: [
    "Customer health: tier change",
    "",
    "Customer: <displayName>",
    "Account: <accountId>",
    "Tier: <previousTier> → <tier>",
    "Score: <previousScore> → <score>",
    "Top drivers:",
    "1. <driver1>",
    "2. <driver2>",
    "3. <driver3>",
    "Owner: <owner>",
    "Model version: <modelVersion>",
  ],
  [DETAIL_TYPES.scoreDropped]: [
    "Customer health: score drop",
    "",
    "Customer: <displayName>",
    "Account: <accountId>",
    "Score: <fromScore> → <toScore> within <windowDays> days",
    "Top drivers:",
    "1. <driver1>",
    "2. <driver2>",
    "3. <driver3>",
    "Owner: <owner>",
    "Model version: <modelVersion>",
  ],
};

const PLACEHOLDER = /<(\w+)>/g;

/**
 * Fills a detail type's template: `value` gets each placeholder's name and JSON path and
 * returns its text, or undefined to leave the whole line out. For the CDK target:
 * `renderEmailTemplate(type, (_, path) => EventField.fromPath(path))`.
 */
export function renderEmailTemplate(
  detailType: DetailType,
  value: (name: EmailPlaceholder, path: string) => string | undefined,
): string {
  const lines: string[] = [];
  for (const line of EMAIL_TEMPLATE_LINES[detailType]) {
    let missing = false;
    const filled = line.replace(PLACEHOLDER, (_, name: EmailPlaceholder) => {
      const text = value(name, EMAIL_TEMPLATE_PATHS[name]);
      if (text === undefined) missing = true;
      return text ?? "";
    });
    if (!missing) lines.push(filled);
  }
  return lines.join("\n");
}

/** A placeholder's text for a parsed event; undefined leaves its line out. */
function localValue(event: HealthEvent, name: EmailPlaceholder): string | undefined {
  const d = event.detail;
  const drivers = d.drivers;
  switch (name) {
    case "displayName":
      return customerName(d);
    case "accountId":
      return d.accountId;
    case "owner":
      return d.owner?.trim() || undefined;
    case "modelVersion":
      return d.modelVersion;
    case "driver1":
      return drivers[0]?.reason;
    case "driver2":
      return drivers[1]?.reason;
    case "driver3":
      return drivers[2]?.reason;
  }
  if (event.detailType === DETAIL_TYPES.tierChanged) {
    const t = event.detail;
    if (name === "previousTier") return t.previousTier;
    if (name === "tier") return t.tier;
    if (name === "previousScore") return formatScore(t.previousScore);
    if (name === "score") return formatScore(t.score);
  } else {
    const s = event.detail;
    if (name === "fromScore") return formatScore(s.fromScore);
    if (name === "toScore") return formatScore(s.toScore);
    if (name === "windowDays") return String(s.windowDays);
  }
  return undefined;
}

/** A plain-text email: subject and body. */
export interface EmailMessage {
  readonly subject: string;
  readonly text: string;
}

/** The email for one health event (the same lines as the AWS email, per the template). */
export function emailMessage(event: HealthEvent): EmailMessage {
  const name = customerName(event.detail);
  const subject =
    event.detailType === DETAIL_TYPES.tierChanged
      ? `[Customer health] ${name}: ${event.detail.previousTier} → ${event.detail.tier}`
      : `[Customer health] ${name}: ${dropSentence(event.detail).toLowerCase()}`;
  let text = renderEmailTemplate(event.detailType, (placeholder) => localValue(event, placeholder));
  if (event.detail.drivers.length === 0) {
    text = text.replace("Top drivers:", "Top drivers: none stood out");
  }
  return { subject, text };
}
