/**
 * The demo's Stripe: one customer's Stripe customer, subscription and invoices, as
 * Stripe's webhooks carry them. `connect` teaches the `cus_…` → account alias;
 * `renewals` sends a renewal every 30 days with its invoice; the story scripts use
 * `subscription` and `invoice` for what goes wrong (or right).
 */
import type { CustomerContext, Delivery } from "./context.ts";
import { WINDOW_DAYS } from "./context.ts";
import { SEAT_PRICE } from "./customers.ts";
import {
  stripeCustomer,
  stripeEvent,
  stripeInvoice,
  stripeSubscription,
} from "./stripe-payloads.ts";

export type SubscriptionStatus = "active" | "past_due" | "unpaid";

/** One customer's Stripe account. */
export function stripeTool(ctx: CustomerContext) {
  const { customer: c, run, at } = ctx;
  const customerId = run.ids.object("cus");
  const subscriptionId = run.ids.object("sub");
  const priceId = `price_${c.plan.toLowerCase()}_seat_monthly`;
  const productId = `prod_${c.plan.toLowerCase()}`;
  const billingEmail = `billing@${c.domain}`;
  /** Seats on the subscription now (contraction changes them). */
  let seats = c.seats;

  const event = (
    type: string,
    t: number,
    object: Record<string, unknown>,
    previous?: Record<string, unknown>,
  ) => {
    const id = run.ids.stripeEvent();
    return ctx.delivery("stripe", id, t, type, stripeEvent(id, type, t, object, previous));
  };

  /** A `customer.subscription.*` event; the period runs 30 days from `renewedDaysAgo`. */
  const subscription = (
    type: string,
    t: number,
    status: SubscriptionStatus,
    renewedDaysAgo: number,
    extra: { cancelAtPeriodEnd?: boolean; previous?: Record<string, unknown> } = {},
  ) =>
    event(
      type,
      t,
      stripeSubscription({
        subscriptionId,
        customerId,
        status,
        planName: c.plan,
        priceId,
        productId,
        unitAmount: SEAT_PRICE[c.plan],
        seats,
        createdAt: at(c.signupDaysAgo),
        periodStart: at(renewedDaysAgo),
        periodEnd: at(renewedDaysAgo - 30),
        cancelAtPeriodEnd: extra.cancelAtPeriodEnd,
      }),
      extra.previous,
    );

  /** `invoice.paid` or `invoice.payment_failed` for the period renewed `renewedDaysAgo`. */
  const invoice = (
    invoiceId: string,
    renewedDaysAgo: number,
    t: number,
    paid: boolean,
    attempt: number,
    nextAttemptAt?: number,
  ) =>
    event(
      paid ? "invoice.paid" : "invoice.payment_failed",
      t,
      stripeInvoice({
        invoiceId,
        customerId,
        subscriptionId,
        email: billingEmail,
        amount: seats * SEAT_PRICE[c.plan],
        paid,
        attempt,
        periodStart: at(renewedDaysAgo),
        periodEnd: at(renewedDaysAgo - 30),
        at: t,
        nextAttemptAt,
      }),
    );

  /**
   * New customers arrive through `customer.created`; existing ones get their account id
   * added to the Stripe customer's metadata (`customer.updated`) at the start.
   */
  const connect = () => {
    const object = stripeCustomer({
      customerId,
      accountId: c.id,
      name: c.name,
      email: billingEmail,
      createdAt: at(c.signupDaysAgo),
    });
    const t = ctx.isNew ? at(c.signupDaysAgo) : at(WINDOW_DAYS);
    const type = ctx.isNew ? "customer.created" : "customer.updated";
    ctx.thread(ctx.acts.connect, event(type, t, object, ctx.isNew ? undefined : { metadata: {} }));
  };

  /** Subscription renewals every 30 days, each with its invoice (the stories' parts left out). */
  const renewals = () => {
    const { story } = c;
    const { history, trouble } = ctx.acts;
    const days: number[] = [];
    for (let d = c.signupDaysAgo % 30; d <= Math.min(c.signupDaysAgo, WINDOW_DAYS); d += 30) {
      days.push(d);
    }
    days.sort((a, b) => b - a); // oldest first
    const subThread: Delivery[] = [];
    for (const d of days) {
      const t = at(d, 9);
      if (story === "payment-failure" && d === 8) continue; // told in the trouble act
      if (story === "contraction" && d < 20) seats = c.seats;
      if (ctx.isNew && d === c.signupDaysAgo) {
        subThread.push(subscription("customer.subscription.created", t, "active", d));
      } else {
        const failing = story === "recovery" && d === 28;
        subThread.push(
          subscription("customer.subscription.updated", t, failing ? "past_due" : "active", d, {
            previous: failing
              ? { status: "active", current_period_end: Math.floor(at(d) / 1000) }
              : { current_period_end: Math.floor(at(d) / 1000) },
          }),
        );
      }
      const invoiceId = run.ids.object("in");
      if (story === "recovery" && d === 28) {
        // Two failed attempts now; the third succeeds in the trouble act.
        ctx.thread(
          history,
          invoice(invoiceId, d, at(d, 9) + 60_000, false, 1, at(d - 3, 9)),
          invoice(invoiceId, d, at(d - 3, 9), false, 2, at(d - 10, 9)),
        );
        ctx.thread(trouble, invoice(invoiceId, d, at(d - 10, 9), true, 3));
      } else {
        ctx.thread(history, invoice(invoiceId, d, at(d, 9) + 60_000, true, 1));
      }
    }
    if (story === "contraction") {
      seats = 60;
      subThread.push(
        subscription("customer.subscription.updated", at(20, 11), "active", 29, {
          previous: { items: { data: [{ quantity: c.seats }] } },
        }),
      );
      subThread.sort((a, b) => a.at - b.at);
    }
    if (subThread.length > 0) history.push({ deliveries: subThread });
  };

  return { connect, renewals, subscription, invoice, newInvoiceId: () => run.ids.object("in") };
}

export type StripeTool = ReturnType<typeof stripeTool>;
