/**
 * The Slack incoming-webhook client: one POST per attempt, retried when Slack refused.
 * It implements the alerter's `SlackPoster` port and throws the port's errors.
 */
import type { SlackMessage } from "../../alerts/message.ts";
import { SlackPermanentError, SlackUnavailableError } from "../../alerts/slack-alerter.ts";

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
