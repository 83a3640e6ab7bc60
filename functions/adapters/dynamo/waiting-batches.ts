/**
 * How the alias store cuts waiting events into transactions, and reads event record items
 * back: pure functions, tested without DynamoDB.
 */
import type { WaitingEvent } from "../../aliases/aliases.ts";
import type { AggregateUpdate } from "../../domain/aggregate.ts";
import { type ExternalRef, uniqueRefs } from "../../webhook/inbound.ts";
import type { EventRecord } from "../../webhook/ingest.ts";
import { MAX_TRANSACTION_ITEMS } from "./transactions.ts";

/**
 * Each register, ticket and invoice of a batch is a guarded write; DynamoDB caps an
 * expression at 4 KB and 300 operators, so a batch changes at most this many of them
 * (events about many different tickets or invoices make smaller batches).
 */
export const MAX_BATCH_REGISTERS = 20;
export const MAX_BATCH_EVENTS = 25;

/** What an update writes besides its record: registers and entities (by name), its day. */
const registersOf = (update: AggregateUpdate) => [
  ...Object.keys(update.registers),
  ...Object.keys(update.tickets).map((id) => `ticket ${id}`),
  ...Object.keys(update.invoices).map((id) => `invoice ${id}`),
];

/** Splits waiting events into batches that fit one transaction and one update expression. */
export function batches(events: readonly WaitingEvent[]): WaitingEvent[][] {
  const out: WaitingEvent[][] = [];
  let current: WaitingEvent[] = [];
  let registers = new Set<string>();
  let days = new Set<number>();
  let records = 0;
  // Items: the alias check, the state, a day bucket per day, an item per ticket or invoice,
  // and each event's record with its index entries.
  const itemsOf = (r: Set<string>, d: Set<number>, recordItems: number) =>
    2 + d.size + [...r].filter((name) => name.includes(" ")).length + recordItems;
  for (const event of events) {
    const cost = 1 + uniqueRefs(event.record.refs).length;
    const joined = new Set([...registers, ...registersOf(event.update)]);
    const joinedDays = new Set([...days, event.update.day]);
    const full =
      current.length >= MAX_BATCH_EVENTS ||
      itemsOf(joined, joinedDays, records + cost) > MAX_TRANSACTION_ITEMS ||
      joined.size > MAX_BATCH_REGISTERS;
    if (full && current.length > 0) {
      out.push(current);
      current = [];
      registers = new Set(registersOf(event.update));
      days = new Set([event.update.day]);
      records = 0;
    } else {
      registers = joined;
      days = joinedDays;
    }
    current.push(event);
    records += cost;
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
