/**
 * fast-check arbitraries of valid normalized signals for one account, for the property
 * tests of the scoring core. Ids of tickets, invoices, features and milestones come from
 * small pools so that generated histories collide on the same objects (the interesting
 * case for latest-value registers); every signal gets its own `sourceEventId`.
 */
import fc from "fast-check";
import {
  type Signal,
  type SignalKind,
  type SignalValues,
  SUBSCRIPTION_STATUSES,
  TICKET_PRIORITIES,
} from "../../functions/domain/signals.ts";
import { PROVIDER_NAMES as SOURCES } from "../../functions/webhook/providers/registry.ts";
import { DAY, NOW } from "./signals.ts";

type ValuesOf<K extends SignalKind> = Extract<SignalValues, { kind: K }>;

/** Where and how far back generated signals fall. */
export interface SignalArbOptions {
  /** The instant "now" of the generated history (default NOW of the factories). */
  readonly now?: number;
  /** Signals fall within this many days before `now` (default 120). */
  readonly maxDaysAgo?: number;
  readonly accountId?: string;
}

const pool = (prefix: string, size: number) =>
  fc.integer({ min: 1, max: size }).map((i) => `${prefix}${i}`);

export const ticketIdArb = pool("tkt_", 4);
export const invoiceIdArb = pool("in_", 4);
export const featureArb = fc.constantFrom(
  "reports",
  "dashboards",
  "alerts",
  "exports",
  "api",
  "sso",
  "billing",
);
export const milestoneArb = fc.constantFrom(
  "account_created",
  "integration_connected",
  "first_report",
  "team_invited",
  "custom_milestone",
);
const priorityArb = fc.constantFrom(...TICKET_PRIORITIES);
const currencyArb = fc.constantFrom("usd", "eur", "gbp");
const amountArb = fc.integer({ min: 0, max: 1_000_000 });
/** Ticket text: mostly lexicon words of both moods, sometimes noise. */
const textArb = fc.oneof(
  fc.constantFrom(
    "This is terrible, nothing works and I am angry",
    "Thanks, great support!",
    "Please see the attached file",
    "I hate this bug",
    "Works fine now, thank you",
    "",
  ),
  fc.string({ maxLength: 40 }),
);

/** An arbitrary of the values of each kind of signal; `now` anchors renewal dates. */
export function valuesArbs(now = NOW): { [K in SignalKind]: fc.Arbitrary<ValuesOf<K>> } {
  const optional = { requiredKeys: ["kind"] as "kind"[] };
  return {
    usage: fc.record({
      kind: fc.constant("usage"),
      event: fc.constantFrom("report_viewed", "dashboard_opened", "export_created"),
      count: fc.integer({ min: 1, max: 50 }),
    }),
    active: fc.record({ kind: fc.constant("active") }),
    feature_used: fc.record({ kind: fc.constant("feature_used"), feature: featureArb }),
    nps: fc.record(
      {
        kind: fc.constant("nps"),
        score: fc.integer({ min: 0, max: 10 }),
        comment: textArb,
      },
      { requiredKeys: ["kind", "score"] },
    ),
    csat: fc.record(
      { kind: fc.constant("csat"), score: fc.integer({ min: 1, max: 5 }), comment: textArb },
      { requiredKeys: ["kind", "score"] },
    ),
    ces: fc.record({ kind: fc.constant("ces"), score: fc.integer({ min: 1, max: 7 }) }),
    ticket_opened: fc.record(
      {
        kind: fc.constant("ticket_opened"),
        ticketId: ticketIdArb,
        priority: priorityArb,
        text: textArb,
      },
      { requiredKeys: ["kind", "ticketId"] },
    ),
    ticket_solved: fc.record({ kind: fc.constant("ticket_solved"), ticketId: ticketIdArb }),
    ticket_reopened: fc.record(
      { kind: fc.constant("ticket_reopened"), ticketId: ticketIdArb, priority: priorityArb },
      { requiredKeys: ["kind", "ticketId"] },
    ),
    ticket_priority: fc.record({
      kind: fc.constant("ticket_priority"),
      ticketId: ticketIdArb,
      priority: priorityArb,
    }),
    ticket_comment: fc.record({
      kind: fc.constant("ticket_comment"),
      ticketId: ticketIdArb,
      text: textArb,
    }),
    payment_succeeded: fc.record(
      {
        kind: fc.constant("payment_succeeded"),
        invoiceId: invoiceIdArb,
        amount: amountArb,
        currency: currencyArb,
      },
      optional,
    ),
    payment_failed: fc.record(
      {
        kind: fc.constant("payment_failed"),
        invoiceId: invoiceIdArb,
        attempt: fc.integer({ min: 1, max: 5 }),
        amount: amountArb,
        currency: currencyArb,
      },
      optional,
    ),
    refund: fc.record(
      { kind: fc.constant("refund"), amount: amountArb, currency: currencyArb },
      optional,
    ),
    dispute: fc.record(
      { kind: fc.constant("dispute"), amount: amountArb, currency: currencyArb },
      optional,
    ),
    subscription: fc.record(
      {
        kind: fc.constant("subscription"),
        status: fc.constantFrom(...SUBSCRIPTION_STATUSES),
        // Up to twice the enterprise threshold of the default model (500_000).
        mrr: amountArb,
        currency: currencyArb,
        seats: fc.integer({ min: 0, max: 50 }),
        plan: fc.constantFrom("starter", "pro", "enterprise"),
        renewsAt: fc.integer({ min: -10, max: 60 }).map((days) => now + days * DAY),
        cancelAtPeriodEnd: fc.boolean(),
      },
      { requiredKeys: ["kind", "status"] },
    ),
    milestone: fc.record({ kind: fc.constant("milestone"), name: milestoneArb }),
    profile: fc.record(
      {
        kind: fc.constant("profile"),
        name: fc.constantFrom("Acme", "Globex"),
        plan: fc.constantFrom("starter", "pro", "enterprise"),
        seats: fc.integer({ min: 0, max: 50 }),
        owner: fc.constantFrom("ana@example.com", "bo@example.com"),
      },
      optional,
    ),
  };
}

