/**
 * How updates combine (aggregate.ts says what an update is): the newer-wins rule of
 * registers, tickets and invoices merged field by field, what scoring reads of them, and
 * the in-place fold that applies updates to an aggregate in any order.
 */
import type {
  Aggregate,
  AggregateUpdate,
  Day,
  FailedInvoice,
  FoldedMonth,
  Invoice,
  LatestValue,
  Metric,
  OpenTicket,
  StateRegister,
  Ticket,
} from "./aggregate.ts";

/**
 * True when register `a` should replace register `b`: a newer source time; at the same
 * time a later lifecycle state (higher rank); at the same rank a higher event id. A strict
 * order, so the register ends the same whatever order the events arrive in.
 */
export function isNewer(a: LatestValue, b: LatestValue | undefined): boolean {
  if (b === undefined || a.ts > b.ts) return true;
  if (a.ts < b.ts) return false;
  const rankA = a.rk ?? 0;
  const rankB = b.rk ?? 0;
  if (rankA !== rankB) return rankA > rankB;
  return a.eid > b.eid;
}

/** The newer of two registers (either may be absent). */
export const newer = (a: LatestValue | undefined, b: LatestValue | undefined) =>
  a === undefined ? b : isNewer(a, b) ? a : b;

/** An entity's registers merged field by field: each keeps its newest value. */
export function mergeTicket(stored: Ticket | undefined, update: Ticket): Ticket {
  const status = newer(update.status, stored?.status);
  const priority = newer(update.priority, stored?.priority);
  return { ...(status ? { status } : {}), ...(priority ? { priority } : {}) };
}

export function mergeInvoice(stored: Invoice | undefined, update: Invoice): Invoice {
  const status = newer(update.status, stored?.status);
  return status ? { status } : {};
}

/** What scoring reads of a ticket: open (with its priority) or not. */
export function openTicketOf(ticket: Ticket): OpenTicket | undefined {
  if (ticket.status?.status !== "open") return undefined;
  const priority = ticket.priority?.priority;
  return { priority: typeof priority === "string" ? priority : null, since: ticket.status.ts };
}

/** What scoring reads of an invoice: failed (when, which attempt) or not. */
export function failedInvoiceOf(invoice: Invoice): FailedInvoice | undefined {
  if (invoice.status?.status !== "failed") return undefined;
  return { at: invoice.status.ts, attempt: Number(invoice.status.attempt ?? 1) };
}

/** One day's data with an update's day part added. */
export function addToDay(day: Day | undefined, update: AggregateUpdate): Day {
  const sums: Partial<Record<Metric, number>> = { ...day?.sums };
  for (const metric of Object.keys(update.add) as Metric[]) {
    sums[metric] = (sums[metric] ?? 0) + (update.add[metric] as number);
  }
  const mrr = newer(update.mrr, day?.mrr);
  return { sums, active: (day?.active ?? false) || update.active, ...(mrr ? { mrr } : {}) };
}

/**
 * An aggregate that updates in place: copies of a base aggregate's parts, grown by each
 * update. `applyUpdate` uses one for a single update; `aggregateOf` and the backtest fold
 * many updates into one, so replaying an account's history is linear in its length.
 */
export class MutableAggregate {
  readonly registers: Partial<Record<StateRegister, LatestValue>>;
  readonly milestones: Set<string>;
  readonly tickets: Map<string, Ticket>;
  readonly invoices: Map<string, Invoice>;
  readonly openTickets: Map<string, OpenTicket>;
  readonly failedInvoices: Map<string, FailedInvoice>;
  days: Map<number, Day>;
  months: ReadonlyMap<number, FoldedMonth>;
  features: Map<string, number>;

  constructor(private readonly base: Aggregate) {
    this.registers = { ...base.registers };
    this.milestones = new Set(base.milestones);
    this.features = new Map(base.features);
    this.tickets = new Map(base.tickets);
    this.invoices = new Map(base.invoices);
    this.openTickets = new Map(base.openTickets);
    this.failedInvoices = new Map(base.failedInvoices);
    this.days = new Map(base.days);
    this.months = base.months;
  }

  /** Takes the kept form of its history (history.ts `compactAggregate`). */
  replaceHistory(kept: Pick<Aggregate, "days" | "months" | "features">): void {
    this.days = new Map(kept.days);
    this.months = kept.months;
    this.features = new Map(kept.features);
  }

