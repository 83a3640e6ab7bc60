/**
 * The local EventBridge: an HTTP endpoint that takes PutEvents from the handlers' own SDK
 * client, keeps every event, and routes each one by the topology's EVENT_RULES to the
 * local targets (Slack function, email), with EventBridge's retry policy per target
 * (ALERT_DELIVERY, see `target-delivery.ts`) and a dead-letter list per target.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { EventBridgeEvent } from "aws-lambda";
import { type HealthEvent, parseHealthEvent } from "../../functions/events/health-events.ts";
import { ALERT_DELIVERY, EVENT_RULES, type EventRuleTarget } from "../topology.ts";
import { type EventPattern, matchesPattern } from "./event-pattern.ts";
import { listen, readBody } from "./http.ts";
import { deliverToTarget, type TargetDeliveryOptions } from "./target-delivery.ts";

/**
 * The retries each target gets, as in AWS: the email topic is an SNS target, so a failed
 * hand-off follows the rule's RetryPolicy; the Slack function is invoked asynchronously, so
 * a failed invocation follows its async invoke config (Lambda's retries, same event age).
 */
const RETRY_POLICY: Record<EventRuleTarget, TargetDeliveryOptions["policy"]> = {
  emailTopic: ALERT_DELIVERY,
  slack: {
    retryAttempts: ALERT_DELIVERY.invocationRetryAttempts,
    maxEventAgeSeconds: ALERT_DELIVERY.maxEventAgeSeconds,
  },
};

/** One rule target: how to hand it an event, and which failures are worth a retry. */
export interface BusTarget {
  send(event: EventBridgeEvent<string, unknown>, health: HealthEvent): Promise<void>;
  retryable(error: unknown): boolean;
}

export interface LocalEventBusOptions {
  readonly targets: Record<EventRuleTarget, BusTarget>;
  /** Retry settings; the policy defaults to each target's as in AWS (RETRY_POLICY). */
  readonly retry?: Partial<Omit<TargetDeliveryOptions, "retryable" | "putAt">>;
  readonly log: (line: string) => void;
}

export interface LocalEventBus {
  /** The endpoint for the handlers' EventBridge client. */
  readonly endpoint: string;
  /** Every event put on the bus, in order. */
  readonly events: HealthEvent[];
  /** Events each target never took, after its retries. */
  readonly deadLetters: Record<EventRuleTarget, HealthEvent[]>;
  /** Deliveries still running (including their retries). */
  readonly inFlight: number;
  /** Resolves when every delivery started so far has finished. */
  idle(): Promise<void>;
  /** Ends deliveries at their next retry (they stay undelivered) and closes the endpoint. */
  close(): Promise<void>;
}

/** Starts the local bus on a free port of 127.0.0.1. */
export async function startLocalEventBus(options: LocalEventBusOptions): Promise<LocalEventBus> {
  const { log, targets } = options;
  const events: HealthEvent[] = [];
  const deadLetters = Object.fromEntries(
    Object.keys(targets).map((t) => [t, [] as HealthEvent[]]),
  ) as Record<EventRuleTarget, HealthEvent[]>;
  const running = new Set<Promise<void>>();
  // Stopping cuts the waits between retries short, so Ctrl-C does not wait for them.
  let stopping = false;
  const wakers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      wakers.add(wake);
    });

  const deliver = async (
    name: EventRuleTarget,
    event: EventBridgeEvent<string, unknown>,
    health: HealthEvent,
  ) => {
    const target = targets[name];
    const outcome = await deliverToTarget(() => target.send(event, health), {
      policy: RETRY_POLICY[name],
      sleep,
      ...options.retry,
      stopped: () => stopping,
      retryable: (error) => target.retryable(error),
    });
    if (outcome.delivered) return;
    if (outcome.reason === "Stopped") {
      log(`${name}: alert ${health.detail.eventId} not delivered: stopped before its next retry`);
      return;
    }
    deadLetters[name].push(health);
    log(
      `${name}: alert ${health.detail.eventId} sent to the dead-letter queue after ${outcome.attempts} attempt(s) (${outcome.reason}): ${(outcome.error as Error)?.message ?? outcome.error}`,
    );
  };

  const route = (entry: { Source: string; DetailType: string; Detail: string }) => {
    const id = randomUUID();
    const event: EventBridgeEvent<string, unknown> = {
      version: "0",
      id,
      "detail-type": entry.DetailType,
      source: entry.Source,
      account: "000000000000",
      time: new Date().toISOString(),
      region: "local",
      resources: [],
      detail: JSON.parse(entry.Detail),
    };
    const health = parseHealthEvent(entry.DetailType, event.detail);
    events.push(health);
    log(describe(health));
    for (const rule of EVENT_RULES) {
      if (!matchesPattern(rule.pattern as unknown as EventPattern, event)) continue;
      const delivery = deliver(rule.target, event, health);
      running.add(delivery);
      delivery.finally(() => running.delete(delivery)).catch(() => {});
    }
    return { EventId: id };
  };

  const server = createServer(async (req: IncomingMessage, res) => {
    const raw = await readBody(req, 256 * 1024).catch(() => "too-large" as const);
    if (raw === "too-large" || req.headers["x-amz-target"] !== "AWSEvents.PutEvents") {
      res.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
      res.end(
        JSON.stringify({
          __type: "ValidationException",
          message: "local bus supports PutEvents only",
        }),
      );
      return;
    }
    try {
      const input = JSON.parse(raw.toString("utf8")) as {
        Entries: { Source: string; DetailType: string; Detail: string }[];
      };
      const entries = input.Entries.map(route);
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify({ FailedEntryCount: 0, Entries: entries }));
    } catch (error) {
      // Only our own handlers call this bus: a bad event is a bug worth a loud line.
      log(`bus: rejected PutEvents: ${(error as Error).message}`);
      res.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify({ __type: "ValidationException", message: (error as Error).message }));
    }
  });
  const port = await listen(server, 0, "127.0.0.1");

  return {
    endpoint: `http://127.0.0.1:${port}`,
    events,
    deadLetters,
    get inFlight() {
      return running.size;
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    async close() {
      stopping = true;
      for (const wake of [...wakers]) wake();
      while (running.size > 0) await Promise.allSettled([...running]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One log line per bus event. */
function describe(health: HealthEvent): string {
  const d = health.detail;
  switch (health.detailType) {
    case "HealthTierChanged":
      return `event: ${d.accountId} ${health.detail.previousTier} → ${health.detail.tier} (${health.detail.score ?? "–"}) [${d.alert}]`;
    case "HealthScoreDropped":
      return `event: ${d.accountId} score dropped ${health.detail.fromScore} → ${health.detail.toScore} [${d.alert}]`;
    case "HealthFlagRaised":
      return `event: ${d.accountId} red flag raised: ${health.detail.raised.map((f) => f.name).join(", ")} [${d.alert}]`;
  }
}
