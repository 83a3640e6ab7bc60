/**
 * Slack delivery: the incoming-webhook client (`postToSlack`), where the webhook URL comes
 * from (`createWebhookUrlSource`), and the use case the Slack function runs for each bus
 * event (`createSlackAlerter`). The use case knows no AWS types: its ledger, poster and
 * URL source are passed in, so tests run it with fakes.
 */
import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { type HealthEvent, parseHealthEvent } from "../events/health-events.ts";
import {
  AlertInFlightError,
  type AlertLedger,
  type DeliveryOutcome,
  deliverOnce,
} from "./dedupe.ts";
import { type SlackMessage, slackMessage } from "./message.ts";

// ---------------------------------------------------------------------------------------
// Incoming-webhook client

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

export interface PostToSlackOptions {
  /** Defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Attempts in all, including the first; 3 by default. */
  readonly attempts?: number;
  /** First backoff delay, doubled per attempt, with jitter; 250 ms by default. */
  readonly baseDelayMs?: number;
  /** Ceiling on a 429's Retry-After wait: the function has a 15 s timeout. 5 s by default. */
  readonly maxRetryAfterMs?: number;
  /** Per-attempt time limit; 4 s by default. */
  readonly timeoutMs?: number;
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date); undefined if unusable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** POSTs a message to a Slack incoming webhook; retries network errors, 429 and 5xx. */
export async function postToSlack(
  url: string,
  payload: SlackMessage,
  options: PostToSlackOptions = {},
): Promise<void> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const attempts = Math.max(1, options.attempts ?? 3);
  const baseDelayMs = options.baseDelayMs ?? 250;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 4_000;
  const sleep = options.sleep ?? defaultSleep;
  const body = JSON.stringify(payload);

  let last: SlackUnavailableError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let wait: number | undefined;
    try {
      const response = await doFetch(url, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Read the body either way: it frees the connection and holds Slack's reason.
      const text = (await response.text()).slice(0, 200);
      if (response.ok) return;
      if (response.status === 429) {
        last = new SlackUnavailableError("Slack rate limited the message (429)", 429);
        const asked = retryAfterMs(response.headers.get("retry-after"));
        if (asked !== undefined) wait = Math.min(asked, maxRetryAfterMs);
      } else if (response.status >= 500) {
        last = new SlackUnavailableError(`Slack answered HTTP ${response.status}`, response.status);
      } else {
        throw new SlackPermanentError(response.status, text);
      }
    } catch (error) {
      if (error instanceof SlackPermanentError) throw error;
      // The URL is a secret: say what failed, never where.
      last = new SlackUnavailableError("Slack could not be reached", undefined, { cause: error });
    }
    if (attempt < attempts) await sleep(wait ?? backoff(baseDelayMs, attempt));
  }
  throw last ?? new SlackUnavailableError("Slack could not be reached", undefined);
}

