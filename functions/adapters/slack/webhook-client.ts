/**
 * The Slack incoming-webhook client. It implements the alerter's `SlackPoster` port and
 * throws the port's errors.
 *
 * Retried, within one invocation: only when Slack said no, so the message is known not to
 * be in the channel: 429 (after its Retry-After), 5xx, or no connection at all (refused,
 * DNS, no connection before the time limit). Never retried: a request that was sent and got
 * no answer in time. Slack may have posted it; that throws DeliveryOutcomeUnknownError and
 * the ledger records the alert as sent-unconfirmed.
 *
 * Built on node:http rather than fetch because only the socket tells "never connected"
 * (safe to retry) apart from "sent, no answer" (not safe), and each request opens its own
 * connection: a kept-alive one that Slack closed in the meantime fails after the request
 * was written, which would turn a harmless reconnect into an unknown outcome.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { DeliveryOutcomeUnknownError } from "../../alerts/deliver-once.ts";
import { ALERT_DELIVERY } from "../../alerts/delivery-policy.ts";
import type { SlackMessage } from "../../alerts/message.ts";
import { SlackPermanentError, SlackUnavailableError } from "../../alerts/slack-alerter.ts";

export interface PostToSlackOptions {
  /** Attempts in all, including the first; ALERT_DELIVERY.attemptsPerInvocation by default. */
  readonly attempts?: number;
  /** Time limit of one request; ALERT_DELIVERY.requestTimeoutMs by default. */
  readonly timeoutMs?: number;
  /** First backoff delay, doubled per attempt, with jitter; 250 ms by default. */
  readonly baseDelayMs?: number;
  /** Ceiling on a 429's Retry-After wait; 5 s by default. */
  readonly maxRetryAfterMs?: number;
  /**
   * Epoch milliseconds by which the last attempt must have ended (the invocation's time
   * budget); an attempt that could not finish by then is not started.
   */
  readonly deadline?: number;
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
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

/** POSTs a message to a Slack incoming webhook; retries only what Slack refused. */
export async function postToSlack(
  url: string,
  payload: SlackMessage,
  options: PostToSlackOptions = {},
): Promise<void> {
  const attempts = Math.max(1, options.attempts ?? ALERT_DELIVERY.attemptsPerInvocation);
  const timeoutMs = options.timeoutMs ?? ALERT_DELIVERY.requestTimeoutMs;
  const baseDelayMs = options.baseDelayMs ?? 250;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 5_000;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const fitsBudget = (waitMs: number) =>
    options.deadline === undefined || now() + waitMs + timeoutMs <= options.deadline;
  const target = new URL(url);
  const body = JSON.stringify(payload);

  let refusal = new SlackUnavailableError("no time left in this invocation to post", undefined);
  let wait = 0;
  for (let attempt = 1; attempt <= attempts && fitsBudget(wait); attempt++) {
    if (attempt > 1) await sleep(wait);
    const answer = await postOnce(target, body, timeoutMs);
    if (answer.kind === "no-answer") {
      throw new DeliveryOutcomeUnknownError(
        `Slack did not answer within ${timeoutMs} ms; the message may have been posted`,
        { cause: answer.error },
      );
    }
    if (answer.kind === "not-connected") {
      // The URL is a secret: say what failed, never where.
      refusal = new SlackUnavailableError("Slack could not be reached", undefined, {
        cause: answer.error,
      });
      wait = backoff(baseDelayMs, attempt);
      continue;
    }
    const { status } = answer;
    if (status >= 200 && status < 300) return;
    if (status === 429) {
      refusal = new SlackUnavailableError("Slack rate limited the message (429)", 429);
      const asked = retryAfterMs(answer.retryAfter);
      wait = asked === undefined ? backoff(baseDelayMs, attempt) : Math.min(asked, maxRetryAfterMs);
    } else if (status >= 500) {
      refusal = new SlackUnavailableError(`Slack answered HTTP ${status}`, status);
      wait = backoff(baseDelayMs, attempt);
    } else {
      throw new SlackPermanentError(status, answer.reason);
    }
  }
  throw refusal;
}

/** Exponential backoff with jitter (50-100 % of the doubled delay). */
function backoff(baseDelayMs: number, attempt: number): number {
  const ceiling = baseDelayMs * 2 ** (attempt - 1);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

type Answer =
  /** Slack answered with a status (its reason: the start of the body). */
  | { kind: "answered"; status: number; retryAfter: string | null; reason: string }
  /** No connection was made, so nothing was sent. */
  | { kind: "not-connected"; error: Error }
  /** Connected and sent, then no (complete) answer in time: the outcome is unknown. */
  | { kind: "no-answer"; error: Error };

/** How much of an error body is kept as Slack's reason. */
const REASON_CHARS = 200;

/** One POST on a fresh connection, ended after `timeoutMs` whatever stage it reached. */
function postOnce(target: URL, body: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    const secure = target.protocol === "https:";
    let connected = false;
    let head: IncomingMessage | undefined;
    let reason = "";
    let settled = false;
    const finish = (answer: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(answer);
    };
    // Once the status is in, Slack's verdict is known even if the body never completes.
    const answered = (): Answer | undefined =>
      head && {
        kind: "answered",
        status: head.statusCode ?? 0,
        retryAfter: headerValue(head.headers["retry-after"]),
        reason: reason.slice(0, REASON_CHARS),
      };
    const failed = (error: Error) =>
      finish(
        answered() ?? (connected ? { kind: "no-answer", error } : { kind: "not-connected", error }),
      );

    const request = (secure ? httpsRequest : httpRequest)(
      target,
      {
        method: "POST",
        agent: false,
        headers: {
          "content-type": "application/json; charset=utf-8",
          "content-length": Buffer.byteLength(body),
        },
      },
      (response) => {
        head = response;
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          if (reason.length < REASON_CHARS) reason += chunk;
        });
        response.on("end", () => finish(answered() as Answer));
        response.on("error", failed);
      },
    );
    const timer = setTimeout(
      () => failed(new Error(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    request.on("socket", (socket) => {
      const markConnected = () => {
        connected = true;
      };
      if (socket.connecting) socket.once(secure ? "secureConnect" : "connect", markConnected);
      else markConnected();
    });
    request.on("error", failed);
    request.end(body);
  });
}

function headerValue(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}
