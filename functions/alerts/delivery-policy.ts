/**
 * How an alert reaches Slack and email, in AWS and locally alike. `lib/topology.ts`
 * re-exports this, so the stacks and the local runtime read the same numbers; it lives here
 * so the Slack function's bundle takes these numbers without the rest of the topology.
 *
 * Inside one invocation the Slack client retries only when Slack said no (429, 5xx, or the
 * connection was refused): never after a request that got no answer in time, because that
 * message may already be in the channel (see `deliver-once.ts`).
 */
export const ALERT_DELIVERY = {
  /** EventBridge's retries of handing an alert to a target, and for how long. */
  retryAttempts: 10,
  maxEventAgeSeconds: 6 * 3600,
  /**
   * Lambda's retries of a failed asynchronous invocation of the Slack function (its async
   * invoke config). Safe: an invocation fails only when Slack refused the message or another
   * invocation held it, and the ledger keeps a posted alert from being posted again.
   */
  invocationRetryAttempts: 2,
  /** Time limit of one request to Slack or to the SMTP server. */
  requestTimeoutMs: 4_000,
  /** Attempts per invocation when Slack answers 429, 5xx or refuses the connection. */
  attemptsPerInvocation: 3,
} as const;
