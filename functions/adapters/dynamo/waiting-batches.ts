/**
 * How the alias store cuts waiting events into transactions, and reads event record items
 * back: pure functions, tested without DynamoDB.
 */
import type { WaitingEvent } from "../../aliases/aliases.ts";
import { type ExternalRef, uniqueRefs } from "../../webhook/inbound.ts";
import type { EventRecord } from "../../webhook/ingest.ts";
import { MAX_TRANSACTION_ITEMS } from "./transactions.ts";

/**
 * Each register of a merged update is a guarded SET; DynamoDB caps an expression at 4 KB and
 * 300 operators, so a batch sets at most this many registers (events about many different
 * tickets or invoices make smaller batches).
 */
export const MAX_BATCH_REGISTERS = 20;
export const MAX_BATCH_EVENTS = 25;

/** Splits waiting events into batches that fit one transaction and one update expression. */
export function batches(events: readonly WaitingEvent[]): WaitingEvent[][] {
  const out: WaitingEvent[][] = [];
  let current: WaitingEvent[] = [];
  let items = 2; // the aggregate update and the alias check
  let registers = new Set<string>();
  for (const event of events) {
    const cost = 1 + uniqueRefs(event.record.refs).length;
    const joined = new Set([...registers, ...Object.keys(event.update.latest)]);
    const full =
      current.length >= MAX_BATCH_EVENTS ||
      items + cost > MAX_TRANSACTION_ITEMS ||
      joined.size > MAX_BATCH_REGISTERS;
    if (full && current.length > 0) {
      out.push(current);
      current = [];
      items = 2;
      registers = new Set(Object.keys(event.update.latest));
    } else {
      registers = joined;
    }
    current.push(event);
    items += cost;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** An event record item as the use cases see it. */
export function toRecord(item: Record<string, unknown>): EventRecord {
  return {
    source: item.source as EventRecord["source"],
    eventId: String(item.eventId),
    type: String(item.type),
    occurredAt: Number(item.occurredAt),
    receivedAt: Number(item.receivedAt),
    accountId: (item.accountId as string | null) ?? null,
    refs: (item.refs as ExternalRef[]) ?? [],
    signals: (item.signals as EventRecord["signals"]) ?? [],
    status: item.status as EventRecord["status"],
  };
}
