/**
 * Ingestion use cases: apply a verified inbound event to its customer's aggregate exactly
 * once, resolving who the customer is (design decisions 1, 2 and 9). Plain async functions
 * over the IngestStore port; nothing here knows about DynamoDB or API Gateway.
 */
import { countMetric, logger } from "../adapters/powertools.ts";
import {
  type AliasStore,
  applyPendingEvents,
  defaultBudget,
  type WorkBudget,
} from "../aliases/aliases.ts";
import {
  type AggregateUpdate,
  mergeUpdates,
  signalToUpdate,
  usageImpactOf,
} from "../domain/aggregate.ts";
import type { Model } from "../domain/model.ts";
import type { Signal } from "../domain/signals.ts";
import { type InboundEvent, refKey } from "./inbound.ts";

export type EventStatus = "applied" | "unmatched" | "ignored";

/** What is kept of an accepted event: its normalized signals (for replay), not the raw body. */
export interface EventRecord extends Omit<InboundEvent, "ignored"> {
  readonly receivedAt: number;
  readonly status: EventStatus;
}

export type WriteOutcome = "stored" | "duplicate";

/** Storage port of the ingestion use cases: event writes over the alias store. */
export interface IngestStore extends AliasStore {
  /**
   * Event record (deduplicated) and aggregate update, in one transaction: `duplicate` when
   * a record of the same source and event id exists, and then the aggregate is untouched.
   * Without an update (null) only the record is written: its account is rebuilt from the
   * event log afterwards (`IngestOptions.recordOnly`).
   */
  recordApplied(record: EventRecord, update: AggregateUpdate | null): Promise<WriteOutcome>;
  /** Event record kept as unmatched, findable by each of its refs; `duplicate` as above. */
  recordUnmatched(record: EventRecord): Promise<WriteOutcome>;
  /** Event record for an event type we do not apply, counted per type. */
  recordIgnored(record: EventRecord): Promise<WriteOutcome>;
}

/** `stale`: older than the dedupe window, so never applied (answered as ignored). */
export type IngestOutcome = "accepted" | "duplicate" | "ignored" | "unmatched" | "stale";

/** Days an event record (the dedupe marker) is kept before its TTL expires it. */
export const EVENT_RETENTION_DAYS = 400;
/**
 * An event must be this much younger than the retention to be applied: a source clock
 * ahead of ours must not let an event outlive its own dedupe record.
 */
export const STALE_MARGIN_DAYS = 7;
const DAY_MS = 86_400_000;

/**
 * True when `event` happened before the dedupe window: its record may have expired, so a
 * replay of the same signed body (Typeform and Segment sign no timestamp) would apply it
 * twice. Such events are acknowledged and never applied.
 */
export function isStale(event: Pick<InboundEvent, "occurredAt">, now: number): boolean {
  return now - event.occurredAt > (EVENT_RETENTION_DAYS - STALE_MARGIN_DAYS) * DAY_MS;
}

/** How far ahead of our clock a source's event time may be and still be believed. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * When the event counts as having happened: its own time, unless that is more than the
 * clock skew after we received it, which cannot be true (a milliseconds-as-seconds bug, a
 * device clock years ahead). Then it happened by the time we received it. Left as it was,
 * one usage event dated a year ahead would keep a silent customer healthy for that year.
 * The record keeps the source's time; only its signals are dated so.
 */
export const countedAt = (record: Pick<EventRecord, "occurredAt" | "receivedAt">) =>
  record.occurredAt > record.receivedAt + CLOCK_SKEW_MS ? record.receivedAt : record.occurredAt;

/** The signals of an event, attributed to `accountId`, dated when it counts (`countedAt`). */
export function signalsOf(record: EventRecord, accountId: string | null): Signal[] {
  return record.signals.map((values) => ({
    accountId,
    source: record.source,
    sourceEventId: record.eventId,
    occurredAt: countedAt(record),
    values,
  }));
}

/** The aggregate update an event makes to `accountId`, usage weighed by the model's impacts. */
export function updateFor(record: EventRecord, accountId: string, model: Model): AggregateUpdate {
  const impactOf = usageImpactOf(model);
  return mergeUpdates(signalsOf(record, accountId).map((s) => signalToUpdate(s, impactOf)));
}

export interface IngestOptions {
  /** For the events waiting for ids this event teaches: the whole request's. */
  readonly budget?: WorkBudget;
  /**
   * Write this event's record only, not its aggregate update, when it is applied: the
   * caller rebuilds the account from its event log afterwards (the import), so the score
   * function scores it once, from all of its history, instead of at every line of it.
   * Events waiting for ids it teaches are still applied as a webhook applies them (an
   * import's generic lines teach none). @default false
   */
  readonly recordOnly?: boolean;
}

/**
 * Ingests one verified event. Resolves the customer, then applies, parks or counts it;
 * an event older than the dedupe window is left alone (`stale`). Events waiting for ids it
 * teaches are applied within the budget. An event dated ahead of its receipt is said once,
 * when it is stored, not at each retry of its delivery.
 */
