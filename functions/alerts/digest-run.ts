/**
 * One run of the daily digest: which day, whether the digest is on, whether Slack is
 * configured, and the exactly-once post (`sendDigest`). Ports in, no AWS types.
 */
import type { AlertLedger } from "./deliver-once.ts";
import {
  type DigestOutcome,
  type DigestStore,
  isDay,
  previousUtcDay,
  SLACK_CHANNEL,
  sendDigest,
} from "./digest.ts";
import type { SlackMessage } from "./message.ts";
import type { AlertLog, AlertMetric, WebhookUrlSource } from "./slack-alerter.ts";

export interface DigestRunDeps {
  readonly enabled: boolean;
  readonly store: DigestStore;
  readonly ledger: AlertLedger;
  readonly webhookUrl: WebhookUrlSource;
  readonly post: (url: string, message: SlackMessage) => Promise<void>;
  readonly dashboardUrl?: string;
  readonly log: AlertLog;
  readonly count: (metric: AlertMetric) => void;
}

export type DigestRunResult =
  | { readonly outcome: "off" | "not-configured" }
  | { readonly outcome: DigestOutcome; readonly day: string; readonly channel: string };

/** Posts the digest of `input.day`, or of the UTC day before `now`. */
export async function runDigest(
  deps: DigestRunDeps,
  input: { readonly day?: unknown },
  now: number,
): Promise<DigestRunResult> {
  if (!deps.enabled) return { outcome: "off" };
  if (input.day !== undefined && !isDay(input.day)) {
    // A hand-made invocation with a typo: say so, never post a wrong day.
    throw new Error(
      `digest: "day" must be a date like 2026-11-28 (got ${JSON.stringify(input.day)})`,
    );
  }
  const day = (input.day as string | undefined) ?? previousUtcDay(now);
  const url = await deps.webhookUrl();
  if (url === undefined) {
    deps.log.warn("no Slack webhook configured; the daily digest is not posted", { day });
    return { outcome: "not-configured" };
  }
  const channel = SLACK_CHANNEL;
  const outcome = await sendDigest(
    {
      store: deps.store,
      ledger: deps.ledger,
      post: (message) => deps.post(url, message),
      dashboardUrl: deps.dashboardUrl,
    },
    channel,
    day,
  );
  if (outcome === "delivered" || outcome === "unconfirmed") deps.count("AlertsSent");
  if (outcome === "duplicate") deps.count("AlertsDeduplicated");
  deps.log.info("daily digest", { day, channel, outcome });
  return { outcome, day, channel };
}
