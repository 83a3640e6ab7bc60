/**
 * The per-account aggregate and the pure rules that turn a signal into an update of it.
 *
 * What a customer did is kept as raw sums per UTC day (`days`), never decayed when written:
 * half-lives, windows and curves are applied when the aggregate is read (facts.ts), so any
 * of them can change without losing data (issue 10). Old months are folded into three
 * moments per metric (history.ts), so the aggregate stays bounded at any age.
 *
 * Every update is order-independent (design decision 2):
 * - day sums and sets only grow (commutative, idempotent for sets);
 * - "latest value" registers (subscription, payments, profile, a ticket's status and
 *   priority, an invoice's status) are replaced only by a newer one: source time, then the
 *   lifecycle rank (lifecycle.ts), then the event id, so every order agrees.
 *
 * Tickets and invoices keep their registers (`tickets`, `invoices`) to order their changes;
 * scoring reads only what is derived from them: the open tickets and the failed invoices.
 * How this is stored is the adapter's business (adapters/dynamo/aggregate-layout.ts).
 */
import Sentiment from "sentiment";
import { paymentRank, priorityRank, subscriptionRank, ticketRank } from "./lifecycle.ts";
import type { Model } from "./model.ts";
import type { Signal, TicketPriority } from "./signals.ts";
import { epochDay } from "./time.ts";

export type RegisterField = string | number | boolean | null;
/** A latest-value register: its fields plus the source time and event id that set it. */
export interface LatestValue {
  readonly ts: number;
  /** Lifecycle rank among registers of the same source time (lifecycle.ts); 0 when absent. */
  readonly rk?: number;
  readonly eid: string;
  readonly [field: string]: RegisterField | undefined;
}

/** The decayed sums the model reads, kept raw per day. */
export const METRICS = [
  /** Usage of positive impact: impact × count (issue 11). */
  "usage",
  /** Usage of negative impact, as a positive sum: net usage = usage − usageNegative. */
  "usageNegative",
  "npsPromoters",
  "npsPassives",
  "npsDetractors",
  "csatSum",
  "csatCount",
  "cesSum",
  "cesCount",
  "ticketsOpened",
  "ticketsSolved",
  "ticketsReopened",
  "ticketSentimentSum",
  "ticketSentimentCount",
  "paymentsFailed",
  "refunds",
  "disputes",
] as const;
export type Metric = (typeof METRICS)[number];
export type MetricSums = Readonly<Partial<Record<Metric, number>>>;

/** One UTC day of an account: raw sums, whether it used the product, its last MRR change. */
export interface Day {
  readonly sums: MetricSums;
  /** Some usage with a positive impact (or an explicit activity) that day. */
  readonly active: boolean;
  /** The day's latest MRR, from subscription changes (contraction is read from these). */
  readonly mrr?: LatestValue;
}

/** Σw, Σw·δ, Σw·δ² of a metric over a folded month, δ in days from the month's middle. */
export type Moments = readonly [number, number, number];

/** A month older than the exact window, folded (history.ts `compactAggregate`). */
export interface FoldedMonth {
  readonly moments: Readonly<Partial<Record<Metric, Moments>>>;
  readonly firstActiveDay: number | null;
  readonly lastActiveDay: number | null;
  /** The month's latest MRR register. */
  readonly mrr?: LatestValue;
  readonly featuresUsed: boolean;
}

/** The registers the scoring reads by name. */
export const STATE_REGISTERS = [
  "subscription",
  "lastPayment",
  /** The last successful payment: it recovers every failure before it. */
  "lastPaid",
  /** The last failure reported without an invoice id (it cannot be told from a retry). */
  "looseFailure",
  "lastNps",
  "profilePlan",
  "profileSeats",
  "profileName",
  "profileOwner",
] as const;
export type StateRegister = (typeof STATE_REGISTERS)[number];
export type StateRegisters = Readonly<Partial<Record<StateRegister, LatestValue>>>;

export interface Ticket {
  readonly status?: LatestValue;
  readonly priority?: LatestValue;
}
export interface Invoice {
  readonly status?: LatestValue;
}

/** An open ticket as scoring sees it. */
export interface OpenTicket {
  readonly priority: string | null;
  /** Source time of the status that opened it. */
  readonly since: number;
}
/** An invoice whose latest payment attempt failed. */
export interface FailedInvoice {
  readonly at: number;
  readonly attempt: number;
}