/** Exponential backoff with jitter (50-100 % of the doubled delay). */
function backoff(baseDelayMs: number, attempt: number): number {
  const ceiling = baseDelayMs * 2 ** (attempt - 1);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

// ---------------------------------------------------------------------------------------
// Where the webhook URL comes from

/** Local: the URL itself. */
export const SLACK_WEBHOOK_URL_ENV = "SLACK_WEBHOOK_URL";
/** AWS: a Secrets Manager secret holding the URL (plain, or JSON `{"url": "…"}`). */
export const SLACK_SECRET_ARN_ENV = "SLACK_WEBHOOK_SECRET_ARN";
/** How long a fetched URL is reused before Secrets Manager is asked again. */
export const SLACK_SECRET_MAX_AGE_SECONDS = 300;

/** The stored webhook URL has the wrong shape (an ops error: fail, so the event is kept). */
export class SlackConfigError extends Error {
  override readonly name = "SlackConfigError";
}

/** The webhook URL, or undefined when none is configured. */
export type WebhookUrlSource = () => Promise<string | undefined>;

export interface WebhookUrlSourceOptions {
  /** Defaults to `process.env`, read at each call. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to Powertools `getSecret` with a 300 s cache. */
  readonly fetchSecret?: (arn: string) => Promise<unknown>;
}

/** Powertools caches the value in module scope, so warm invocations skip Secrets Manager. */
const fetchFromSecretsManager = (arn: string): Promise<unknown> =>
  getSecret(arn, { maxAge: SLACK_SECRET_MAX_AGE_SECONDS });

/** Builds the URL source: the secret when its ARN is set, else the local variable. */
export function createWebhookUrlSource(options: WebhookUrlSourceOptions = {}): WebhookUrlSource {
  const env = options.env ?? process.env;
  const fetchSecret = options.fetchSecret ?? fetchFromSecretsManager;
  return async function webhookUrl() {
    const arn = env[SLACK_SECRET_ARN_ENV]?.trim();
    const raw = arn ? urlFromSecret(await fetchSecret(arn)) : env[SLACK_WEBHOOK_URL_ENV];
    const url = raw?.trim();
    if (!url) return undefined;
    return checkedUrl(url, arn ? SLACK_SECRET_ARN_ENV : SLACK_WEBHOOK_URL_ENV);
  };
}

function urlFromSecret(value: unknown): string | undefined {
  const text = value instanceof Uint8Array ? new TextDecoder().decode(value) : value;
  if (text === undefined || text === null) return undefined;
  let document: unknown = text;
  if (typeof text === "string" && text.trim().startsWith("{")) {
    try {
      document = JSON.parse(text);
    } catch {
      throw new SlackConfigError(`${SLACK_SECRET_ARN_ENV}: the secret is not valid JSON`);
    }
  }
  if (typeof document === "string") return document;
  if (typeof document === "object" && document !== null && !Array.isArray(document)) {
    const url = (document as Record<string, unknown>).url;
    if (url === undefined || typeof url === "string") return url;
  }
  throw new SlackConfigError(
    `${SLACK_SECRET_ARN_ENV} must hold the webhook URL, or JSON {"url": "<webhook URL>"}`,
  );
}

function checkedUrl(url: string, from: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SlackConfigError(`${from}: the Slack webhook URL is not a URL`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new SlackConfigError(`${from}: the Slack webhook URL must be http(s)`);
  }
  return url;
}

// ---------------------------------------------------------------------------------------
// The use case: one bus event in, at most one Slack message out

/** The fields of an EventBridge event the alerter reads. */
export interface BusEvent {
  readonly id?: string;
  readonly "detail-type": string;
  readonly detail: unknown;
}

/** What happened to one event, for logs and tests. */
export type SlackAlertOutcome =
  | "posted"
  | "duplicate"
  | "not-alerting"
  | "malformed"
  | "not-configured";

/** The logging the alerter needs (Powertools' Logger fits). */
export interface AlertLog {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

export interface SlackAlerterDeps {
  readonly ledger: AlertLedger;
  readonly post: (url: string, message: SlackMessage) => Promise<void>;
  readonly webhookUrl: WebhookUrlSource;
  readonly log: AlertLog;
}

/**
 * Builds the Slack function's logic. It resolves for events that need no (more) work and
 * throws when delivery failed, so the invocation is retried and, after the retries, the
 * event lands in the dead-letter destination.
 */
export function createSlackAlerter(deps: SlackAlerterDeps) {
  let warnedUnconfigured = false;

  return async function alertSlack(busEvent: BusEvent): Promise<SlackAlertOutcome> {
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

    const url = await deps.webhookUrl();
    if (url === undefined) {
      if (!warnedUnconfigured) {
        warnedUnconfigured = true;
        deps.log.warn("no Slack webhook configured; alerts are not posted to Slack until one is", {
          settings: [SLACK_WEBHOOK_URL_ENV, SLACK_SECRET_ARN_ENV],
          ...context,
        });
      }
      return "not-configured";
    }

    let outcome: DeliveryOutcome;
    try {
      outcome = await deliverOnce(deps.ledger, eventId, () => deps.post(url, slackMessage(event)), {
        onMarkFailed: (error) =>
          deps.log.error("posted to Slack but could not record it", {
            ...context,
            error: describeError(error),
          }),
      });
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
    if (outcome === "duplicate") {
      deps.log.info("alert already posted to Slack", context);
      return "duplicate";
    }
    deps.log.info("alert posted to Slack", context);
    return "posted";
  };
}

const describeError = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
