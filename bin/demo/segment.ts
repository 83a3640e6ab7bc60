/**
 * The demo's Segment (Classic webhook destination): feature `track` events and `page`
 * views on active days, and the customer's profile (`group` with its seats, `identify`
 * for its people).
 */
import type { CustomerContext } from "./context.ts";
import { FEATURES } from "./customers.ts";
import { productUseAct } from "./generic.ts";
import { segmentGroup, segmentIdentify, segmentPage, segmentTrack } from "./payloads.ts";

/** One customer's Segment source. */
export function segmentTool(ctx: CustomerContext) {
  const { customer: c, run, at, random } = ctx;
  // The first user's group calls teach the alias that resolves page views.
  const firstUser = () => (ctx.users[0] as { userId: string }).userId;
  const feature = () => FEATURES[Math.floor(random() * c.featureCount)] ?? FEATURES[0];

  const track = (t: number) => {
    const f = feature();
    const id = run.ids.segmentMessage();
    const props = { feature: f.feature, count: 1 + Math.floor(random() * 6) };
    const body = segmentTrack(id, t, ctx.user().userId, c.id, f.event, props);
    return ctx.delivery("segment", id, t, "track", body);
  };
  const page = (t: number) => {
    const f = feature();
    const id = run.ids.segmentMessage();
    return ctx.delivery("segment", id, t, "page", segmentPage(id, t, firstUser(), f.path, f.event));
  };
  const group = (t: number, seats: number) => {
    const id = run.ids.segmentMessage();
    const traits = { name: c.name, plan: c.plan, seats, owner: c.owner, industry: c.industry };
    return ctx.delivery("segment", id, t, "group", segmentGroup(id, t, firstUser(), c.id, traits));
  };
  const identify = (t: number) => {
    const u = ctx.user();
    const id = run.ids.segmentMessage();
    const traits = {
      email: u.email,
      name: u.name,
      title: u.title,
      company: { name: c.name, plan: c.plan },
    };
    return ctx.delivery("segment", id, t, "identify", segmentIdentify(id, t, u.userId, traits));
  };

  /** An active day's traffic: about one track a week per customer, a page view now and then. */
  const activeDay = (d: number) => {
    if (random() < (c.story === "lukewarm" ? 0.08 : 0.2)) {
      ctx.thread(productUseAct(ctx, d), track(at(d, 2 + random() * 6)));
    }
    if (random() < 0.06) ctx.thread(productUseAct(ctx, d), page(at(d, 1 + random() * 8)));
  };

  /** Who the customer is: two `group` calls (the last on its last active day), two `identify`. */
  const profile = (lastActive: number | undefined) => {
    const seatsAt = (d: number) => (c.story === "contraction" && d < 20 ? 60 : c.seats);
    const groupDays = [Math.min(ctx.firstDay, 60 + Math.floor(random() * 20)), lastActive ?? 30];
    for (const d of groupDays) ctx.thread(productUseAct(ctx, d), group(at(d, 4), seatsAt(d)));
    for (let i = 0; i < 2; i++) {
      const d = Math.min(ctx.firstDay, 20 + Math.floor(random() * 60));
      if (!(c.story === "silent" && d < 21)) ctx.thread(productUseAct(ctx, d), identify(at(d, 5)));
    }
  };

  return { activeDay, profile };
}
