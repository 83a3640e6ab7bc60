/**
 * The simulator: a customer base drawn from a mix of archetypes, played day by day into
 * generic webhook payloads (`events.jsonl`) and churn labels (`labels.csv`).
 */
import { isoDay } from "../../../functions/domain/time.ts";
import { mixSeed, Random } from "../random.ts";
import type { Archetype } from "./archetypes.ts";
import { type SimEvent, SimulatedCustomer } from "./customer.ts";
import type { Mix } from "./mixes.ts";

export interface SimulationOptions {
  readonly customers: number;
  readonly days: number;
  readonly seed: number;
  readonly mix: Mix;
  /** The first simulated day, epoch milliseconds at 00:00 UTC. */
  readonly start: number;
}

export interface SimulatedAccount {
  readonly accountId: string;
  readonly archetype: Archetype;
  /** Churn time (epoch ms, 00:00 UTC of the churn day) when it falls inside the window. */
  readonly churnedAt: number | null;
  /** Its trouble phase, [from, to) at 00:00 UTC (it may run past the window), or null. */
  readonly trouble: { readonly from: number; readonly to: number } | null;
  /** When it set its subscription to cancel at the period's end, or null. */
  readonly cancelScheduledAt: number | null;
}

const DAY_MS = 86_400_000;

/** Draws the customers of a simulation; each from its own generator seeded by (seed, index). */
export function drawCustomers(options: SimulationOptions): SimulatedCustomer[] {
  const width = String(options.customers).length;
  const pickers = new Random(mixSeed(options.seed, 0x5eed));
  return Array.from({ length: options.customers }, (_, i) => {
    const rng = new Random(mixSeed(options.seed, i + 1));
    const archetype = pickers.weighted(options.mix.archetypes as Record<Archetype, number>);
    const isNew = rng.chance(options.mix.newCustomerShare);
    const startDay = isNew ? rng.int(1, Math.floor(options.days * 0.6)) : 0;
    const id = `${options.mix.name === "b2b" ? "acct" : "ws"}-${String(i + 1).padStart(width, "0")}`;
    return new SimulatedCustomer(
      id,
      archetype,
      startDay,
      options.mix,
      rng,
      options.start,
      options.days,
    );
  });
}

/** The events of every day in time order, one day at a time (equal times in account order). */
export function* simulateEvents(customers: readonly SimulatedCustomer[], days: number) {
  for (let day = 0; day < days; day++) {
    const today: SimEvent[] = [];
    for (const customer of customers) {
      for (const event of customer.eventsOn(day)) today.push(event);
    }
    today.sort((a, b) => a.t - b.t);
    yield today;
  }
}

/** Each customer's archetype and its churn time when churn falls inside the window. */
export function accountsOf(
  customers: readonly SimulatedCustomer[],
  options: SimulationOptions,
): SimulatedAccount[] {
  const at = (day: number) => options.start + day * DAY_MS;
  return customers.map((c) => ({
    accountId: c.accountId,
    archetype: c.archetype,
    churnedAt: c.churnDay !== null && c.churnDay < options.days ? at(c.churnDay) : null,
    trouble:
      c.troubleStart !== null && c.troubleEnd !== null
        ? { from: at(c.troubleStart), to: at(c.troubleEnd) }
        : null,
    cancelScheduledAt: c.cancelScheduledDay === null ? null : at(c.cancelScheduledDay),
  }));
}

/** One JSONL line: the generic webhook payload with its `id`. */
export function eventLine(event: SimEvent): string {
  const timestamp = new Date(event.t).toISOString().replace(".000Z", "Z");
  return JSON.stringify({ id: event.id, type: event.type, timestamp, data: event.data });
}

/** A CSV date cell: `YYYY-MM-DD`, empty for none. */
const dayOrEmpty = (at: number | null | undefined) => (at == null ? "" : isoDay(at));

/** `labels.csv`: header `account_id,churned_at`, the date empty when not churned. */
export function labelsCsv(accounts: readonly SimulatedAccount[]): string {
  const rows = accounts.map((a) => `${a.accountId},${dayOrEmpty(a.churnedAt)}`);
  return `account_id,churned_at\n${rows.join("\n")}\n`;
}

/**
 * `accounts.csv`: the ground truth the backtest never reads unless asked (`--archetypes`):
 * each account's archetype, its trouble phase (`trouble_from` inclusive, `trouble_to`
 * exclusive: the churn day or the day it recovered) and the day it scheduled a cancellation.
 */
export function archetypesCsv(accounts: readonly SimulatedAccount[]): string {
  const rows = accounts.map((a) =>
    [
      a.accountId,
      a.archetype,
      dayOrEmpty(a.trouble?.from),
      dayOrEmpty(a.trouble?.to),
      dayOrEmpty(a.cancelScheduledAt),
    ].join(","),
  );
  return `account_id,archetype,trouble_from,trouble_to,cancel_scheduled_on\n${rows.join("\n")}\n`;
}
