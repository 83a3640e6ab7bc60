/**
 * The daily digest, for teams that find one Slack message per change too loud: with
 * `alerts.digest` on, the Slack function records each alert in its day's digest instead of
 * posting it, and a daily schedule posts one message per channel listing the day's moves.
 * The post goes through `deliverOnce` under a key per channel and day, so a retried or
 * repeated run never posts a day twice. Ports only; the stores are in `adapters/`.
 */
import { DETAIL_TYPES, type HealthEvent } from "../events/health-events.ts";
import { type AlertLedger, type DeliveryOutcome, deliverOnce } from "./deliver-once.ts";
import { customerUrl, escapeMrkdwn, headline, type SlackMessage } from "./message.ts";
import { TIER_EMOJI } from "./wording.ts";

/** The one Slack channel (the incoming webhook's); a key part, so more can follow. */
export const SLACK_CHANNEL = "slack";

/** One alert, as the digest lists it. */
export interface DigestEntry {
  readonly eventId: string;
  readonly detailType: HealthEvent["detailType"];
  readonly accountId: string;
  readonly customerPath: string;
  /** "🔴 Acme Corp needs attention: healthy → critical". */
  readonly headline: string;
  /** The first reason it gives (a red flag when there is one), or "". */
  readonly reason: string;
  readonly alert: "page" | "report";
  readonly occurredAt: string;
}

/** Where the Slack function records an alert for its day's digest. Idempotent per event. */
export interface DigestRecorder {
  record(channel: string, day: string, entry: DigestEntry): Promise<void>;
}

/** The port: each channel's entries per UTC day (`yyyy-mm-dd`). */
export interface DigestStore extends DigestRecorder {
  entries(channel: string, day: string): Promise<DigestEntry[]>;
}

/** The UTC day of an ISO timestamp or epoch ms. */
export const utcDay = (time: string | number) => new Date(time).toISOString().slice(0, 10);

/** The day before `now`, in UTC: what a run at the digest hour reports. */
export const previousUtcDay = (now: number) => utcDay(now - 86_400_000);

const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const isDay = (value: unknown): value is string =>
  typeof value === "string" && DAY.test(value) && !Number.isNaN(Date.parse(value));

/** What a digest lists of one alert. */
export function digestEntryOf(event: HealthEvent): DigestEntry {
  const d = event.detail;
  const emoji =
    event.detailType === DETAIL_TYPES.tierChanged
      ? TIER_EMOJI[event.detail.tier]
      : event.detailType === DETAIL_TYPES.flagRaised
        ? "🚩"
        : "📉";
  const first = d.holdingDown.find((x) => x.flag !== undefined) ?? d.drivers[0];
  return {
    eventId: d.eventId,
    detailType: event.detailType,
    accountId: d.accountId,
    customerPath: d.customerPath,
    headline: `${emoji} ${headline(event)}`,
    reason: first ? (first.flag !== undefined ? `Red flag: ${first.reason}` : first.reason) : "",
    alert: d.alert === "page" ? "page" : "report",
    occurredAt: d.occurredAt,
  };
}

/** Slack's limit on blocks per message; longer days list the first ones and a count. */
const MAX_LISTED = 40;

/** The digest message of one day, or undefined when nothing happened. */
export function digestMessage(
  day: string,
  entries: readonly DigestEntry[],
  options: { readonly dashboardUrl?: string } = {},
): SlackMessage | undefined {
  if (entries.length === 0) return undefined;
  const sorted = [...entries].sort(
    (a, b) =>
      Number(b.alert === "page") - Number(a.alert === "page") ||
      a.occurredAt.localeCompare(b.occurredAt),
  );
  const pages = sorted.filter((e) => e.alert === "page").length;
  const title = `Customer health digest for ${day}: ${entries.length} ${entries.length === 1 ? "change" : "changes"}${pages > 0 ? `, ${pages} needing attention` : ""}`;
  const line = (e: DigestEntry) => {
    const url = customerUrl(options.dashboardUrl, e);
    const text = escapeMrkdwn(e.headline);
    const linked = url ? `<${url}|${text}>` : text;
    return e.reason ? `${linked}\n      ${escapeMrkdwn(e.reason)}` : linked;
  };
  const listed = sorted.slice(0, MAX_LISTED);
  const rest = sorted.length - listed.length;
  return {
    text: escapeMrkdwn(title),
    blocks: [
      { type: "header", text: { type: "plain_text", text: title, emoji: true } },
      ...listed.map((e) => ({
        type: "section" as const,
        text: { type: "mrkdwn" as const, text: line(e) },
      })),
      ...(rest > 0
        ? [
            {
              type: "context" as const,
              elements: [{ type: "mrkdwn" as const, text: `…and ${rest} more` }],
            },
          ]
        : []),
    ],
  };
}

export interface DigestDeps {
  readonly store: DigestStore;
  readonly ledger: AlertLedger;
  /** Posts to the channel; the Slack poster with its URL bound. */
  readonly post: (message: SlackMessage) => Promise<void>;
  readonly dashboardUrl?: string;
}

export type DigestOutcome = "empty" | DeliveryOutcome;

/** Posts one channel's digest of one day, exactly once per channel and day. */
export async function sendDigest(
  deps: DigestDeps,
  channel: string,
  day: string,
): Promise<DigestOutcome> {
  const message = digestMessage(day, await deps.store.entries(channel, day), {
    dashboardUrl: deps.dashboardUrl,
  });
  if (!message) return "empty";
  return deliverOnce(deps.ledger, digestKey(channel, day), () => deps.post(message));
}

/** The ledger key of a channel's digest of a day. */
export const digestKey = (channel: string, day: string) => `digest#${channel}#${day}`;
