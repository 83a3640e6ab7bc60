/**
 * Stripe event → InboundEvent. Billing events become payment, refund, dispute and
 * subscription signals; customer events only teach the `cus_…` → account alias.
 *
 * Handles both invoice shapes: the top-level `subscription` of endpoints pinned before
 * API version 2025-03-31, and `parent.subscription_details` after it; and both period
 * shapes: `current_period_end` on the subscription (before) or on its items (after).
 */
import * as z from "zod/mini";
import { type SignalValues, SUBSCRIPTION_STATUSES } from "../../domain/signals.ts";
import type { ExternalRef, InboundEvent, MappingConfig } from "../inbound.ts";
import {
  Currency,
  currencyOf,
  ignoredEvent,
  MinorUnits,
  nonEmptyString,
  parseWith,
  secondsMillis,
  signal,
  uniqueRefs,
} from "./shared.ts";

const ObjectId = z.string().check(z.minLength(1), z.maxLength(512));
const Int = z.number().check(z.int(), z.gte(0));
/** Only `account_id` is read; Stripe metadata values are strings. */
const Metadata = z.nullish(z.looseObject({ account_id: z.optional(z.string()) }));
/** An expandable reference: the id, or the object when the endpoint expands it. */
const Expandable = z.union([ObjectId, z.looseObject({ id: ObjectId, metadata: Metadata })]);

/** The event envelope: `data.object` is validated per event type below. */
export const StripeEvent = z.looseObject({
  id: ObjectId,
  type: z.string().check(z.minLength(1), z.maxLength(256)),
  created: Int,
  data: z.looseObject({ object: z.looseObject({}) }),
});

const SubscriptionDetails = z.nullish(
  z.looseObject({ subscription: z.nullish(Expandable), metadata: Metadata }),
);

const Invoice = z.looseObject({
  id: ObjectId,
  customer: z.nullish(Expandable),
  currency: Currency,
  amount_paid: MinorUnits,
  amount_due: MinorUnits,
  attempt_count: Int,
  metadata: Metadata,
  /** API versions before 2025-03-31. */
  subscription: z.nullish(Expandable),
  subscription_details: SubscriptionDetails,
  /** API version 2025-03-31 and later. */
  parent: z.nullish(z.looseObject({ subscription_details: SubscriptionDetails })),
});

const Coupon = z.looseObject({
  percent_off: z.nullish(z.number().check(z.gte(0), z.lte(100))),
  amount_off: z.nullish(MinorUnits),
  currency: z.nullish(Currency),
  duration: z.optional(z.string()),
});
/** `coupon` was auto-expanded until 2025-09-30.clover; since then it is `source.coupon`, an id unless expanded. */
const CouponRef = z.nullish(z.union([ObjectId, Coupon]));
const Discount = z.looseObject({
  id: z.optional(ObjectId),
  coupon: CouponRef,
  source: z.nullish(z.looseObject({ coupon: CouponRef })),
  end: z.nullish(Int),
});

const INTERVALS = ["day", "week", "month", "year"] as const;
type Interval = (typeof INTERVALS)[number];

const Price = z.looseObject({
  id: ObjectId,
  nickname: z.nullish(z.string()),
  product: z.nullish(Expandable),
  unit_amount: z.nullish(MinorUnits),
  unit_amount_decimal: z.nullish(z.string()),
  recurring: z.nullish(
    z.looseObject({
      interval: z.enum(INTERVALS),
      interval_count: z.number().check(z.int(), z.gte(1)),
      usage_type: z.optional(z.string()),
    }),
  ),
});

const Subscription = z.looseObject({
  id: ObjectId,
  customer: z.nullish(Expandable),
  status: z.enum(SUBSCRIPTION_STATUSES),
  currency: Currency,
  cancel_at_period_end: z.optional(z.boolean()),
  /** Before API version 2025-03-31. */
  current_period_end: z.nullish(Int),
  items: z.looseObject({
    has_more: z.optional(z.boolean()),
    data: z.array(
      z.looseObject({
        price: Price,
        quantity: z.nullish(Int),
        /** API version 2025-03-31 and later. */
        current_period_end: z.nullish(Int),
      }),
    ),
  }),
  /** Deprecated single discount; newer versions only send `discounts`. */
  discount: z.nullish(Discount),
  discounts: z.nullish(z.array(z.union([ObjectId, Discount]))),
  metadata: Metadata,
});

const Charge = z.looseObject({
  id: ObjectId,
  customer: z.nullish(Expandable),
  amount_refunded: MinorUnits,
  currency: Currency,
  metadata: Metadata,
});

const Dispute = z.looseObject({
  id: ObjectId,
  amount: MinorUnits,
  currency: Currency,
  charge: z.nullish(
    z.union([
      ObjectId,
      z.looseObject({ id: ObjectId, customer: z.nullish(Expandable), metadata: Metadata }),
    ]),
  ),
  metadata: Metadata,
});

