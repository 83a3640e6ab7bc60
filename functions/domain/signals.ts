/**
 * The normalized signal: the one shape every provider adapter produces and every
 * aggregate update consumes. Provider payloads never reach the domain core.
 */
import * as z from "zod/mini";

export const SIGNAL_SCHEMA_VERSION = 1;

/**
 * Where a signal came from: a webhook provider's name (`stripe`, `segment`…). The list of
 * providers lives with the webhook adapters (`functions/webhook/providers/registry.ts`),
 * so adding one never touches the domain; here it is only a name.
 */
export const Source = z.string().check(z.regex(/^[a-z][a-z0-9-]{0,31}$/));
export type Source = z.infer<typeof Source>;

export const TICKET_PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export const TicketPriority = z.enum(TICKET_PRIORITIES);
export type TicketPriority = z.infer<typeof TicketPriority>;

export const SUBSCRIPTION_STATUSES = [
  "trialing",
  "active",
  "past_due",
  "unpaid",
  "paused",
  "incomplete",
  "incomplete_expired",
  "canceled",
] as const;
export const SubscriptionStatus = z.enum(SUBSCRIPTION_STATUSES);
export type SubscriptionStatus = z.infer<typeof SubscriptionStatus>;

const nonEmpty = z.string().check(z.minLength(1), z.maxLength(512));
const count = z.number().check(z.int(), z.gte(1), z.lte(1_000_000));
const minorUnits = z.number().check(z.int(), z.gte(0));
const currency = z.string().check(z.regex(/^[a-z]{3}$/));
const score = (min: number, max: number) => z.number().check(z.int(), z.gte(min), z.lte(max));
const text = z.string().check(z.maxLength(20_000));

/** The values each kind of signal carries; `kind` discriminates. */
const kinds = [
  z.object({ kind: z.literal("usage"), event: nonEmpty, count }),
  z.object({ kind: z.literal("active") }),
  z.object({ kind: z.literal("feature_used"), feature: nonEmpty }),
  z.object({ kind: z.literal("nps"), score: score(0, 10), comment: z.optional(text) }),
  z.object({ kind: z.literal("csat"), score: score(1, 5), comment: z.optional(text) }),
  z.object({ kind: z.literal("ces"), score: score(1, 7) }),
  z.object({
    kind: z.literal("ticket_opened"),
    ticketId: nonEmpty,
    priority: z.optional(TicketPriority),
    text: z.optional(text),
  }),
  z.object({ kind: z.literal("ticket_solved"), ticketId: nonEmpty }),
  z.object({
    kind: z.literal("ticket_reopened"),
    ticketId: nonEmpty,
    priority: z.optional(TicketPriority),
  }),
  z.object({ kind: z.literal("ticket_priority"), ticketId: nonEmpty, priority: TicketPriority }),
  z.object({ kind: z.literal("ticket_comment"), ticketId: nonEmpty, text }),
  z.object({
    kind: z.literal("payment_succeeded"),
    invoiceId: z.optional(nonEmpty),
    amount: z.optional(minorUnits),
    currency: z.optional(currency),
  }),
  z.object({
    kind: z.literal("payment_failed"),
    invoiceId: z.optional(nonEmpty),
    attempt: z.optional(count),
    amount: z.optional(minorUnits),
    currency: z.optional(currency),
  }),
  z.object({
    kind: z.literal("refund"),
    amount: z.optional(minorUnits),
    currency: z.optional(currency),
  }),
  z.object({
    kind: z.literal("dispute"),
    amount: z.optional(minorUnits),
    currency: z.optional(currency),
  }),
  z.object({
    kind: z.literal("subscription"),
    status: SubscriptionStatus,
    mrr: z.optional(minorUnits),
    currency: z.optional(currency),
    seats: z.optional(z.number().check(z.int(), z.gte(0))),
    plan: z.optional(nonEmpty),
    renewsAt: z.optional(z.number()),
    cancelAtPeriodEnd: z.optional(z.boolean()),
  }),
  z.object({ kind: z.literal("milestone"), name: nonEmpty }),
  /** Descriptive traits (Segment identify/group): plan, seats, name, account owner. */
  z.object({
    kind: z.literal("profile"),
    name: z.optional(nonEmpty),
    plan: z.optional(nonEmpty),
    seats: z.optional(z.number().check(z.int(), z.gte(0))),
    owner: z.optional(nonEmpty),
  }),
] as const;

export const SignalValues = z.discriminatedUnion("kind", [...kinds]);
export type SignalValues = z.infer<typeof SignalValues>;
export type SignalKind = SignalValues["kind"];

export const Signal = z.object({
  /** Our account id; null until identity resolution finds it. */
  accountId: z.nullable(nonEmpty),
  source: Source,
  /** The provider's id for the delivery or object change; the dedupe key with `source`. */
  sourceEventId: nonEmpty,
  /** When it happened at the source, epoch milliseconds. */
  occurredAt: z.number().check(z.int(), z.gte(0)),
  values: SignalValues,
});
export type Signal = z.infer<typeof Signal>;

/** A signal of one kind, for code that narrows on `values.kind`. */
export type SignalOf<K extends SignalKind> = Omit<Signal, "values"> & {
  values: Extract<SignalValues, { kind: K }>;
};
