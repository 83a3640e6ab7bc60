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
import { MutableAggregate } from "./aggregate-fold.ts";
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

export {
  addToDay,
  applyUpdate,
  applyUpdates,
  failedInvoiceOf,
  isNewer,
  MutableAggregate,
  mergeInvoice,
  mergeTicket,
  mergeUpdates,
  newer,
  openTicketOf,
  updatesByDay,
} from "./aggregate-fold.ts";
