/**
 * The demo's Zendesk (ticket event webhooks): a few ordinary tickets per customer, opened,
 * sometimes followed up, solved and thanked for; the story scripts use `ticket`,
 * `created`, `comment`, `statusChange` and `priorityChange` for the angry ones.
 */
import type { CustomerContext } from "./context.ts";
import { type ZendeskChange, type ZendeskTicket, zendeskTicketEvent } from "./payloads.ts";

const NEUTRAL_TICKETS = [
  [
    "How do I add a new user?",
    "How do I add a new user to our workspace? The invite button is greyed out.",
  ],
  ["Invoice address change", "Could you update the billing address on our next invoice?"],
  ["SSO setup question", "Can you help us set up SSO for our team?"],
  ["API pagination", "The API returns an error when we paginate large reports."],
  ["Export to CSV", "Is there a way to export the weekly report to CSV automatically?"],
  [
    "Dashboard permissions",
    "Some viewers can see dashboards they should not. How do permissions work?",
  ],
  ["Webhook retries", "Our webhook endpoint was down for an hour. Will the events be resent?"],
] as const;
const FOLLOW_UPS = [
  "Any update on this?",
  "Adding a screenshot of what we see.",
  "We tried that, same result.",
] as const;
const THANKS = [
  "Thanks, that worked!",
  "Great support, thank you for the quick help.",
  "Perfect, thanks a lot.",
] as const;

/** The Zendesk organization of the customer at `index` in CUSTOMERS. */
export const zendeskOrgId = (index: number) => String(360_041_000_000 + (index + 1) * 1117);

/** One customer's Zendesk organization. */
export function zendeskTool(ctx: CustomerContext) {
  const { run, at, random } = ctx;
  const orgId = zendeskOrgId(ctx.index);

  /** A new ticket opened `d` days ago (no event yet: `created` sends one). */
  const ticket = (
    d: number,
    subject: string,
    description: string,
    priority: ZendeskTicket["priority"],
  ): ZendeskTicket => {
    const n = run.nextTicketNumber();
    return {
      ticketId: run.runNumber * 1000 + n,
      organizationId: orgId,
      requesterId: String(9_100_000_000 + ctx.index * 100 + (n % 100)),
      subject,
      description,
      priority,
      status: "NEW",
      createdAt: at(d, 3),
    };
  };
  const event = (t: number, tk: ZendeskTicket, change: ZendeskChange) => {
    const id = run.ids.zendeskEvent();
    const label = `ticket.${change.kind}`;
    return ctx.delivery("zendesk", id, t, label, zendeskTicketEvent(id, t, tk, change));
  };
  const created = (t: number, tk: ZendeskTicket) => event(t, tk, { kind: "created" });
  /** A comment by the requester. */
  const comment = (t: number, tk: ZendeskTicket, body: string) =>
    event(t, tk, {
      kind: "comment_added",
      commentId: Math.floor(random() * 1e10),
      body,
      authorId: tk.requesterId,
      staff: false,
    });
  const statusChange = (t: number, tk: ZendeskTicket, previous: string, current: string) =>
    event(
      t,
      { ...tk, status: current as ZendeskTicket["status"] },
      { kind: "status_changed", current, previous },
    );
  const priorityChange = (t: number, tk: ZendeskTicket, previous: string, current: string) =>
    event(
      t,
      { ...tk, priority: current as ZendeskTicket["priority"] },
      { kind: "priority_changed", current, previous },
    );

  /** A few ordinary tickets; `afterSolved` hears the day each was solved (for a CSAT). */
  const ordinaryTickets = (afterSolved: (solvedDay: number) => void) => {
    const { customer: c } = ctx;
    const ticketCount =
      c.story === "lukewarm"
        ? random() < 0.5
          ? 1
          : 0
        : 1 + Math.floor(random() * (1 + c.seats / 50));
    for (let i = 0; i < Math.min(3, ticketCount); i++) {
      const d = Math.min(ctx.firstDay, 8 + Math.floor(random() * 75));
      const [subject, text] = ctx.pick(NEUTRAL_TICKETS);
      const priority = random() < 0.15 ? "HIGH" : random() < 0.2 ? "LOW" : "NORMAL";
      const tk = ticket(d, subject, text, priority);
      const events = [created(at(d, 3), tk), statusChange(at(d, 2), tk, "NEW", "OPEN")];
      if (random() < 0.4) events.push(comment(at(d, 1), tk, ctx.pick(FOLLOW_UPS)));
      const solvedDay = d - 1 - Math.floor(random() * 3);
      events.push(statusChange(at(solvedDay, 4), tk, "OPEN", "SOLVED"));
      if (random() < 0.4) events.push(comment(at(solvedDay, 3), tk, ctx.pick(THANKS)));
      ctx.thread(ctx.acts.history, ...events);
      afterSolved(solvedDay);
    }
  };

  return { orgId, ticket, created, comment, statusChange, priorityChange, ordinaryTickets };
}

export type ZendeskTool = ReturnType<typeof zendeskTool>;
