/** Publishes health events to the custom EventBridge bus. */
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { EVENT_SOURCE, type HealthEvent } from "../events/health-events.ts";
import type { EventPublisher } from "../scoring/score-accounts.ts";
import { tracer } from "./powertools.ts";
import { type ClientTimeouts, localEndpoint, sdkTimeouts } from "./sdk-config.ts";

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES = 10;

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: readonly HealthEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += MAX_ENTRIES) {
      const chunk = events.slice(i, i + MAX_ENTRIES);
      const out = await this.client.send(
        new PutEventsCommand({
          Entries: chunk.map((e) => ({
            EventBusName: this.busName,
            Source: EVENT_SOURCE,
            DetailType: e.detailType,
            Detail: JSON.stringify(e.detail),
          })),
        }),
      );
      if ((out.FailedEntryCount ?? 0) > 0) {
        const codes = (out.Entries ?? []).map((e) => e.ErrorCode).filter(Boolean);
        throw new Error(`EventBridge rejected ${out.FailedEntryCount} events: ${codes.join(", ")}`);
      }
    }
  }
}

/**
 * Bus timeouts: PutEvents answers in milliseconds; a hung bus fails the call within
 * ~3 × 2 s so the score function's batch is retried (the events wait in the outbox) rather
 * than timing out.
 */
export const EVENTBRIDGE_TIMEOUTS: ClientTimeouts = {
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 2_000,
  maxAttempts: 3,
};

/**
 * The bus client, traced in X-Ray (a no-op outside Lambda); `EVENTBRIDGE_ENDPOINT` points it
 * at the local runtime's bus.
 */
export const eventBridgeClient = (endpoint = process.env.EVENTBRIDGE_ENDPOINT) =>
  tracer.captureAWSv3Client(
    new EventBridgeClient({ ...localEndpoint(endpoint), ...sdkTimeouts(EVENTBRIDGE_TIMEOUTS) }),
  );
