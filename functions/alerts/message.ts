/**
 * What a CS manager reads in Slack: a health event rendered as a Block Kit message, in two
 * labelled parts ("What changed", "What holds it down") with red flags first and named as
 * such, a link to the customer's dashboard page, and the owner mentioned for real when their
 * Slack user id is known. Pure functions, no I/O. The email is in `email-message.ts`.
 */
import type { Tier } from "../domain/tiers.ts";
import {
  DETAIL_TYPES,
  type DriverDetail,
  type HealthEvent,
  type HealthScoreDropped,
} from "../events/health-events.ts";
import {
  customerName,
  driverLine,
  formatScore,
  NOTHING_CHANGED,
  NOTHING_HOLDS_DOWN,
  ownerLine,
  scoreChange,
  TIER_EMOJI,
} from "./wording.ts";

export {
  type EmailMessage,
  emailMessage,
  emailTemplateLines,
  emailTemplatePaths,
  MESSAGE_DRIVERS,
  renderEmailTemplate,
} from "./email-message.ts";
export {
  customerName,
  formatScore,
  ownerLine,
  scoreChange,
  signed,
  TIER_EMOJI,
} from "./wording.ts";

const DROP_EMOJI = "📉";
const FLAG_EMOJI = "🚩";

/** Slack header blocks take at most 150 characters of plain text. */
const HEADER_MAX = 150;

const RANK: Readonly<Record<Exclude<Tier, "unknown">, number>> = {
  healthy: 2,
  "at-risk": 1,
  critical: 0,
};

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** Points a drop lost, in whole points (never negative). */
const droppedPoints = (d: HealthScoreDropped) =>
  Math.max(0, Math.round(d.fromScore) - Math.round(d.toScore));

/** "Score dropped 24 points in 7 days". */
export function dropSentence(d: HealthScoreDropped): string {
  return `Score dropped ${plural(droppedPoints(d), "point")} in ${plural(d.windowDays, "day")}`;
}