export interface Aggregate {
  readonly accountId: string;
  readonly registers: StateRegisters;
  readonly milestones: ReadonlySet<string>;
  /** Feature → the last epoch day it was used (within the exact window). */
  readonly features: ReadonlyMap<string, number>;
  /**
   * Ticket and invoice registers, to order their changes. A stored aggregate read for
   * scoring leaves them empty: scoring reads `openTickets` and `failedInvoices` only.
   */
  readonly tickets: ReadonlyMap<string, Ticket>;
  readonly invoices: ReadonlyMap<string, Invoice>;
  readonly openTickets: ReadonlyMap<string, OpenTicket>;
  readonly failedInvoices: ReadonlyMap<string, FailedInvoice>;
  /** Epoch day → that day's data, exact. */
  readonly days: ReadonlyMap<number, Day>;
  /** `yyyymm` → a folded month. */
  readonly months: ReadonlyMap<number, FoldedMonth>;
}

/** What one event changes: all of it on the event's own day. */
export interface AggregateUpdate {
  readonly day: number;
  readonly add: MetricSums;
  readonly active: boolean;
  readonly features: readonly string[];
  readonly milestones: readonly string[];
  readonly registers: StateRegisters;
  readonly mrr?: LatestValue;
  readonly tickets: Readonly<Record<string, Ticket>>;
  readonly invoices: Readonly<Record<string, Invoice>>;
}

export const emptyAggregate = (accountId: string): Aggregate => ({
  accountId,
  registers: {},
  milestones: new Set(),
  features: new Map(),
  tickets: new Map(),
  invoices: new Map(),
  openTickets: new Map(),
  failedInvoices: new Map(),
  days: new Map(),
  months: new Map(),
});

const sentimentAnalyzer = new Sentiment();

/** Lexicon (AFINN) sentiment per word of a ticket text, roughly -1 (angry) .. 1 (happy). */
export function textSentiment(text: string): number | undefined {
  if (text.trim() === "") return undefined;
  const { comparative, words } = sentimentAnalyzer.analyze(text.slice(0, 5000));
  // Text with no scored word says nothing about mood; leave it out rather than count 0.
  return words.length === 0 ? undefined : comparative;
}

/** The impact of one usage event, by its name. */
export type ImpactOf = (event: string) => number;

/**
 * The model's impact per usage event name (`engagement.impacts`), `defaultImpact` for a
 * name it does not list. Applied when an event is stored: a changed impact weighs new
 * events only (a replay re-weighs the stored history).
 */
export function usageImpactOf(model: Pick<Model, "components">): ImpactOf {
  const { impacts, defaultImpact } = model.components.engagement;
  const named = new Map(Object.entries(impacts));
  return (event) => named.get(event) ?? defaultImpact;
}

const unitImpact: ImpactOf = () => 1;

/** The parts of one signal's update, filled by the rules below. */
class UpdateBuilder {
  readonly add: Partial<Record<Metric, number>> = {};
  active = false;
  readonly features: string[] = [];
  readonly milestones: string[] = [];
  readonly registers: Partial<Record<StateRegister, LatestValue>> = {};
  mrr: LatestValue | undefined;
  readonly tickets: Record<string, Ticket> = {};
  readonly invoices: Record<string, Invoice> = {};

  constructor(private readonly signal: Signal) {}

  sum(metric: Metric, weight: number): void {
    this.add[metric] = (this.add[metric] ?? 0) + weight;
  }

  value(fields: Record<string, RegisterField>, rank = 0): LatestValue {
    const { occurredAt: ts, sourceEventId: eid } = this.signal;
    return rank > 0 ? { ...fields, ts, rk: rank, eid } : { ...fields, ts, eid };
  }

  register(name: StateRegister, fields: Record<string, RegisterField>, rank = 0): void {
    this.registers[name] = this.value(fields, rank);
  }

  ticketStatus(id: string, status: "open" | "solved", rank: number): void {
    this.tickets[id] = { ...this.tickets[id], status: this.value({ status }, rank) };
  }

  ticketPriority(id: string, priority: TicketPriority | undefined): void {
    if (priority === undefined) return;
    this.tickets[id] = {
      ...this.tickets[id],
      priority: this.value({ priority }, priorityRank(priority)),
    };
  }

  ticketSentiment(text: string | undefined): void {
    const mood = text === undefined ? undefined : textSentiment(text);
    if (mood === undefined) return;
    this.sum("ticketSentimentSum", mood);
    this.sum("ticketSentimentCount", 1);
  }

  build(): AggregateUpdate {
    const { add, active, features, milestones, registers, mrr, tickets, invoices } = this;
    return {
      day: epochDay(this.signal.occurredAt),
      add,
      active,
      features,
      milestones,
      registers,
      ...(mrr ? { mrr } : {}),
      tickets,
      invoices,
    };
  }
}