const Customer = z.looseObject({ id: ObjectId, metadata: Metadata });

type Expandable = z.infer<typeof Expandable>;
type Metadata = z.infer<typeof Metadata>;
type Subscription = z.infer<typeof Subscription>;
type Discount = z.infer<typeof Discount>;

/** What one mapped event type yields, before the envelope fields are added. */
interface Mapped {
  readonly accountId: string | null;
  readonly refs: readonly ExternalRef[];
  readonly signals: readonly SignalValues[];
}

/** Maps one verified Stripe event. */
export function parse(body: unknown, _config: MappingConfig): InboundEvent[] {
  const event = parseWith(StripeEvent, body, "stripe event");
  const occurredAt = secondsMillis(event.created);
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
      status === "canceled" || periodEnd === undefined ? undefined : secondsMillis(periodEnd),
    cancelAtPeriodEnd: sub.cancel_at_period_end,
  });
}

const PER_YEAR: Record<Interval, number> = { day: 365, week: 52, month: 12, year: 1 };

/** How many times per month a price billed every `count` `interval`s is charged. */
function perMonth(interval: Interval, count: number): number {
  return PER_YEAR[interval] / 12 / count;
}

/**
 * MRR in minor units: Σ unit amount × quantity normalised to a month, less the
 * subscription's discounts. Metered items are left out (their revenue is usage, not
 * committed); an item whose amount cannot be known (tiered prices) makes MRR unknown
 * (undefined) rather than wrong.
 */
function monthlyRecurringRevenue(sub: Subscription, created: number): number | undefined {
  let mrr = 0;
  let billing: { interval: Interval; count: number } | null = null;
  for (const item of sub.items.data) {
    const recurring = item.price.recurring;
    if (!recurring) return undefined;
    billing ??= { interval: recurring.interval, count: recurring.interval_count };
    if (recurring.usage_type === "metered") continue;
    const unit = item.price.unit_amount ?? decimalAmount(item.price.unit_amount_decimal);
    if (unit === undefined) return undefined;
    mrr += unit * (item.quantity ?? 1) * perMonth(recurring.interval, recurring.interval_count);
  }
  for (const discount of visibleDiscounts(sub)) {
    const coupon = couponOf(discount);
    if (!coupon || coupon.duration === "once") continue; // a one-off discount does not recur
    if (discount.end != null && discount.end <= created) continue;
    if (coupon.percent_off != null) {
      mrr *= 1 - coupon.percent_off / 100;
    } else if (coupon.amount_off != null && billing) {
      if (coupon.currency && currencyOf(coupon.currency) !== currencyOf(sub.currency)) continue;
      // amount_off comes off each invoice, so it recurs at the billing interval.
      mrr -= coupon.amount_off * perMonth(billing.interval, billing.count);
    }
  }
  return Math.max(0, Math.round(mrr));
}

/**
 * The subscription's discounts whose objects the payload carries. `discounts` lists ids
 * unless the endpoint expands them: an id we cannot see is skipped (MRR is then
 * overstated by that discount) because adapters are pure and fetch nothing. The
 * deprecated `discount` may repeat an entry of `discounts`: each id counts once.
 */
function visibleDiscounts(sub: Subscription): Discount[] {
  const byId = new Map<string, Discount>();
  const anonymous: Discount[] = [];
  for (const entry of [sub.discount, ...(sub.discounts ?? [])]) {
    if (entry == null || typeof entry === "string") continue;
    if (entry.id === undefined) anonymous.push(entry);
    else if (!byId.has(entry.id)) byId.set(entry.id, entry);
  }
  return [...byId.values(), ...anonymous];
}

/** `unit_amount_decimal` carries sub-cent prices; null for tiered prices. */
function decimalAmount(value: string | null | undefined): number | undefined {
  return value != null && /^\d{1,15}(\.\d{1,12})?$/.test(value) ? Number(value) : undefined;
}

function couponOf(discount: Discount): z.infer<typeof Coupon> | null {
  const coupon = discount.coupon ?? discount.source?.coupon;
  return typeof coupon === "object" && coupon !== null ? coupon : null;
}

function idOfExpandable(ref: Expandable): string {
  return typeof ref === "string" ? ref : ref.id;
}

function stripeRef(id: string): ExternalRef {
  return { kind: "stripe", id };
}

function customerRef(customer: Expandable | null | undefined): ExternalRef | null {
  return customer ? stripeRef(idOfExpandable(customer)) : null;
}

function metadataAccount(metadata: Metadata | undefined): string | null {
  return nonEmptyString(metadata?.account_id);
}

/** The object's own `metadata.account_id`, else the expanded customer's. */
function accountOf(metadata: Metadata, customer: Expandable | null | undefined): string | null {
  return (
    metadataAccount(metadata) ??
    (typeof customer === "object" && customer !== null ? metadataAccount(customer.metadata) : null)
  );
}
