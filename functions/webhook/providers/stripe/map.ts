/**
 * Stripe event → InboundEvent. Billing events become payment, refund, dispute and
 * subscription signals; customer events only teach the `cus_…` → account alias.
 */
import type * as z from "zod/mini";
import type { SignalValues } from "../../../domain/signals.ts";
import {
  type ExternalRef,
  type InboundEvent,
  type MappingConfig,
  uniqueRefs,
} from "../../inbound.ts";
import {
  accountIdOf,
  currencyOf,
  ignoredEvent,
  nonEmptyString,
  parseWith,
  secondsMillis,
  signal,
} from "../common.ts";
import { monthlyRecurringRevenue } from "./mrr.ts";
import {
  Charge,
  Customer,
  Dispute,
  type Expandable,
  Invoice,
  type Metadata,
  StripeEvent,
  Subscription,
} from "./schema.ts";

/** What one mapped event type yields, before the envelope fields are added. */
interface Mapped {
  readonly accountId: string | null;
  readonly refs: readonly ExternalRef[];
  readonly signals: readonly SignalValues[];
}

/** Maps one verified Stripe event. */
export function parse(body: unknown, _config: MappingConfig): InboundEvent[] {
  const event = parseWith(StripeEvent, body, "stripe event");
  const occurredAt = secondsMillis(event.created, "stripe event: created");
  const object = event.data.object;
  const mapped = mapObject(event.type, object, event.created);
  // A customer event without metadata.account_id has neither a signal nor an alias to teach.
  const teaches = mapped !== null && mapped.accountId !== null && mapped.refs.length > 0;
  if (mapped === null || (mapped.signals.length === 0 && !teaches)) {
    return [ignoredEvent("stripe", event.id, event.type, occurredAt)];
  }
  return [
    {
      source: "stripe",
      eventId: event.id,
      type: event.type,
      occurredAt,
      ignored: false,
      ...mapped,
    },
  ];
}

function mapObject(type: string, object: unknown, created: number): Mapped | null {
  switch (type) {
    case "invoice.paid": {
      const invoice = parseWith(Invoice, object, "stripe invoice", "data.object");
      return {
        ...invoiceIdentity(invoice),
        signals: [
          signal({
            kind: "payment_succeeded",
            invoiceId: invoice.id,
            amount: invoice.amount_paid,
            currency: currencyOf(invoice.currency),
          }),
        ],
      };
    }
    case "invoice.payment_failed": {
      const invoice = parseWith(Invoice, object, "stripe invoice", "data.object");
      return {
        ...invoiceIdentity(invoice),
        signals: [
          signal({
            kind: "payment_failed",
            invoiceId: invoice.id,
            // attempt_count is 0 before the first attempt; the signal counts from 1.
            attempt: invoice.attempt_count > 0 ? invoice.attempt_count : undefined,
            amount: invoice.amount_due,
            currency: currencyOf(invoice.currency),
          }),
        ],
      };
    }
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted": {
      const sub = parseWith(Subscription, object, "stripe subscription", "data.object");
      const status = type === "customer.subscription.deleted" ? "canceled" : sub.status;
      return {
        accountId: accountOf(sub.metadata, sub.customer),
        refs: uniqueRefs([stripeRef(sub.id), customerRef(sub.customer)]),
        signals: [subscriptionSignal(sub, status, created)],
      };
    }
    case "charge.refunded": {
      const charge = parseWith(Charge, object, "stripe charge", "data.object");
      return {
        accountId: accountOf(charge.metadata, charge.customer),
        refs: uniqueRefs([customerRef(charge.customer)]),
        signals: [
          signal({
            kind: "refund",
            amount: charge.amount_refunded,
            currency: currencyOf(charge.currency),
          }),
        ],
      };
    }
    case "charge.dispute.created": {
      const dispute = parseWith(Dispute, object, "stripe dispute", "data.object");
      // A dispute names its charge, not the customer: only an expanded charge leads there.
      const charge = typeof dispute.charge === "object" ? dispute.charge : null;
      return {
        accountId:
          metadataAccount(dispute.metadata) ??
          accountOf(charge?.metadata ?? null, charge?.customer ?? null),
        refs: uniqueRefs([customerRef(charge?.customer ?? null)]),
        signals: [
          signal({
            kind: "dispute",
            amount: dispute.amount,
            currency: currencyOf(dispute.currency),
          }),
        ],
      };
    }
    case "customer.created":
    case "customer.updated": {
      const customer = parseWith(Customer, object, "stripe customer", "data.object");
      // No signal: the event exists to teach the cus_… → account alias.
      return {
        accountId: metadataAccount(customer.metadata),
        refs: [stripeRef(customer.id)],
        signals: [],
      };
    }
    default:
      return null;
  }
}