/** One line on what happened, worded calmly for reports and directly for pages. */
export function headline(event: HealthEvent): string {
  const d = event.detail;
  const name = customerName(d);
  if (event.detailType === DETAIL_TYPES.scoreDropped) {
    return `${name}: score dropped ${plural(droppedPoints(event.detail), "point")}`;
  }
  if (event.detailType === DETAIL_TYPES.flagRaised) {
    const [first, ...rest] = event.detail.raised;
    const more = rest.length > 0 ? ` (+${rest.length} more)` : "";
    return `${name}: red flag, ${first?.reason ?? "raised"}${more}`;
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
  switch (event.detailType) {
    case DETAIL_TYPES.tierChanged:
      return TIER_EMOJI[event.detail.tier];
    case DETAIL_TYPES.scoreDropped:
      return DROP_EMOJI;
    case DETAIL_TYPES.flagRaised:
      return FLAG_EMOJI;
  }
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

/** What a Slack message may add from the deployment's configuration. */
export interface SlackMessageOptions {
  /** The dashboard's base URL; the message links to the customer's page on it. */
  readonly dashboardUrl?: string;
  /** The Slack user id of an owner (`U…`/`W…`), or undefined to name them as text. */
  readonly slackUserOf?: (owner: string) => string | undefined;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const truncate = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

const mrkdwn = (text: string): Mrkdwn => ({ type: "mrkdwn", text });
const tierWithEmoji = (tier: Tier) => `${TIER_EMOJI[tier]} ${tier}`;

/** The flag names raised by this event (marked "new" in "What changed"). */
function newFlagsOf(event: HealthEvent): ReadonlySet<string> {
  if (event.detailType === DETAIL_TYPES.flagRaised) {
    return new Set(event.detail.raised.map((f) => f.name));
  }
  return new Set();
}

/** A labelled part: its title, then one line per driver (red flags first, as the event lists them). */
function driversPart(
  title: string,
  drivers: readonly DriverDetail[],
  empty: string,
  newFlags: ReadonlySet<string>,
): string {
  if (drivers.length === 0) return `*${title}*\n${empty}`;
  const lines = drivers.map((d) =>
    driverLine(d, {
      newFlag: d.flag !== undefined && newFlags.has(d.flag),
      escape: escapeMrkdwn,
    }),
  );
  return `*${title}*\n${lines.join("\n")}`;
}

/** A link to the customer's dashboard page, or undefined without a dashboard URL. */
export function customerUrl(
  dashboardUrl: string | undefined,
  detail: { customerPath: string; accountId: string },
): string | undefined {
  if (!dashboardUrl) return undefined;
  const path = detail.customerPath || `/customers/${encodeURIComponent(detail.accountId)}`;
  return `${dashboardUrl.replace(/\/+$/, "")}${path}`;
}

/** The owner line: a real mention when their Slack user id is known, else their name as text. */
function ownerBlock(owner: string | null, options: SlackMessageOptions): SlackBlock | undefined {
  const name = owner?.trim();
  if (!name) return undefined;
  const userId = options.slackUserOf?.(name);
  if (userId) return { type: "section", text: mrkdwn(`Owner: <@${userId}>`) };
  const line = ownerLine(name);
  return line ? { type: "section", text: { type: "plain_text", text: line } } : undefined;
}

/** The Block Kit message for one health event. */
export function slackMessage(event: HealthEvent, options: SlackMessageOptions = {}): SlackMessage {
  const d = event.detail;
  const title = `${headlineEmoji(event)} ${headline(event)}`;
  const blocks: SlackBlock[] = [
    {
      type: "header",
      text: { type: "plain_text", text: truncate(title, HEADER_MAX), emoji: true },
    },
  ];
  let summary: string;
  switch (event.detailType) {
    case DETAIL_TYPES.tierChanged: {
      const t = event.detail;
      summary = `score ${scoreChange(t.previousScore, t.score)}`;
      blocks.push({
        type: "section",
        fields: [
          mrkdwn(`*Tier*\n${tierWithEmoji(t.previousTier)} → ${tierWithEmoji(t.tier)}`),
          mrkdwn(`*Score*\n${scoreChange(t.previousScore, t.score)}`),
        ],
      });
      break;
    }
    case DETAIL_TYPES.scoreDropped: {
      const s = event.detail;
      summary = `${dropSentence(s)}: ${scoreChange(s.fromScore, s.toScore)}`;
      blocks.push({
        type: "section",
        text: mrkdwn(`*${dropSentence(s)}*\n${scoreChange(s.fromScore, s.toScore)}`),
      });
      break;
    }
    case DETAIL_TYPES.flagRaised: {
      const f = event.detail;
      summary = `tier stays ${f.tier}, score ${formatScore(f.score)}`;
      blocks.push({
        type: "section",
        fields: [
          mrkdwn(`*Tier*\n${tierWithEmoji(f.tier)} (unchanged)`),
          mrkdwn(`*Score*\n${formatScore(f.score)}`),
        ],
      });
      break;
    }
  }
  const newFlags = newFlagsOf(event);
  blocks.push({
    type: "section",
    text: mrkdwn(driversPart("What changed", d.drivers, NOTHING_CHANGED, newFlags)),
  });
  blocks.push({
    type: "section",
    text: mrkdwn(driversPart("What holds it down", d.holdingDown, NOTHING_HOLDS_DOWN, new Set())),
  });
  const owner = ownerBlock(d.owner, options);
  if (owner) blocks.push(owner);
  const url = customerUrl(options.dashboardUrl, d);
  if (url) {
    blocks.push({
      type: "section",
      text: mrkdwn(`<${url}|Open ${escapeMrkdwn(customerName(d))} in the dashboard>`),
    });
  }
  blocks.push({
    type: "context",
    elements: [
      mrkdwn(escapeMrkdwn(`Model ${d.modelVersion} · account ${d.accountId} · ${d.occurredAt}`)),
    ],
  });
  return { text: escapeMrkdwn(`${title} · ${summary}`), blocks };
}