  apply(update: AggregateUpdate): void {
    this.days.set(update.day, addToDay(this.days.get(update.day), update));
    for (const feature of update.features) {
      this.features.set(feature, Math.max(this.features.get(feature) ?? update.day, update.day));
    }
    for (const name of update.milestones) this.milestones.add(name);
    for (const name of Object.keys(update.registers) as StateRegister[]) {
      this.registers[name] = newer(update.registers[name], this.registers[name]);
    }
    for (const [id, change] of Object.entries(update.tickets)) {
      const ticket = mergeTicket(this.tickets.get(id), change);
      this.tickets.set(id, ticket);
      setOrDelete(this.openTickets, id, openTicketOf(ticket));
    }
    for (const [id, change] of Object.entries(update.invoices)) {
      const invoice = mergeInvoice(this.invoices.get(id), change);
      this.invoices.set(id, invoice);
      setOrDelete(this.failedInvoices, id, failedInvoiceOf(invoice));
    }
  }

  /** The aggregate as it stands: its parts themselves, not copies (they keep changing). */
  build(): Aggregate {
    const { registers, milestones, features, tickets, invoices, openTickets, failedInvoices } =
      this;
    return {
      accountId: this.base.accountId,
      registers,
      milestones,
      features,
      tickets,
      invoices,
      openTickets,
      failedInvoices,
      days: this.days,
      months: this.months,
    };
  }
}

function setOrDelete<V>(map: Map<string, V>, key: string, value: V | undefined): void {
  if (value === undefined) map.delete(key);
  else map.set(key, value);
}

/** Applies an update in memory with the same semantics as the stored writes. */
export function applyUpdate(aggregate: Aggregate, update: AggregateUpdate): Aggregate {
  const builder = new MutableAggregate(aggregate);
  builder.apply(update);
  return builder.build();
}

/** Applies updates, in any order, to an aggregate (an event's signals, a batch of events). */
export function applyUpdates(aggregate: Aggregate, updates: readonly AggregateUpdate[]): Aggregate {
  const builder = new MutableAggregate(aggregate);
  for (const update of updates) builder.apply(update);
  return builder.build();
}

/**
 * One event's updates (its signals share its time, so its day) merged into one. Updates
 * of different days stay apart: `updatesByDay` groups any list (a batch of events).
 */
export function mergeUpdates(updates: readonly AggregateUpdate[]): AggregateUpdate {
  const [first, ...rest] = updates;
  if (first === undefined) throw new Error("mergeUpdates needs at least one update");
  return rest.reduce(mergeTwo, first);
}

/** Updates grouped by day and merged: one per day, in day order. */
export function updatesByDay(updates: readonly AggregateUpdate[]): AggregateUpdate[] {
  const byDay = new Map<number, AggregateUpdate>();
  for (const update of updates) {
    const seen = byDay.get(update.day);
    byDay.set(update.day, seen ? mergeTwo(seen, update) : update);
  }
  return [...byDay.values()].sort((a, b) => a.day - b.day);
}

function mergeTwo(a: AggregateUpdate, b: AggregateUpdate): AggregateUpdate {
  if (a.day !== b.day) throw new Error("only updates of one day merge into one");
  const day = addToDay(addToDay(undefined, a), b);
  const registers: Partial<Record<StateRegister, LatestValue>> = { ...a.registers };
  for (const name of Object.keys(b.registers) as StateRegister[]) {
    registers[name] = newer(b.registers[name], registers[name]);
  }
  const tickets: Record<string, Ticket> = { ...a.tickets };
  for (const [id, t] of Object.entries(b.tickets)) tickets[id] = mergeTicket(tickets[id], t);
  const invoices: Record<string, Invoice> = { ...a.invoices };
  for (const [id, i] of Object.entries(b.invoices)) invoices[id] = mergeInvoice(invoices[id], i);
  return {
    day: a.day,
    add: day.sums,
    active: day.active,
    features: [...new Set([...a.features, ...b.features])],
    milestones: [...new Set([...a.milestones, ...b.milestones])],
    registers,
    ...(day.mrr ? { mrr: day.mrr } : {}),
    tickets,
    invoices,
  };
}