/**
 * The update one signal makes to its account's aggregate. A usage event adds impact ×
 * count to `usage` when its impact is positive, |impact| × count to `usageNegative` when
 * negative, nothing when 0; only a positive impact makes the day active (a seat removed or
 * an export of all data is no sign of engagement).
 */
export function signalToUpdate(signal: Signal, impactOf: ImpactOf = unitImpact): AggregateUpdate {
  const u = new UpdateBuilder(signal);
  const v = signal.values;
  switch (v.kind) {
    case "usage": {
      const weight = impactOf(v.event) * v.count;
      if (weight > 0) u.sum("usage", weight);
      if (weight < 0) u.sum("usageNegative", -weight);
      u.active = weight > 0;
      break;
    }
    case "active":
      u.active = true;
      break;
    case "feature_used":
      u.features.push(v.feature);
      u.active = true;
      break;
    case "nps":
      u.sum(v.score >= 9 ? "npsPromoters" : v.score >= 7 ? "npsPassives" : "npsDetractors", 1);
      u.register("lastNps", { score: v.score });
      break;
    case "csat":
      u.sum("csatSum", v.score);
      u.sum("csatCount", 1);
      break;
    case "ces":
      u.sum("cesSum", v.score);
      u.sum("cesCount", 1);
      break;
    case "ticket_opened":
      u.sum("ticketsOpened", 1);
      u.ticketStatus(v.ticketId, "open", ticketRank("opened"));
      u.ticketPriority(v.ticketId, v.priority);
      u.ticketSentiment(v.text);
      break;
    case "ticket_solved":
      u.sum("ticketsSolved", 1);
      u.ticketStatus(v.ticketId, "solved", ticketRank("solved"));
      break;
    case "ticket_reopened":
      u.sum("ticketsReopened", 1);
      u.ticketStatus(v.ticketId, "open", ticketRank("reopened"));
      u.ticketPriority(v.ticketId, v.priority);
      break;
    case "ticket_priority":
      u.ticketPriority(v.ticketId, v.priority);
      break;
    case "ticket_comment":
      u.ticketSentiment(v.text);
      break;
    case "payment_succeeded": {
      const rank = paymentRank("succeeded");
      u.register("lastPayment", { status: "succeeded", invoice: v.invoiceId ?? null }, rank);
      u.register("lastPaid", { invoice: v.invoiceId ?? null });
      if (v.invoiceId !== undefined) {
        u.invoices[v.invoiceId] = { status: u.value({ status: "paid" }, rank) };
      }
      break;
    }
    case "payment_failed": {
      u.sum("paymentsFailed", 1);
      const attempt = v.attempt ?? 1;
      const rank = paymentRank("failed", attempt);
      u.register("lastPayment", { status: "failed", invoice: v.invoiceId ?? null }, rank);
      if (v.invoiceId !== undefined) {
        u.invoices[v.invoiceId] = { status: u.value({ status: "failed", attempt }, rank) };
      } else {
        u.register("looseFailure", { attempt }, rank);
      }
      break;
    }
    case "refund":
      u.sum("refunds", 1);
      break;
    case "dispute":
      u.sum("disputes", 1);
      break;
    case "subscription": {
      const rank = subscriptionRank(v.status, v.cancelAtPeriodEnd ?? false);
      u.register(
        "subscription",
        {
          status: v.status,
          mrr: v.mrr ?? null,
          currency: v.currency ?? null,
          seats: v.seats ?? null,
          plan: v.plan ?? null,
          renewsAt: v.renewsAt ?? null,
          cancelAtPeriodEnd: v.cancelAtPeriodEnd ?? false,
        },
        rank,
      );
      if (v.mrr !== undefined) u.mrr = u.value({ mrr: v.mrr }, rank);
      break;
    }
    case "milestone":
      u.milestones.push(v.name);
      break;
    case "profile": {
      const names = { plan: "profilePlan", seats: "profileSeats", name: "profileName" } as const;
      for (const field of ["plan", "seats", "name", "owner"] as const) {
        const value = v[field];
        if (value === undefined) continue;
        u.register(field === "owner" ? "profileOwner" : names[field], { value });
      }
      break;
    }
  }
  return u.build();
}

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

/** Folds signals into an aggregate; the result is the same for any order of `signals`. */
export function aggregateOf(
  accountId: string,
  signals: readonly Signal[],
  impactOf: ImpactOf = unitImpact,
): Aggregate {
  const builder = new MutableAggregate(emptyAggregate(accountId));
  for (const signal of signals) builder.apply(signalToUpdate(signal, impactOf));
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
