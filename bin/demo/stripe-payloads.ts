/**
 * Stripe event bodies shaped like the ones Stripe sends (API version 2025-03-31: invoice
 * subscription under `parent`, periods on items), with the fields our adapter reads plus the
 * usual surrounding ones. Pure: ids and times come in as arguments.
 */

/** Seconds since the epoch, as Stripe writes times. */
const seconds = (ms: number) => Math.floor(ms / 1000);
// ---------------------------------------------------------------------------------------
// Stripe (API version 2025-03-31 shapes: invoice subscription under `parent`, periods on items)

export const STRIPE_API_VERSION = "2025-03-31.basil";

/** A Stripe event envelope around `object`. */
export function stripeEvent(
  id: string,
  type: string,
  at: number,
  object: Record<string, unknown>,
  previousAttributes?: Record<string, unknown>,
) {
  return {
    id,
    object: "event",
    api_version: STRIPE_API_VERSION,
    created: seconds(at),
    data: { object, ...(previousAttributes ? { previous_attributes: previousAttributes } : {}) },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

export interface StripeCustomerFields {
  readonly customerId: string;
  readonly accountId: string;
  readonly name: string;
  readonly email: string;
  readonly createdAt: number;
}

/** `customer.created`: metadata.account_id teaches the cus_… → account alias. */
export function stripeCustomer(f: StripeCustomerFields) {
  return {
    id: f.customerId,
    object: "customer",
    created: seconds(f.createdAt),
    currency: "usd",
    delinquent: false,
    description: null,
    email: f.email,
    invoice_prefix: f.customerId.slice(4, 12).toUpperCase(),
    livemode: false,
    metadata: { account_id: f.accountId },
    name: f.name,
  };
}

export interface StripeSubscriptionFields {
  readonly subscriptionId: string;
  readonly customerId: string;
  readonly status: "active" | "past_due" | "unpaid" | "canceled" | "trialing";
  readonly planName: string;
  readonly priceId: string;
  readonly productId: string;
  /** Per seat per month, in cents. */
  readonly unitAmount: number;
  readonly seats: number;
  readonly createdAt: number;
  readonly periodStart: number;
  readonly periodEnd: number;
  readonly cancelAtPeriodEnd?: boolean;
}

/** A subscription object as `customer.subscription.*` events carry it. */
export function stripeSubscription(f: StripeSubscriptionFields) {
  return {
    id: f.subscriptionId,
    object: "subscription",
    billing_cycle_anchor: seconds(f.createdAt),
    cancel_at: f.cancelAtPeriodEnd ? seconds(f.periodEnd) : null,
    cancel_at_period_end: f.cancelAtPeriodEnd ?? false,
    canceled_at: null,
    collection_method: "charge_automatically",
    created: seconds(f.createdAt),
    currency: "usd",
    customer: f.customerId,
    discounts: [],
    items: {
      object: "list",
      has_more: false,
      data: [
        {
          id: `si_${f.subscriptionId.slice(4)}`,
          object: "subscription_item",
          current_period_end: seconds(f.periodEnd),
          current_period_start: seconds(f.periodStart),
          price: {
            id: f.priceId,
            object: "price",
            active: true,
            billing_scheme: "per_unit",
            currency: "usd",
            nickname: f.planName,
            product: f.productId,
            recurring: { interval: "month", interval_count: 1, usage_type: "licensed" },
            type: "recurring",
            unit_amount: f.unitAmount,
            unit_amount_decimal: String(f.unitAmount),
          },
          quantity: f.seats,
        },
      ],
    },
    livemode: false,
    metadata: {},
    start_date: seconds(f.createdAt),
    status: f.status,
  };
}

export interface StripeInvoiceFields {
  readonly invoiceId: string;
  readonly customerId: string;
  readonly subscriptionId: string;
  readonly email: string;
  readonly amount: number;
  readonly paid: boolean;
  /** Payment attempts so far (1 on the first charge). */
  readonly attempt: number;
  readonly periodStart: number;
  readonly periodEnd: number;
  readonly at: number;
  /** When Stripe retries next, for a failed attempt. */
  readonly nextAttemptAt?: number;
}

/** An invoice object as `invoice.paid` / `invoice.payment_failed` carry it. */
export function stripeInvoice(f: StripeInvoiceFields) {
  return {
    id: f.invoiceId,
    object: "invoice",
    amount_due: f.amount,
    amount_paid: f.paid ? f.amount : 0,
    amount_remaining: f.paid ? 0 : f.amount,
    attempt_count: f.attempt,
    attempted: true,
    billing_reason: "subscription_cycle",
    collection_method: "charge_automatically",
    created: seconds(f.periodStart),
    currency: "usd",
    customer: f.customerId,
    customer_email: f.email,
    livemode: false,
    metadata: {},
    next_payment_attempt: f.nextAttemptAt ? seconds(f.nextAttemptAt) : null,
    parent: {
      type: "subscription_details",
      quote_details: null,
      subscription_details: { metadata: {}, subscription: f.subscriptionId },
    },
    period_end: seconds(f.periodEnd),
    period_start: seconds(f.periodStart),
    status: f.paid ? "paid" : "open",
    status_transitions: { paid_at: f.paid ? seconds(f.at) : null },
    total: f.amount,
  };
}
