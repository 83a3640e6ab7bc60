/**
 * The Slack function's use case: one bus event in, at most one Slack message out. It knows
 * no AWS or HTTP types: its ledger, poster and URL source are ports, passed in, so tests run
 * it with fakes. The HTTP client and the URL source are in `adapters/slack/`.
 */
import { type HealthEvent, parseHealthEvent } from "../events/health-events.ts";
import {
  AlertInFlightError,
  type AlertLedger,
  type DeliveryOutcome,
  deliverOnce,
} from "./deliver-once.ts";
import { type DigestRecorder, digestEntryOf, utcDay } from "./digest.ts";
import { type SlackMessage, type SlackMessageOptions, slackMessage } from "./message.ts";

// ---------------------------------------------------------------------------------------
// Ports

/** Slack refused the message for good (bad URL, revoked hook, archived channel, bad body). */
export class SlackPermanentError extends Error {
  override readonly name = "SlackPermanentError";
  constructor(
    readonly status: number,
    /** Slack's short reason, e.g. "no_service" or "invalid_payload". */
    readonly reason: string,
  ) {
    super(`Slack rejected the message: HTTP ${status} ${reason}`.trim());
  }
}

/** Slack was unreachable, rate limited or failing on every attempt; worth retrying later. */
export class SlackUnavailableError extends Error {
  override readonly name = "SlackUnavailableError";
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What a post may use of the invocation: it must have ended by `deadline` (epoch ms). */
export interface PostBudget {
  readonly deadline?: number;
}

/**
 * Posts one message to the webhook URL. Resolves once Slack accepted it; throws
 * SlackPermanentError or SlackUnavailableError when Slack refused it (it is not in the
 * channel), DeliveryOutcomeUnknownError when it was sent and no answer came.
 */
export type SlackPoster = (url: string, message: SlackMessage, budget: PostBudget) => Promise<void>;

/** The webhook URL, or undefined when none is configured. */
export type WebhookUrlSource = () => Promise<string | undefined>;

// ---------------------------------------------------------------------------------------
// The use case

/** The fields of an EventBridge event the alerter reads. */
export interface BusEvent {
  readonly id?: string;
  readonly "detail-type": string;
  readonly detail: unknown;
}

/**
 * What happened to one event, for logs and tests. "unconfirmed": posted, or possibly
 * posted, without Slack confirming it; recorded as sent and never posted again.
 */
export type SlackAlertOutcome =
  | "posted"
  | "unconfirmed"
  | "duplicate"
  | "not-alerting"
  | "malformed"
  | "not-configured"
  /** Recorded in the day's digest instead of posted (`alerts.digest`). */
  | "digested";

/** The logging the alerter needs (Powertools' Logger fits). */
export interface AlertLog {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/** The alert counts the function reports (CloudWatch metrics in AWS). */
export type AlertMetric = "AlertsSent" | "AlertsDeduplicated" | "AlertsFailed";

/**
 * Which count each outcome adds to. "unconfirmed" counts as sent: it left us and is never
 * posted again (its warning log says which alert to check). An invocation that throws
 * counts as failed; an alert held by another invocation counts nowhere until its retry.
 */
const OUTCOME_METRIC: Readonly<Record<SlackAlertOutcome, AlertMetric | undefined>> = {
  posted: "AlertsSent",
  unconfirmed: "AlertsSent",
  duplicate: "AlertsDeduplicated",
  malformed: "AlertsFailed",
  "not-alerting": undefined,
  "not-configured": undefined,
  digested: undefined,
};

export interface SlackAlerterDeps {
  readonly ledger: AlertLedger;
  readonly post: SlackPoster;
  readonly webhookUrl: WebhookUrlSource;
  readonly log: AlertLog;
  /** Adds one to an alert count. */
  readonly count: (metric: AlertMetric) => void;
  /** Epoch milliseconds; injectable for tests. */
  readonly now?: () => number;
  /** The dashboard link and owner mentions (deployment settings). */
  readonly message?: SlackMessageOptions;
  /** When set (`alerts.digest`), alerts go into the channel's daily digest, not one post each. */
  readonly digest?: { readonly store: DigestRecorder; readonly channel: string };
}

export interface AlertInvocation {
  /** What is left of the invocation's time (Lambda's `getRemainingTimeInMillis()`). */
  readonly remainingMs?: number;
}

/** Kept free at the end of an invocation for recording the outcome in the ledger. */
export const RECORD_MARGIN_MS = 2_000;

/**
 * Builds the Slack function's logic. It resolves for events that need no (more) work and
 * throws when Slack refused the message, so the invocation is retried and, after the
 * retries, the event lands in the dead-letter destination.
 */
export function createSlackAlerter(deps: SlackAlerterDeps) {
  const now = deps.now ?? Date.now;
  let warnedUnconfigured = false;

  return async function alertSlack(
    busEvent: BusEvent,
    invocation: AlertInvocation = {},
  ): Promise<SlackAlertOutcome> {
    let outcome: SlackAlertOutcome;
    try {
      outcome = await handle(busEvent, invocation);
    } catch (error) {
      if (!(error instanceof AlertInFlightError)) deps.count("AlertsFailed");
      throw error;
    }
    const metric = OUTCOME_METRIC[outcome];
    if (metric) deps.count(metric);
    return outcome;
  };

  async function handle(busEvent: BusEvent, invocation: AlertInvocation) {
    const detailType = busEvent["detail-type"];
    let event: HealthEvent;
    try {
      event = parseHealthEvent(detailType, busEvent.detail);
    } catch (error) {
      // Retrying cannot fix a wrong shape: log it and let the event go.
      deps.log.error("dropping malformed health event", {
        detailType,
        busEventId: busEvent.id,
        error: describeError(error),
      });
      return "malformed";
    }
    const { eventId, accountId, alert } = event.detail;
    const context = { detailType, eventId, accountId, alert };
    if (alert === "none") return "not-alerting";
    if (deps.digest) {
      // Idempotent: a redelivered event records the same entry again.
      await deps.digest.store.record(
        deps.digest.channel,
        utcDay(event.detail.occurredAt),
        digestEntryOf(event),
      );
      deps.log.info("alert recorded in the daily digest", context);
      return "digested";
    }

    const url = await deps.webhookUrl();
    if (url === undefined) {
      if (!warnedUnconfigured) {
        warnedUnconfigured = true;
        // Named here as text only: where the URL is read from is the URL source's business.
        deps.log.warn("no Slack webhook configured; alerts are not posted to Slack until one is", {
          settings: ["SLACK_WEBHOOK_URL (local)", "SLACK_WEBHOOK_SECRET_ARN (AWS)"],
          ...context,
        });
      }
      return "not-configured";
    }

    const budget: PostBudget =
      invocation.remainingMs === undefined
        ? {}
        : { deadline: now() + invocation.remainingMs - RECORD_MARGIN_MS };
    let outcome: DeliveryOutcome;
    try {
      outcome = await deliverOnce(
        deps.ledger,
        eventId,
        () => deps.post(url, slackMessage(event, deps.message), budget),
        {
          onRecordFailed: (error) =>
            deps.log.error("could not record the alert's delivery in the ledger", {
              ...context,
              error: describeError(error),
            }),
        },
      );
    } catch (error) {
      const details = { ...context, error: describeError(error) };
      if (error instanceof SlackPermanentError) {
        // Retries will not help until the webhook is fixed; failing keeps the event for redrive.
        deps.log.error("Slack rejected the alert; check the webhook URL", details);
      } else if (error instanceof AlertInFlightError) {
        deps.log.warn("alert is being posted by another invocation; will retry", details);
      } else {
        deps.log.warn("Slack delivery failed; will retry", details);
      }
      throw error;
    }
    switch (outcome) {
      case "delivered":
        deps.log.info("alert posted to Slack", context);
        return "posted";
      case "duplicate":
        deps.log.info("alert already posted to Slack", context);
        return "duplicate";
      case "unconfirmed":
        deps.log.warn(
          "Slack did not answer in time; the alert may be in the channel and is not posted again",
          context,
        );
        return "unconfirmed";
      case "abandoned":
        deps.log.warn(
          "an earlier invocation stopped while posting this alert; it may be in the channel and is not posted again",
          context,
        );
        return "unconfirmed";
    }
  }
}

const describeError = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