/** Values of any kind of signal. */
export function signalValuesArb(
  now = NOW,
  kinds?: readonly SignalKind[],
): fc.Arbitrary<SignalValues> {
  const all = valuesArbs(now) as Record<SignalKind, fc.Arbitrary<SignalValues>>;
  const chosen = kinds ?? (Object.keys(all) as SignalKind[]);
  return fc.oneof(...chosen.map((kind) => all[kind]));
}

/**
 * An instant within `maxDaysAgo` days before `now`: half the time any millisecond, half
 * the time a whole number of days ago, so that some signals share a source time exactly.
 */
export function occurredAtArb(options: SignalArbOptions = {}): fc.Arbitrary<number> {
  const { now = NOW, maxDaysAgo = 120 } = options;
  return fc
    .oneof(
      fc.integer({ min: 0, max: Math.floor(maxDaysAgo * DAY) }),
      fc.integer({ min: 0, max: Math.floor(maxDaysAgo) }).map((days) => days * DAY),
    )
    .map((ago) => now - ago);
}

/** One signal with values from `values`; its event id is `id`. */
export function signalArb(
  values: fc.Arbitrary<SignalValues>,
  id: string,
  options: SignalArbOptions = {},
): fc.Arbitrary<Signal> {
  return fc.record({
    accountId: fc.constant(options.accountId ?? "acct-1"),
    source: fc.constantFrom(...SOURCES),
    sourceEventId: fc.constant(id),
    occurredAt: occurredAtArb(options),
    values,
  });
}

/**
 * A history of signals of any kind (or of `kinds`) for one account, each with a unique
 * event id `<idPrefix>-<n>`.
 */
export function signalsArb(
  options: SignalArbOptions & {
    readonly minLength?: number;
    readonly maxLength?: number;
    readonly kinds?: readonly SignalKind[];
    readonly idPrefix?: string;
  } = {},
): fc.Arbitrary<Signal[]> {
  const { minLength = 0, maxLength = 40, kinds, idPrefix = "arb" } = options;
  return fc
    .array(signalArb(signalValuesArb(options.now, kinds), "", options), { minLength, maxLength })
    .map((list) => list.map((s, i) => ({ ...s, sourceEventId: `${idPrefix}-${i}` })));
}

/**
 * A failed payment within `maxDaysAgo` days (default 60), with or without an invoice id;
 * half the time within the last day, after most of a generated history, as new events are.
 */
export function failedPaymentArb(
  id = "failed-payment",
  options: SignalArbOptions = {},
): fc.Arbitrary<Signal> {
  const values = valuesArbs(options.now).payment_failed;
  return fc.oneof(
    signalArb(values, id, { maxDaysAgo: 60, ...options }),
    signalArb(values, id, { ...options, maxDaysAgo: 1 }),
  );
}

/**
 * A short billing story: 1-`maxLength` payments, failed or succeeded, of two invoices or
 * none, within the last `maxDaysAgo` days (default 30, the default failure window).
 */
export function paymentStoryArb(
  options: SignalArbOptions & { readonly maxLength?: number } = {},
): fc.Arbitrary<Signal[]> {
  const invoiceId = fc.option(fc.constantFrom("in_1", "in_2"), { nil: undefined });
  const payment = fc
    .tuple(fc.constantFrom("payment_failed" as const, "payment_succeeded" as const), invoiceId)
    .map(([kind, id]): SignalValues => (id === undefined ? { kind } : { kind, invoiceId: id }));
  return fc
    .array(signalArb(payment, "", { maxDaysAgo: 30, ...options }), {
      minLength: 1,
      maxLength: options.maxLength ?? 4,
    })
    .map((list) => list.map((s, i) => ({ ...s, sourceEventId: `pay-${i}` })));
}

/** A list together with a permutation of it. */
export function withPermutation<T>(list: readonly T[]): fc.Arbitrary<[readonly T[], T[]]> {
  return fc
    .shuffledSubarray([...list], { minLength: list.length, maxLength: list.length })
    .map((shuffled) => [list, shuffled]);
}