export async function ingestEvent(
  store: IngestStore,
  model: Model,
  event: InboundEvent,
  now: number,
  options: IngestOptions = {},
): Promise<IngestOutcome> {
  const outcome = await ingestNew(store, model, event, now, options);
  const stored = outcome === "accepted" || outcome === "unmatched";
  const datedAhead =
    countedAt({ occurredAt: event.occurredAt, receivedAt: now }) !== event.occurredAt;
  if (stored && event.signals.length > 0 && datedAhead) {
    logger.warn("event dated ahead of its receipt; counted as of its receipt", {
      source: event.source,
      eventId: event.eventId,
      occurredAt: new Date(event.occurredAt).toISOString(),
      receivedAt: new Date(now).toISOString(),
    });
    countMetric("EventDatedAhead", 1, { provider: event.source });
  }
  return outcome;
}

async function ingestNew(
  store: IngestStore,
  model: Model,
  event: InboundEvent,
  now: number,
  options: IngestOptions,
): Promise<IngestOutcome> {
  const { budget = defaultBudget(), recordOnly = false } = options;
  const base = {
    source: event.source,
    eventId: event.eventId,
    type: event.type,
    occurredAt: event.occurredAt,
    receivedAt: now,
    refs: event.refs,
    signals: event.signals,
  };
  // A type we do not apply is never applied, whatever its age: it is only counted.
  if (!event.ignored && isStale(event, now)) return "stale";
  if (event.ignored) {
    const outcome = await store.recordIgnored({
      ...base,
      accountId: event.accountId,
      status: "ignored",
    });
    return outcome === "duplicate" ? "duplicate" : "ignored";
  }

  const known = event.refs.length > 0 ? await store.resolveAliases(event.refs) : new Map();
  let accountId = event.accountId;
  if (accountId !== null) {
    // The event names both our account and the tool's ids: learn the ids nobody holds yet,
    // and apply whatever was waiting for them. An id another account holds stays with it
    // (moving an alias is an operator's explicit act), and never blocks learning the rest.
    const learned = event.refs.filter((ref) => known.get(refKey(ref)) === undefined);
    const heldElsewhere = event.refs.filter((ref) => {
      const owner = known.get(refKey(ref));
      return owner !== undefined && owner !== accountId;
    });
    if (heldElsewhere.length > 0) {
      logger.warn("event names ids another account holds; left with it", {
        source: event.source,
        eventId: event.eventId,
        accountId,
        conflicts: heldElsewhere.map((ref) => ({ ...ref, owner: known.get(refKey(ref)) })),
      });
    }
    if (learned.length > 0) {
      const saved = await store.saveAliases(accountId, learned);
      if (saved.saved) {
        const pending = await applyPendingEvents(store, model, accountId, learned, budget);
        if (pending.remaining > 0) {
          // The request's budget is spent: what is left waits for the next event naming
          // both ids, or for PUT /accounts/{id}/aliases, which continues where this stopped.
          logger.warn("events still waiting for ids this event taught", {
            source: event.source,
            eventId: event.eventId,
            accountId,
            applied: pending.applied,
            remaining: pending.remaining,
          });
          countMetric("AliasApplyRemaining", pending.remaining);
        }
      } else {
        // Claimed by another account since our lookup: theirs now, nothing waits for us.
        logger.warn("ids claimed by another account meanwhile; not learned", {
          source: event.source,
          eventId: event.eventId,
          accountId,
          conflicts: saved.conflicts,
        });
      }
    }
  } else {
    accountId =
      event.refs.map((ref) => known.get(refKey(ref))).find((a) => a !== undefined) ?? null;
  }

  if (accountId === null) {
    const record: EventRecord = { ...base, accountId: null, status: "unmatched" };
    const outcome = await store.recordUnmatched(record);
    if (outcome === "duplicate") return "duplicate";
    // An alias may have been learned by a concurrent request between our lookup and our
    // write; it applied the unmatched events it could see, which did not include this one.
    const late = event.refs.length > 0 ? await store.resolveAliases(event.refs) : new Map();
    const lateAccount = event.refs.map((ref) => late.get(refKey(ref))).find((a) => a !== undefined);
    if (lateAccount !== undefined) {
      await store.applyUnmatched(record, lateAccount, updateFor(record, lateAccount, model));
      return "accepted";
    }
    return "unmatched";
  }
  if (event.signals.length === 0) {
    // Nothing to apply (e.g. a Stripe customer.updated that only taught us an alias).
    const outcome = await store.recordIgnored({ ...base, accountId, status: "ignored" });
    return outcome === "duplicate" ? "duplicate" : "accepted";
  }
  const record: EventRecord = { ...base, accountId, status: "applied" };
  const update = recordOnly ? null : updateFor(record, accountId, model);
  const outcome = await store.recordApplied(record, update);
  return outcome === "duplicate" ? "duplicate" : "accepted";
}
