/**
 * EventBridge's retry policy for one rule target, played locally: a failed hand-off is
 * retried with exponential backoff and jitter until it succeeds, the retries are used up
 * (`retryAttempts`) or the event is too old (`maxEventAgeSeconds`), then the event goes
 * to the target's dead-letter queue. The bounds come from ALERT_DELIVERY in
 * lib/topology.ts, as in the CDK stack. Only errors the target calls retryable are
 * retried: a hand-off whose outcome is unknown (a timeout) is never repeated.
 *
 * A laptop cannot wait hours, so the local runtime runs the same schedule faster
 * (`LOCAL_TIME_SCALE`): same number of retries, same shape, every delay and the event age
 * scaled down together.
 */

/** EventBridge's RetryPolicy of a target. */
export interface TargetRetryPolicy {
  /** Retries after the first failed attempt. */
  readonly retryAttempts: number;
  readonly maxEventAgeSeconds: number;
}

/**
 * The backoff between retries, at AWS scale. EventBridge documents "exponential back off
 * and jitter" without numbers; we model a first retry after 1 min, doubling, at most
 * 30 min apart, each delay jittered to 50-100 %. With ALERT_DELIVERY (10 retries, 6 h)
 * the last retry comes after about 3 h at most.
 */
export const EVENTBRIDGE_BACKOFF = { firstDelaySeconds: 60, maxDelaySeconds: 1800 } as const;

/** Locally the whole schedule runs 360 times faster: 6 h of event age becomes 60 s. */
export const LOCAL_TIME_SCALE = 1 / 360;

/** Why an event went to the dead-letter queue (EventBridge's names). */
export type DeadLetterReason =
  | "RetryAttemptsExhausted"
  | "MaximumEventAgeExceeded"
  /** The target failed in a way retrying cannot fix, or must not repeat. */
  | "NotRetryable"
  /** Local only: the runtime stopped before the next retry. */
  | "Stopped";

export type TargetOutcome =
  | { readonly delivered: true; readonly attempts: number }
  | {
      readonly delivered: false;
      readonly attempts: number;
      readonly reason: DeadLetterReason;
      readonly error: unknown;
    };

export interface TargetDeliveryOptions {
  readonly policy: TargetRetryPolicy;
  /** Multiplies every delay and the event age. @default LOCAL_TIME_SCALE */
  readonly timeScale?: number;
  /** True when a failed hand-off may be tried again. */
  readonly retryable: (error: unknown) => boolean;
  /** When the event was put on the bus (its age counts from there). @default now */
  readonly putAt?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** 0-1; @default Math.random */
  readonly random?: () => number;
  /** Checked before each retry: the local runtime is stopping. */
  readonly stopped?: () => boolean;
}

/** The delay before retry number `retry` (1-based), in ms at `timeScale`. */
export function retryDelayMs(retry: number, timeScale: number, random: () => number): number {
  const { firstDelaySeconds, maxDelaySeconds } = EVENTBRIDGE_BACKOFF;
  const ceiling = Math.min(firstDelaySeconds * 2 ** (retry - 1), maxDelaySeconds) * 1000;
  return Math.round(ceiling * (0.5 + random() / 2) * timeScale);
}

/** Hands an event to a target by `send`, retrying per the policy; never throws. */
export async function deliverToTarget(
  send: () => Promise<void>,
  options: TargetDeliveryOptions,
): Promise<TargetOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const timeScale = options.timeScale ?? LOCAL_TIME_SCALE;
  const putAt = options.putAt ?? now();
  const maxAgeMs = options.policy.maxEventAgeSeconds * 1000 * timeScale;
  for (let attempt = 1; ; attempt++) {
    try {
      await send();
      return { delivered: true, attempts: attempt };
    } catch (error) {
      const failed = (reason: DeadLetterReason): TargetOutcome => ({
        delivered: false,
        attempts: attempt,
        reason,
        error,
      });
      if (!options.retryable(error)) return failed("NotRetryable");
      if (attempt > options.policy.retryAttempts) return failed("RetryAttemptsExhausted");
      const delay = retryDelayMs(attempt, timeScale, random);
      if (now() + delay - putAt > maxAgeMs) return failed("MaximumEventAgeExceeded");
      await sleep(delay);
      if (options.stopped?.()) return failed("Stopped");
    }
  }
}
