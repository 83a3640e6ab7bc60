/**
 * The webhook deliveries of one heavy customer over the years, as the tools would send them
 * (Zendesk ticket events, Stripe invoices and subscriptions, Standard Webhooks usage and
 * NPS), from a seeded random: the same seed always gives the same deliveries.
 *
 * A month: 100 tickets (opened, some re-prioritized, commented, solved, some reopened and
 * solved again); 10 invoices (some failed and retried, then paid); each day usage of 50
 * features (one event per feature, the day's count); one NPS answer; every quarter a
 * subscription change (seats, hence MRR).
 */

import { genericEvent, type ZendeskTicket, zendeskTicketEvent } from "../bin/demo/payloads.ts";
import { stripeEvent, stripeInvoice, stripeSubscription } from "../bin/demo/stripe-payloads.ts";
import type { Provider } from "../functions/webhook/providers/registry.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const TICKETS_PER_MONTH = 100;
export const INVOICES_PER_MONTH = 10;
export const FEATURES = 50;

/** One delivery: its provider, body and the headers the adapter reads. */
export interface Delivery {
  readonly at: number;
  readonly provider: Provider;
  readonly body: unknown;
  readonly headers: Record<string, string>;
}

/** The customer's ids in our system and in each tool. */
export interface HeavyCustomer {
  readonly accountId: string;
  readonly zendeskOrganization: string;
  readonly stripeCustomer: string;
  readonly stripeSubscription: string;
}

export const HEAVY: HeavyCustomer = {
  accountId: "acct-heavy",
  zendeskOrganization: "9000001",
  stripeCustomer: "cus_heavy0001",
  stripeSubscription: "sub_heavy0001",
};

/** UTC midnight of the first day of month `index` counted from `start`'s month. */
export function monthStart(start: number, index: number): number {
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + index, 1);
}

/**
 * The deliveries of months [fromMonth, toMonth) counted from `start`, in time order.
 * A ticket or an invoice retry may spill over its month's end: it is kept, in order.
 */
