/**
 * Ingesting every event of one delivery (a Segment batch carries up to 100) inside the
 * webhook function's timeout: customers are written in parallel, at most `concurrency` at
 * once, and each customer's events in delivery order, so no two writes of one request
 * contend for the same aggregate item.
 */
import { defaultBudget, type WorkBudget } from "../aliases/aliases.ts";
import type { Model } from "../domain/model.ts";
import { type InboundEvent, refKey } from "./inbound.ts";
import { type IngestOutcome, type IngestStore, ingestEvent } from "./ingest.ts";

/** Customers written at once per request: well below the SDK client's 50 sockets. */
export const WRITE_CONCURRENCY = 10;

/** What happened to each event of a delivery, in delivery order. */
export interface DeliveryResult {
  readonly eventId: string;
  readonly type: string;
  readonly outcome: Exclude<IngestOutcome, "stale">;
  /** Why an event was ignored when it is not its type: `stale`, older than the dedupe window. */
  readonly reason?: "stale";
}

/** The answer for one event: a stale event is ignored, with its reason. */
function resultOf(event: InboundEvent, outcome: IngestOutcome): DeliveryResult {
  const { eventId, type } = event;
  return outcome === "stale"
    ? { eventId, type, outcome: "ignored", reason: "stale" }
    : { eventId, type, outcome };
}

/**
 * Events that may touch the same item go to one lane: an account's (or, before it is
 * known, a tool id's) aggregate, or the per-type counter of ignored events.
 */
function laneOf(event: InboundEvent): string {
  if (event.ignored) return `ignored:${event.source}:${event.type}`;
  if (event.accountId !== null) return `account:${event.accountId}`;
  const [ref] = event.refs;
  return ref ? `ref:${refKey(ref)}` : `event:${event.eventId}`;
}

export interface DeliveryOptions {
  /** Customers written at once; WRITE_CONCURRENCY by default. */
  readonly concurrency?: number;
  /** The request's one work budget for waiting events, shared by all its events. */
  readonly budget?: WorkBudget;
}

/**
 * Ingests every event of a delivery. Resolves with one result per event once all are
 * written; rejects with the first failure once every lane has settled, so nothing runs on
 * after the answer (the sender's retry finds what was stored as duplicates).
 */
export async function ingestDelivery(
  store: IngestStore,
  model: Model,
  events: readonly InboundEvent[],
  now: number,
  options: DeliveryOptions = {},
): Promise<DeliveryResult[]> {
  const { concurrency = WRITE_CONCURRENCY, budget = defaultBudget() } = options;
  const lanes = new Map<string, number[]>();
  for (const [index, event] of events.entries()) {
    const lane = laneOf(event);
    lanes.set(lane, [...(lanes.get(lane) ?? []), index]);
  }
  const queue = [...lanes.values()];
  const results: DeliveryResult[] = new Array(events.length);
  const failures: unknown[] = [];

  async function worker() {
    for (let lane = queue.shift(); lane !== undefined; lane = queue.shift()) {
      for (const index of lane) {
        if (failures.length > 0) return; // the request is failing: start nothing new
        const event = events[index] as InboundEvent;
        try {
          const outcome = await ingestEvent(store, model, event, now, { budget });
          results[index] = resultOf(event, outcome);
        } catch (error) {
          failures.push(error);
          return;
        }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  if (failures.length > 0) throw failures[0];
  return results;
}
