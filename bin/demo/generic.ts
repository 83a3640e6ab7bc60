/**
 * The demo's product backend, signing with Standard Webhooks (the generic webhook): daily
 * product usage shaped by the customer's story, onboarding milestones and an effort
 * score (CES).
 */
import type { CustomerContext, Thread } from "./context.ts";
import { FEATURES } from "./customers.ts";
import { genericEvent } from "./payloads.ts";

type GenericType = Parameters<typeof genericEvent>[0];

/** The act a day's product activity belongs to (Stark's comeback is part of the story). */
export function productUseAct(ctx: CustomerContext, d: number): Thread[] {
  return ctx.customer.story === "recovery" && d < 18 ? ctx.acts.trouble : ctx.acts.history;
}

/** How busy the customer is `d` days ago, relative to a normal working day. */
function activity(ctx: CustomerContext, d: number): number {
  const { customer: c, random } = ctx;
  const story = c.story;
  let factor = ctx.weekend(d) ? (random() < 0.25 ? 0.15 : 0) : 0.75 + random() * 0.5;
  const tenure = c.signupDaysAgo - d;
  if (tenure < 14) factor *= 0.3 + tenure * 0.05; // onboarding ramp
  if (story === "silent" && d < 21) factor = 0;
  if (story === "detractor" && d < 21) factor *= 0.2;
  if (story === "angry-tickets" && d < 8) factor = 0; // nobody can work during the outage
  if (story === "recovery" && d >= 18 && d <= 34) factor *= 0.3;
  if (story === "payment-failure" && d < 12) factor *= 0.5;
  if (story === "cancellation" && d < 25) factor *= 0.1;
  return factor;
}

/** One customer's product backend. */
export function genericTool(ctx: CustomerContext) {
  const { customer: c, run, at, random } = ctx;

  const send = (t: number, type: GenericType, data: Record<string, unknown>) =>
    ctx.delivery("generic", run.ids.webhookMessage(), t, type, genericEvent(type, t, c.id, data));

  /**
   * Product usage, day by day over the window: one usage event per active day, and on
   * each active day whatever else `onActiveDay` sends (the customer's Segment traffic).
   * Returns the most recent active day (days ago), if any.
   */
  const usage = (onActiveDay: (d: number) => void): number | undefined => {
    let lastActive: number | undefined;
    for (let d = ctx.firstDay; d >= 0; d--) {
      const factor = activity(ctx, d);
      const activeSeats = c.story === "contraction" && d < 20 ? 60 : c.seats;
      const count = Math.round(activeSeats * c.perSeat * factor);
      if (count === 0) continue;
      lastActive = Math.min(lastActive ?? d, d);
      const feature = FEATURES[d % c.featureCount]?.feature ?? "dashboards";
      const t = at(d, 0.5 + random());
      ctx.thread(productUseAct(ctx, d), send(t, "usage", { event: "actions", count, feature }));
      onActiveDay(d);
    }
    return lastActive;
  };

  /** Onboarding milestones (new customers) and one effort score. */
  const onboarding = () => {
    const { history } = ctx.acts;
    if (ctx.isNew) {
      const steps = ["account_created", "integration_connected", "team_invited", "first_report"];
      steps.forEach((name, i) => {
        const d = c.signupDaysAgo - i * 2;
        if (d >= 0) ctx.thread(history, send(at(d, 7), "milestone", { name }));
      });
    }
    const d = Math.min(ctx.firstDay, 10 + Math.floor(random() * 60));
    const score =
      c.story === "lukewarm" ? 3 + Math.floor(random() * 2) : 4 + Math.floor(random() * 4);
    ctx.thread(history, ces(at(d, 6), score));
  };

  /** A customer effort score (1-7). */
  const ces = (t: number, score: number) => send(t, "ces", { score });

  return { usage, onboarding, ces };
}

export type GenericTool = ReturnType<typeof genericTool>;
