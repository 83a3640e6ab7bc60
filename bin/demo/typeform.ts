/**
 * The demo's Typeform: the quarterly NPS survey and the CSAT question after a solved
 * ticket. Half the customers' forms carry the account id as a hidden field, the others the
 * respondent's email (resolved through the email-domain alias).
 */
import { createHash } from "node:crypto";
import type { CustomerContext, Delivery, RunContext } from "./context.ts";
import { type TypeformAnswers, typeformResponse } from "./payloads.ts";

const PRAISE = [
  "The reports save us hours every week.",
  "Great product, the team loves the dashboards.",
  "Reliable and easy to use.",
] as const;

/** Typeform's response token: derived from the response id, so reruns match. */
const tokenFor = (id: string) => createHash("md5").update(id).digest("hex");

/** One customer's survey responses. */
export function typeformTool(ctx: CustomerContext) {
  const { customer: c, run, at, random } = ctx;

  const survey = (t: number, answers: TypeformAnswers) => {
    const id = run.ids.typeformEvent();
    const hidden = ctx.index % 2 === 0 ? { account_id: c.id } : { email: ctx.user().email };
    const body = typeformResponse(id, tokenFor(id), t, hidden, answers);
    return ctx.delivery("typeform", id, t, "form_response", body);
  };

  /** The quarterly NPS survey (the detractor's comes in its story, the recovery's is set). */
  const nps = () => {
    const { story } = c;
    if (story === "recovery") {
      ctx.thread(ctx.acts.history, survey(at(62, 5), { nps: 8 }));
      return;
    }
    if (story === "detractor") return;
    const d = Math.min(ctx.firstDay, 25 + Math.floor(random() * 55));
    const roll = random();
    const score =
      story === "lukewarm" || roll < 0.1
        ? 6 + Math.floor(random() * 2)
        : roll < 0.55 && story !== "payment-failure"
          ? 9 + Math.floor(random() * 2)
          : 7 + Math.floor(random() * 2);
    const answers =
      score >= 9 && random() < 0.5 ? { nps: score, comment: ctx.pick(PRAISE) } : { nps: score };
    ctx.thread(ctx.acts.history, survey(at(d, 5), answers));
  };

  /** Half the time, a CSAT answer the day after a ticket was solved. */
  const afterSolvedTicket = (solvedDay: number) => {
    if (random() >= 0.5) return;
    const csat = c.story === "lukewarm" ? 3 : 4 + Math.floor(random() * 2);
    ctx.thread(ctx.acts.history, survey(at(solvedDay - 1, 6), { csat }));
  };

  return { survey, nps, afterSolvedTicket };
}

/** A survey answered by a prospect whose domain is nobody's: it stays unmatched. */
export function strangerSurvey(run: RunContext, t: number, domain: string): Delivery {
  const id = run.ids.typeformEvent();
  const body = typeformResponse(id, tokenFor(id), t, { email: `priya@${domain}` }, { nps: 7 });
  return {
    provider: "typeform",
    eventId: id,
    body: JSON.stringify(body),
    at: t,
    accountId: "(unknown)",
    label: "form_response",
  };
}
