/**
 * The demo's stories: what goes wrong (or right) for a few customers, told through the
 * tools' generators in the order it happened. Most of it lands in the trouble act (the
 * last three weeks); the recovery's bad month before it is history.
 */
import type { CustomerContext } from "./context.ts";
import type { GenericTool } from "./generic.ts";
import type { StripeTool } from "./stripe.ts";
import type { typeformTool } from "./typeform.ts";
import type { ZendeskTool } from "./zendesk.ts";

export interface Tools {
  readonly stripe: StripeTool;
  readonly zendesk: ZendeskTool;
  readonly typeform: ReturnType<typeof typeformTool>;
  readonly generic: GenericTool;
}

/** Sends the customer's story, if it has one that needs more than its usage pattern. */
export function tellStory(ctx: CustomerContext, tools: Tools): void {
  const { at, thread } = ctx;
  const { history, trouble } = ctx.acts;
  const { stripe, zendesk, typeform, generic } = tools;
  switch (ctx.customer.story) {
    case "payment-failure": {
      // The card on file is declined at renewal; after the last retry Stripe marks the
      // subscription unpaid. Their admin writes to support in the middle of it.
      const invoiceId = stripe.newInvoiceId();
      thread(
        trouble,
        stripe.subscription("customer.subscription.updated", at(8, 9), "past_due", 8, {
          previous: { status: "active", current_period_end: Math.floor(at(8) / 1000) },
        }),
        stripe.subscription("customer.subscription.updated", at(2, 8), "unpaid", 8, {
          previous: { status: "past_due" },
        }),
      );
      thread(
        trouble,
        stripe.invoice(invoiceId, 8, at(8, 9) + 60_000, false, 1, at(5, 9)),
        stripe.invoice(invoiceId, 8, at(5, 9), false, 2, at(2, 9)),
        stripe.invoice(invoiceId, 8, at(2, 9), false, 3),
      );
      const tk = zendesk.ticket(
        4,
        "Card declined",
        "Our card keeps getting declined and we cannot update the payment details. Frustrating, please help.",
        "HIGH",
      );
      thread(trouble, zendesk.created(at(4, 3), tk));
      break;
    }
    case "detractor": {
      const tk = zendesk.ticket(
        9,
        "Exports keep failing",
        "Our exports keep failing and the reports are slow.",
        "HIGH",
      );
      thread(
        trouble,
        zendesk.created(at(9, 3), tk),
        zendesk.comment(at(8, 2), tk, "Still failing. Really frustrating, we lost a day of work."),
      );
      thread(
        trouble,
        typeform.survey(at(6, 4), {
          nps: 2,
          comment:
            "Reporting is slow and exports keep breaking. Frustrating. We are evaluating alternatives.",
          csat: 1,
        }),
      );
      thread(trouble, generic.ces(at(5, 6), 2));
      break;
    }
    case "angry-tickets": {
      const a = zendesk.ticket(
        6,
        "Sync broken, team blocked",
        "The sync has been broken since this morning and our whole team is blocked. This is unacceptable.",
        "HIGH",
      );
      thread(
        trouble,
        zendesk.created(at(6, 3), a),
        zendesk.statusChange(at(6, 2), a, "NEW", "OPEN"),
        zendesk.priorityChange(at(5, 8), a, "HIGH", "URGENT"),
        zendesk.comment(
          at(5, 7),
          { ...a, priority: "URGENT" },
          "Still broken. Nobody has replied in 24 hours, this is a terrible experience and production is down.",
        ),
      );
      const b = zendesk.ticket(
        4,
        "Exports failing for every user",
        "Urgent: exports are failing for every user and our board meeting is tomorrow. Really frustrating.",
        "URGENT",
      );
      thread(trouble, zendesk.created(at(4, 3), b));
      const c = zendesk.ticket(
        3,
        "Dashboards fail to load",
        "Dashboards fail to load again. Really frustrating, we lost a full day of work.",
        "HIGH",
      );
      thread(
        trouble,
        zendesk.created(at(3, 3), c),
        zendesk.statusChange(at(2, 5), c, "OPEN", "SOLVED"),
        zendesk.statusChange(at(1, 6), c, "SOLVED", "OPEN"),
        zendesk.comment(
          at(1, 5),
          c,
          "It is broken again. This is ridiculous and we are seriously considering cancelling.",
        ),
      );
      thread(trouble, typeform.survey(at(2, 2), { csat: 1 }));
      thread(
        trouble,
        typeform.survey(at(1, 4), { nps: 3, comment: "Outage after outage, and nobody answers." }),
      );
      break;
    }
    case "recovery": {
      const x = zendesk.ticket(
        30,
        "Data import failing",
        "The nightly data import has failed three nights in a row. This is unacceptable for a paid product.",
        "URGENT",
      );
      const y = zendesk.ticket(
        27,
        "SSO login broken for all users",
        "Nobody can log in with SSO since the update. Terrible timing, we are furious.",
        "HIGH",
      );
      thread(
        history,
        zendesk.created(at(30, 3), x),
        zendesk.comment(
          at(29, 3),
          x,
          "Still failing. Nobody has replied, this is a terrible experience.",
        ),
      );
      thread(history, zendesk.created(at(27, 3), y));
      thread(
        history,
        typeform.survey(at(24, 5), {
          nps: 3,
          comment: "Too many outages lately, we are frustrated.",
        }),
      );
      // The turnaround: the card is fixed, both tickets are solved, people come back.
      thread(
        trouble,
        stripe.subscription("customer.subscription.updated", at(18, 9), "active", 28, {
          previous: { status: "past_due" },
        }),
      );
      thread(
        trouble,
        zendesk.statusChange(at(16, 4), x, "OPEN", "SOLVED"),
        zendesk.comment(
          at(16, 3),
          x,
          "Thanks so much, the fix works perfectly and the team is happy again!",
        ),
      );
      thread(
        trouble,
        zendesk.statusChange(at(15, 4), y, "OPEN", "SOLVED"),
        zendesk.comment(at(15, 3), y, "Great support, thank you for the quick help."),
      );
      thread(
        trouble,
        typeform.survey(at(4, 5), {
          nps: 9,
          comment: "Support turned it around, thanks! Really impressed with the new sync.",
        }),
      );
      break;
    }
    case "cancellation": {
      thread(
        trouble,
        typeform.survey(at(5, 5), { nps: 4, comment: "Too expensive for what we use." }),
      );
      const tk = zendesk.ticket(
        4,
        "Exporting our data",
        "How do we export all our data? We are moving to another tool at the end of the month.",
        "NORMAL",
      );
      thread(trouble, zendesk.created(at(4, 3), tk));
      thread(
        trouble,
        stripe.subscription("customer.subscription.updated", at(3, 9), "active", 18, {
          cancelAtPeriodEnd: true,
          previous: { cancel_at_period_end: false },
        }),
      );
      break;
    }
    default:
      break;
  }
}
