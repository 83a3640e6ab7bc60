/**
 * Ties in time (issue 9 §7). Providers stamp events to the second (Stripe's `created`), so
 * two changes of one object often share a source time: a subscription created
 * `incomplete` and updated to `active` in the same second. The source time alone cannot
 * tell which came last; the object's lifecycle can. Each latest-value register carries a
 * rank, and among registers of equal source time the higher rank is the later state
 * (only then the event id, which is arbitrary but the same in every order).
 *
 * A rank says "this state can only come after that one within a moment". Values with no
 * lifecycle (an NPS answer, a plan name) share rank 0, and the event id decides.
 */
import type { SubscriptionStatus, TicketPriority } from "./signals.ts";

/**
 * Stripe's subscription lifecycle: `incomplete` → `trialing` → (`paused` →) `active` →
 * `past_due` → `unpaid` → `canceled`; `incomplete_expired` ends an incomplete one.
 * A recovery (past_due → active) takes a payment retry, hours or days later, never the
 * same second, so the forward order is the one that resolves a tie.
 */
const SUBSCRIPTION_LIFECYCLE: Readonly<Record<SubscriptionStatus, number>> = {
  incomplete: 1,
  trialing: 2,
  paused: 3,
  active: 4,
  past_due: 5,
  unpaid: 6,
  canceled: 7,
  incomplete_expired: 7,
};

/**
 * The rank of a subscription state: its status, and within a status, a cancellation
 * scheduled for the period end after none (it is only ever set on a live subscription).
 * Also the rank of the month's MRR register the same signal sets, so that MRR and status
 * resolve a tie to the same event.
 */
export function subscriptionRank(status: SubscriptionStatus, cancelAtPeriodEnd: boolean): number {
  return SUBSCRIPTION_LIFECYCLE[status] * 2 + (cancelAtPeriodEnd ? 1 : 0);
}

/** Ticket changes, as the register records them: how a ticket's status moves. */
export type TicketChange = "opened" | "solved" | "reopened";

/**
 * A ticket is opened (new, open, pending, on hold), then solved (or closed), and only a
 * solved ticket can be reopened: in the same second, a reopen is the last word.
 */
const TICKET_LIFECYCLE: Readonly<Record<TicketChange, number>> = {
  opened: 1,
  solved: 2,
  reopened: 3,
};

export const ticketRank = (change: TicketChange): number => TICKET_LIFECYCLE[change];

/**
 * Priority has no lifecycle; a tie keeps the more severe level, so that an escalation is
 * never hidden by a same-second change that says less.
 */
const PRIORITY_SEVERITY: Readonly<Record<TicketPriority, number>> = {
  low: 1,
  normal: 2,
  high: 3,
  urgent: 4,
};

export const priorityRank = (priority: TicketPriority): number => PRIORITY_SEVERITY[priority];

/**
 * A payment attempt fails, is retried (attempt 2, 3, …) and finally succeeds: a success
 * outranks every failure, a later attempt an earlier one.
 */
export function paymentRank(outcome: "failed" | "succeeded", attempt = 1): number {
  return outcome === "succeeded" ? Number.MAX_SAFE_INTEGER : attempt;
}