export function deliveriesOf(
  customer: HeavyCustomer,
  start: number,
  months: number,
  random: () => number,
): Delivery[] {
  const out: Delivery[] = [];
  let serial = 0;
  const nextId = (prefix: string) => `${prefix}${(++serial).toString(36).padStart(7, "0")}`;
  const between = (from: number, to: number) => from + Math.floor(random() * (to - from));
  const generic = (at: number, type: "usage" | "nps", data: Record<string, unknown>) =>
    out.push({
      at,
      provider: "generic",
      body: genericEvent(type, at, customer.accountId, data),
      headers: { "webhook-id": nextId("msg_") },
    });
  const stripe = (at: number, type: string, object: Record<string, unknown>) =>
    out.push({
      at,
      provider: "stripe",
      body: stripeEvent(nextId("evt_"), type, at, object),
      headers: {},
    });

  let ticketNumber = 0;
  let invoiceNumber = 0;
  let seats = 40;
  const end = monthStart(start, months);
  for (let month = 0; month < months; month++) {
    const from = monthStart(start, month);
    const to = monthStart(start, month + 1);

    for (let t = 0; t < TICKETS_PER_MONTH; t++) {
      ticketTimeline(++ticketNumber, between(from, to));
    }
    for (let i = 0; i < INVOICES_PER_MONTH; i++) {
      const at = between(from, to);
      const invoiceId = `in_heavy${(++invoiceNumber).toString().padStart(6, "0")}`;
      const amount = 5_000 + Math.floor(random() * 50_000);
      let attempt = 1;
      let when = at;
      // A fifth fail once, some of those twice; every invoice is paid in the end.
      let failures = random() < 0.2 ? (random() < 0.4 ? 2 : 1) : 0;
      while (failures-- > 0) {
        invoice(invoiceId, amount, false, attempt++, when);
        when += between(2 * DAY, 5 * DAY);
      }
      invoice(invoiceId, amount, true, attempt, when);
    }
    for (let day = from; day < to; day += DAY) {
      for (let f = 0; f < FEATURES; f++) {
        // Core features daily and busy, the long tail lighter.
        const count = 1 + Math.floor(random() * (f < 10 ? 400 : 40));
        generic(day + 20 * HOUR + f * 1000, "usage", {
          event: "feature_used",
          feature: `feature_${f}`,
          count,
        });
      }
    }
    generic(between(from, to), "nps", {
      score: 6 + Math.floor(random() * 5),
      comment: "Solid product, support could answer faster on urgent tickets.",
    });
    if (month % 3 === 0) {
      seats += Math.floor(random() * 11) - 3;
      const at = from + between(DAY, 5 * DAY);
      stripe(at, month === 0 ? "customer.subscription.created" : "customer.subscription.updated", {
        ...stripeSubscription({
          subscriptionId: customer.stripeSubscription,
          customerId: customer.stripeCustomer,
          status: "active",
          planName: "Scale",
          priceId: "price_scale_seat",
          productId: "prod_scale",
          unitAmount: 4_900,
          seats,
          createdAt: start,
          periodStart: from,
          periodEnd: to,
        }),
      });
    }
  }
  return out.filter((d) => d.at < end).sort((a, b) => a.at - b.at);

  function invoice(invoiceId: string, amount: number, paid: boolean, attempt: number, at: number) {
    stripe(at, paid ? "invoice.paid" : "invoice.payment_failed", {
      ...stripeInvoice({
        invoiceId,
        customerId: customer.stripeCustomer,
        subscriptionId: customer.stripeSubscription,
        email: "billing@heavy.example",
        amount,
        paid,
        attempt,
        periodStart: at,
        periodEnd: at + 30 * DAY,
        at,
        ...(paid ? {} : { nextAttemptAt: at + 3 * DAY }),
      }),
    });
  }

  function ticketTimeline(ticketId: number, openedAt: number) {
    const priorities = ["LOW", "NORMAL", "NORMAL", "HIGH", "URGENT"] as const;
    const ticket: ZendeskTicket = {
      ticketId,
      organizationId: customer.zendeskOrganization,
      requesterId: "411000001",
      subject: `Question ${ticketId} about exports`,
      description: "The nightly export to our warehouse stopped; can you have a look?",
      priority: priorities[Math.floor(random() * priorities.length)] as ZendeskTicket["priority"],
      status: "NEW",
      createdAt: openedAt,
    };
    const zendesk = (
      at: number,
      t: ZendeskTicket,
      change: Parameters<typeof zendeskTicketEvent>[3],
    ) =>
      out.push({
        at,
        provider: "zendesk",
        body: zendeskTicketEvent(nextId("zev_"), at, t, change),
        headers: {},
      });
    zendesk(openedAt, ticket, { kind: "created" });
    let at = openedAt;
    let current = ticket;
    if (random() < 0.3) {
      at += between(HOUR, 24 * HOUR);
      const priority = current.priority === "URGENT" ? "HIGH" : "URGENT";
      zendesk(
        at,
        { ...current, priority },
        {
          kind: "priority_changed",
          current: priority,
          previous: current.priority,
        },
      );
      current = { ...current, priority };
    }
    const comments = Math.floor(random() * 4);
    for (let c = 0; c < comments; c++) {
      at += between(HOUR, 12 * HOUR);
      zendesk(
        at,
        { ...current, status: "OPEN" },
        {
          kind: "comment_added",
          commentId: ticketId * 10 + c,
          body: "Still seeing this on our side, any update?",
          authorId: "411000001",
          staff: false,
        },
      );
    }
    const solve = (previous: string) => {
      at += between(2 * HOUR, 4 * DAY);
      zendesk(
        at,
        { ...current, status: "SOLVED" },
        {
          kind: "status_changed",
          current: "SOLVED",
          previous,
        },
      );
    };
    solve("OPEN");
    if (random() < 0.15) {
      at += between(DAY, 3 * DAY);
      zendesk(
        at,
        { ...current, status: "OPEN" },
        {
          kind: "status_changed",
          current: "OPEN",
          previous: "SOLVED",
        },
      );
      solve("OPEN");
    }
  }
}
