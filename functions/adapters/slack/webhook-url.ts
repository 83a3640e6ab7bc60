/**
 * Where the Slack webhook URL comes from: a Secrets Manager secret in AWS, an environment
 * variable locally. Implements the alerter's `WebhookUrlSource` port.
 */
import type { WebhookUrlSource } from "../../alerts/slack-alerter.ts";
import { fetchSecretValue, SECRET_MAX_AGE_SECONDS, type SecretFetcher } from "../secrets.ts";

/** Local: the URL itself. */
export const SLACK_WEBHOOK_URL_ENV = "SLACK_WEBHOOK_URL";
/** AWS: a Secrets Manager secret holding the URL (plain, or JSON `{"url": "…"}`). */
export const SLACK_SECRET_ARN_ENV = "SLACK_WEBHOOK_SECRET_ARN";
/** How long a fetched URL is reused before Secrets Manager is asked again. */
export const SLACK_SECRET_MAX_AGE_SECONDS = SECRET_MAX_AGE_SECONDS;

/** The stored webhook URL has the wrong shape (an ops error: fail, so the event is kept). */
export class SlackConfigError extends Error {
  override readonly name = "SlackConfigError";
}

export interface WebhookUrlSourceOptions {
  /** Defaults to `process.env`, read at each call. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to the secrets adapter's plain fetcher (a 300 s cache). */
  readonly fetchSecret?: SecretFetcher;
}

/** Builds the URL source: the secret when its ARN is set, else the local variable. */
export function createWebhookUrlSource(options: WebhookUrlSourceOptions = {}): WebhookUrlSource {
  const env = options.env ?? process.env;
  const fetchSecret = options.fetchSecret ?? fetchSecretValue;
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