function invoiceIdentity(invoice: z.infer<typeof Invoice>): Omit<Mapped, "signals"> {
  const subscription = invoice.subscription ?? invoice.parent?.subscription_details?.subscription;
  const expandedSubscription = typeof subscription === "object" ? subscription : null;
  return {
    accountId:
      metadataAccount(invoice.metadata) ??
      metadataAccount(invoice.parent?.subscription_details?.metadata) ??
      metadataAccount(invoice.subscription_details?.metadata) ??
      metadataAccount(expandedSubscription?.metadata) ??
      accountOf(null, invoice.customer),
    // The subscription id is the most specific ref: subscription events teach its alias.
    refs: uniqueRefs([
      subscription ? stripeRef(idOfExpandable(subscription)) : null,
      customerRef(invoice.customer),
    ]),
  };
}

function subscriptionSignal(
  sub: Subscription,
  status: Subscription["status"],
  created: number,
): SignalValues {
  const items = sub.items.data;
  const complete = sub.items.has_more !== true;
  const first = items[0]?.price;
  // Since 2025-03-31 each item has its own period: the subscription renews at the earliest.
  const periodEnd =
    sub.current_period_end ??
    items.reduce<number | undefined>(
      (min, item) =>
        item.current_period_end == null || (min !== undefined && min <= item.current_period_end)
          ? min
          : item.current_period_end,
      undefined,
    );
  const licensed = items.filter((item) => item.price.recurring?.usage_type !== "metered");
  return signal({
    kind: "subscription",
    status,
    mrr: complete ? monthlyRecurringRevenue(sub, created) : undefined,
    currency: currencyOf(sub.currency),
    seats: complete ? licensed.reduce((sum, item) => sum + (item.quantity ?? 1), 0) : undefined,
    plan: first
      ? (nonEmptyString(first.nickname) ??
        (first.product ? idOfExpandable(first.product) : undefined) ??
        first.id)
      : undefined,
    // A canceled subscription does not renew.
    renewsAt:
      status === "canceled" || periodEnd === undefined
        ? undefined
        : secondsMillis(periodEnd, "stripe subscription: current_period_end"),
    cancelAtPeriodEnd: sub.cancel_at_period_end,
  });
}

function idOfExpandable(ref: string | { readonly id: string }): string {
  return typeof ref === "string" ? ref : ref.id;
}

function stripeRef(id: string): ExternalRef {
  return { kind: "stripe", id };
}

function customerRef(customer: Expandable | null | undefined): ExternalRef | null {
  return customer ? stripeRef(idOfExpandable(customer)) : null;
}

function metadataAccount(metadata: Metadata | undefined): string | null {
  return accountIdOf(metadata?.account_id, "stripe event", "metadata.account_id");
}

/** The object's own `metadata.account_id`, else the expanded customer's. */
function accountOf(metadata: Metadata, customer: Expandable | null | undefined): string | null {
  return (
    metadataAccount(metadata) ??
    (typeof customer === "object" && customer !== null ? metadataAccount(customer.metadata) : null)
  );
}
