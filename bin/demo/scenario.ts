/**
 * Ninety days of the 30 demo customers' lives, as the tools would have sent them: a
 * deterministic (seeded) list of signed-to-be webhook deliveries, grouped into threads
 * (one ticket's events, one invoice's attempts, one subscription's updates) that are sent
 * in order, each thread after the other, several threads at a time.
 *
 * The scenario is split in acts because the system scores "now": every score is computed
 * at the moment the aggregates change, from everything received so far.
 * - connect: the Stripe customer events that teach the `cus_…` → account aliases, and the
 *   Zendesk organizations and email domains the CS team maps by hand;
 * - history: 90 days of ordinary activity, one customer after the other, its recent weeks
 *   and current state first, so that each customer's first score already reflects them
 *   instead of a single day from 90 days ago;
 * - trouble: what went wrong (or right) in the last three weeks, in the order it happened,
 *   so the alerts it causes are the ones a CS team would have seen;
 * - late mapping: two Zendesk organizations mapped only now, applying their waiting tickets.
 * Delivery order does not change the final result (counters are commutative and "latest"
 * fields carry their source time): the acts only make the alerts along the way meaningful.
 */
import { createHash } from "node:crypto";
import { seededRandom } from "../../bench/report.ts";
import type { Provider as Source } from "../../functions/webhook/providers/registry.ts";
import { CUSTOMERS, type Customer, FEATURES, SEAT_PRICE } from "./customers.ts";
import {
  genericEvent,
  segmentGroup,
  segmentIdentify,
  segmentPage,
  segmentTrack,
  stripeCustomer,
  stripeEvent,
  stripeInvoice,
  stripeSubscription,
  type TypeformAnswers,
  typeformResponse,
  type ZendeskChange,
  type ZendeskTicket,
  zendeskTicketEvent,
} from "./payloads.ts";

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
export const WINDOW_DAYS = 90;

/** One webhook as a tool sends it; signed when it is sent. */
export interface Delivery {
  readonly provider: Source;
  /** The tool's event id (for Standard Webhooks, the `webhook-id` header). */
  readonly eventId: string;
  /** The exact bytes to sign and send. */
  readonly body: string;
  /** Source time of the event (not the signature time, which is "now"). */
  readonly at: number;
  readonly accountId: string;
  /** What it is, e.g. `invoice.payment_failed`. */
  readonly label: string;
  /** A resend of an earlier delivery: same id, same bytes. */
  readonly duplicate?: boolean;
}

/** Deliveries sent one after the other (e.g. one ticket's events). */
export interface Thread {
  readonly deliveries: Delivery[];
}

/** Body of PUT /accounts/{id}/aliases. */
export interface AliasRequest {
  readonly accountId: string;
  readonly body: { zendesk?: string[]; domains?: string[] };
}

export interface Scenario {
  readonly now: number;
  readonly customers: readonly Customer[];
  readonly connect: readonly Thread[];
  readonly aliases: readonly AliasRequest[];
  /** One block per customer, sent one customer after the other. */
  readonly history: readonly (readonly Thread[])[];
  readonly trouble: readonly Thread[];
  readonly lateAliases: readonly AliasRequest[];
  /** A survey from a prospect whose domain is nobody's: it stays unmatched. */
  readonly strangerDomain: string;
}

export interface ScenarioOptions {
  /** "Now": the end of the 90 days. */
  readonly now: number;
  readonly seed?: number;
  /** Goes into every tool id, so a second run against the same stack is new activity. */
  readonly runTag: string;
  /** Share of deliveries resent (same id and body). */
  readonly duplicateRate?: number;
  /** Share of multi-event threads with two adjacent events swapped. */
  readonly swapRate?: number;
}

const FIRST_NAMES = [
  "Ana",
  "Ben",
  "Chen",
  "Dana",
  "Eli",
  "Fatima",
  "Grace",
  "Hugo",
  "Ines",
  "Jamal",
  "Kira",
  "Leo",
  "Mina",
  "Noah",
  "Olga",
  "Priya",
  "Quinn",
  "Rosa",
  "Sam",
  "Tariq",
  "Uma",
  "Vik",
];
const TITLES = ["Head of Operations", "Data Analyst", "Engineering Manager", "COO", "Team Lead"];

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
const PRAISE = [
  "The reports save us hours every week.",
  "Great product, the team loves the dashboards.",
  "Reliable and easy to use.",
] as const;

/** Deterministic tool ids, unique per run. */
class Ids {
  private n = 0;
  constructor(private readonly tag: string) {}
  private next() {
    this.n += 1;
    return `${this.tag}${this.n.toString(36).padStart(5, "0")}`;
  }
  stripeEvent = () => `evt_1${this.next()}`;
  zendeskEvent = () => {
    const h = createHash("sha1").update(`zendesk:${this.next()}`).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  typeformEvent = () => `LtW${this.next()}`;
  segmentMessage = () => `ajs-next-${this.next()}`;
  webhookMessage = () => `msg_${this.next()}`;
  object = (prefix: string) => `${prefix}_${this.next()}`;
}

/** Builds the whole scenario; the same options always give the same deliveries. */
export function buildScenario(options: ScenarioOptions): Scenario {
  const { now, runTag } = options;
  const random = seededRandom(options.seed ?? 20_261_122);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const ids = new Ids(runTag);
  /** `d` days and `h` hours before now. */
  const at = (d: number, h = 0) => now - d * DAY_MS - h * HOUR_MS;
  const weekend = (d: number) => {
    const day = new Date(at(d, 6)).getUTCDay();
    return day === 0 || day === 6;
  };

  const connect: Thread[] = [];
  const aliases: AliasRequest[] = [];
  const lateAliases: AliasRequest[] = [];
  const history: Thread[] = [];
  const trouble: Thread[] = [];
  const json = (value: unknown) => JSON.stringify(value);
  // A numeric part unique to this run, for Zendesk's numeric ticket ids.
  const runNumber = Number.parseInt(
    createHash("sha1").update(runTag).digest("hex").slice(0, 6),
    16,
  );
  let ticketNumber = 0;

  for (const [index, c] of CUSTOMERS.entries()) {
    const story = c.story;
    const isNew = c.signupDaysAgo <= WINDOW_DAYS;
    const orgId = String(360_041_000_000 + (index + 1) * 1117);
    const customerId = ids.object("cus");
    const subscriptionId = ids.object("sub");
    const priceId = `price_${c.plan.toLowerCase()}_seat_monthly`;
    const productId = `prod_${c.plan.toLowerCase()}`;
    const billingEmail = `billing@${c.domain}`;
    const users = Array.from({ length: 3 }, () => {
      const first = pick(FIRST_NAMES);
      return {
        userId: `u_${Math.floor(random() * 36 ** 8)
          .toString(36)
          .padStart(8, "0")}`,
        name: `${first} ${c.name.split(" ")[0]}`,
        email: `${first.toLowerCase()}@${c.domain}`,
        title: pick(TITLES),
      };
    });
    const user = () => pick(users);
    const thread = (act: Thread[], ...deliveries: Delivery[]) => {
      act.push({ deliveries });
    };
    const delivery = (
      provider: Source,
      eventId: string,
      t: number,
      label: string,
      body: unknown,
    ): Delivery => ({ provider, eventId, body: json(body), at: t, accountId: c.id, label });

    const stripe = (
      type: string,
      t: number,
      object: Record<string, unknown>,
      previous?: Record<string, unknown>,
    ) => {
      const id = ids.stripeEvent();
      return delivery("stripe", id, t, type, stripeEvent(id, type, t, object, previous));
    };

    // -- builders bound to this customer ------------------------------------------------
    const usage = (t: number, count: number, feature: string) =>
      delivery(
        "generic",
        ids.webhookMessage(),
        t,
        "usage",
        genericEvent("usage", t, c.id, { event: "actions", count, feature }),
      );
    const generic = (t: number, type: "milestone" | "ces", data: Record<string, unknown>) =>
      delivery("generic", ids.webhookMessage(), t, type, genericEvent(type, t, c.id, data));
    const track = (t: number) => {
      const f = FEATURES[Math.floor(random() * c.featureCount)] ?? FEATURES[0];
      const id = ids.segmentMessage();
      const props = { feature: f.feature, count: 1 + Math.floor(random() * 6) };
      return delivery(
        "segment",
        id,
        t,
        "track",
        segmentTrack(id, t, user().userId, c.id, f.event, props),
      );
    };
    const page = (t: number) => {
      const f = FEATURES[Math.floor(random() * c.featureCount)] ?? FEATURES[0];
      const id = ids.segmentMessage();
      // The first user's group calls teach the alias that resolves these.
      const userId = (users[0] as { userId: string }).userId;
      return delivery("segment", id, t, "page", segmentPage(id, t, userId, f.path, f.event));
    };
    const group = (t: number, seats: number) => {
      const id = ids.segmentMessage();
      const traits = { name: c.name, plan: c.plan, seats, owner: c.owner, industry: c.industry };
      const userId = (users[0] as { userId: string }).userId;
      return delivery("segment", id, t, "group", segmentGroup(id, t, userId, c.id, traits));
    };
    const identify = (t: number) => {
      const u = user();
      const id = ids.segmentMessage();
      const traits = {
        email: u.email,
        name: u.name,
        title: u.title,
        company: { name: c.name, plan: c.plan },
      };
      return delivery("segment", id, t, "identify", segmentIdentify(id, t, u.userId, traits));
    };
    const survey = (t: number, answers: TypeformAnswers) => {
      const id = ids.typeformEvent();
      const hidden = index % 2 === 0 ? { account_id: c.id } : { email: user().email };
      const token = createHash("md5").update(id).digest("hex");
      return delivery(
        "typeform",
        id,
        t,
        "form_response",
        typeformResponse(id, token, t, hidden, answers),
      );
    };
    let seats = c.seats;
    const subscription = (
      type: string,
      t: number,
      status: "active" | "past_due" | "unpaid",
      renewedDaysAgo: number,
      extra: { cancelAtPeriodEnd?: boolean; previous?: Record<string, unknown> } = {},
    ) =>
      stripe(
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
    const invoice = (
      invoiceId: string,
      renewedDaysAgo: number,
      t: number,
      paid: boolean,
      attempt: number,
      nextAttemptAt?: number,
    ) => {
      const type = paid ? "invoice.paid" : "invoice.payment_failed";
      return stripe(
        type,
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
    };
    const ticket = (
      d: number,
      subject: string,
      description: string,
      priority: ZendeskTicket["priority"],
    ): ZendeskTicket => ({
      ticketId: runNumber * 1000 + ++ticketNumber,
      organizationId: orgId,
      requesterId: String(9_100_000_000 + index * 100 + (ticketNumber % 100)),
      subject,
      description,
      priority,
      status: "NEW",
      createdAt: at(d, 3),
    });
    const zendesk = (t: number, tk: ZendeskTicket, change: ZendeskChange) => {
      const id = ids.zendeskEvent();
      const label = `ticket.${change.kind}`;
      return delivery("zendesk", id, t, label, zendeskTicketEvent(id, t, tk, change));
    };
    const comment = (t: number, tk: ZendeskTicket, body: string) =>
      zendesk(t, tk, {
        kind: "comment_added",
        commentId: Math.floor(random() * 1e10),
        body,
        authorId: tk.requesterId,
        staff: false,
      });
    const statusChange = (t: number, tk: ZendeskTicket, previous: string, current: string) =>
      zendesk(
        t,
        { ...tk, status: current as ZendeskTicket["status"] },
        {
          kind: "status_changed",
          current,
          previous,
        },
      );
    const priorityChange = (t: number, tk: ZendeskTicket, previous: string, current: string) =>
      zendesk(
        t,
        { ...tk, priority: current as ZendeskTicket["priority"] },
        {
          kind: "priority_changed",
          current,
          previous,
        },
      );

    // -- connecting the tools -------------------------------------------------------------
    // New customers arrive through Stripe's customer.created; existing ones get their
    // account id added to the Stripe customer's metadata (customer.updated) at the start.
    const stripeCust = stripeCustomer({
      customerId,
      accountId: c.id,
      name: c.name,
      email: billingEmail,
      createdAt: at(c.signupDaysAgo),
    });
    const connectAt = isNew ? at(c.signupDaysAgo) : at(WINDOW_DAYS);
    const connectType = isNew ? "customer.created" : "customer.updated";
    thread(
      connect,
      stripe(connectType, connectAt, stripeCust, isNew ? undefined : { metadata: {} }),
    );
    (c.lateZendeskMapping ? lateAliases : aliases).push({
      accountId: c.id,
      body: c.lateZendeskMapping ? { zendesk: [orgId] } : { zendesk: [orgId], domains: [c.domain] },
    });
    if (c.lateZendeskMapping) aliases.push({ accountId: c.id, body: { domains: [c.domain] } });

    // -- product usage ----------------------------------------------------------------------
    /** The act a day's product activity belongs to (Stark's comeback is part of the story). */
    const usageAct = (d: number) => (story === "recovery" && d < 18 ? trouble : history);
    const firstDay = Math.min(WINDOW_DAYS - 1, c.signupDaysAgo);
    let lastActive: number | undefined;
    for (let d = firstDay; d >= 0; d--) {
      let factor = weekend(d) ? (random() < 0.25 ? 0.15 : 0) : 0.75 + random() * 0.5;
      const tenure = c.signupDaysAgo - d;
      if (tenure < 14) factor *= 0.3 + tenure * 0.05; // onboarding ramp
      if (story === "silent" && d < 21) factor = 0;
      if (story === "detractor" && d < 21) factor *= 0.2;
      if (story === "angry-tickets" && d < 8) factor = 0; // nobody can work during the outage
      if (story === "recovery" && d >= 18 && d <= 34) factor *= 0.3;
      if (story === "payment-failure" && d < 12) factor *= 0.5;
      if (story === "cancellation" && d < 25) factor *= 0.1;
      const activeSeats = story === "contraction" && d < 20 ? 60 : c.seats;
      const count = Math.round(activeSeats * c.perSeat * factor);
      if (count === 0) continue;
      lastActive = Math.min(lastActive ?? d, d);
      const feature = FEATURES[d % c.featureCount]?.feature ?? "dashboards";
      thread(usageAct(d), usage(at(d, 0.5 + random()), count, feature));
      // About one Segment track a week per customer, and a page view now and then.
      if (random() < (story === "lukewarm" ? 0.08 : 0.2)) {
        thread(usageAct(d), track(at(d, 2 + random() * 6)));
      }
      if (random() < 0.06) thread(usageAct(d), page(at(d, 1 + random() * 8)));
    }

    // -- Segment profile: who the customer is -----------------------------------------------
    const seatsAt = (d: number) => (story === "contraction" && d < 20 ? 60 : c.seats);
    const groupDays = [Math.min(firstDay, 60 + Math.floor(random() * 20)), lastActive ?? 30];
    for (const d of groupDays) thread(usageAct(d), group(at(d, 4), seatsAt(d)));
    for (let i = 0; i < 2; i++) {
      const d = Math.min(firstDay, 20 + Math.floor(random() * 60));
      if (!(story === "silent" && d < 21)) thread(usageAct(d), identify(at(d, 5)));
    }

    // -- onboarding milestones (new customers) and an effort score --------------------------
    if (isNew) {
      const steps = ["account_created", "integration_connected", "team_invited", "first_report"];
      steps.forEach((name, i) => {
        const d = c.signupDaysAgo - i * 2;
        if (d >= 0) thread(history, generic(at(d, 7), "milestone", { name }));
      });
    }
    {
      const d = Math.min(firstDay, 10 + Math.floor(random() * 60));
      const score =
        story === "lukewarm" ? 3 + Math.floor(random() * 2) : 4 + Math.floor(random() * 4);
      thread(history, generic(at(d, 6), "ces", { score }));
    }

    // -- Stripe: subscription renewals every 30 days, each with its invoice -------------------
    const renewals: number[] = [];
    for (let d = c.signupDaysAgo % 30; d <= Math.min(c.signupDaysAgo, WINDOW_DAYS); d += 30) {
      renewals.push(d);
    }
    renewals.sort((a, b) => b - a); // oldest first
    const subThread: Delivery[] = [];
    for (const d of renewals) {
      const t = at(d, 9);
      if (story === "payment-failure" && d === 8) continue; // told in the trouble act
      if (story === "contraction" && d < 20) seats = c.seats;
      if (isNew && d === c.signupDaysAgo) {
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
      const invoiceId = ids.object("in");
      if (story === "recovery" && d === 28) {
        // Two failed attempts now; the third succeeds in the trouble act.
        thread(
          history,
          invoice(invoiceId, d, at(d, 9) + 60_000, false, 1, at(d - 3, 9)),
          invoice(invoiceId, d, at(d - 3, 9), false, 2, at(d - 10, 9)),
        );
        thread(trouble, invoice(invoiceId, d, at(d - 10, 9), true, 3));
      } else {
        thread(history, invoice(invoiceId, d, at(d, 9) + 60_000, true, 1));
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

    // -- Zendesk: a few ordinary tickets --------------------------------------------------------
    const ticketCount =
      story === "lukewarm"
        ? random() < 0.5
          ? 1
          : 0
        : 1 + Math.floor(random() * (1 + c.seats / 50));
    for (let i = 0; i < Math.min(3, ticketCount); i++) {
      const d = Math.min(firstDay, 8 + Math.floor(random() * 75));
      const [subject, text] = pick(NEUTRAL_TICKETS);
      const priority = random() < 0.15 ? "HIGH" : random() < 0.2 ? "LOW" : "NORMAL";
      const tk = ticket(d, subject, text, priority);
      const events = [
        zendesk(at(d, 3), tk, { kind: "created" }),
        statusChange(at(d, 2), tk, "NEW", "OPEN"),
      ];
      if (random() < 0.4) events.push(comment(at(d, 1), tk, pick(FOLLOW_UPS)));
      const solvedDay = d - 1 - Math.floor(random() * 3);
      events.push(statusChange(at(solvedDay, 4), tk, "OPEN", "SOLVED"));
      if (random() < 0.4) events.push(comment(at(solvedDay, 3), tk, pick(THANKS)));
      thread(history, ...events);
      if (random() < 0.5) {
        const csat = story === "lukewarm" ? 3 : 4 + Math.floor(random() * 2);
        thread(history, survey(at(solvedDay - 1, 6), { csat }));
      }
    }

    // -- Typeform: the quarterly NPS survey --------------------------------------------------------
    if (story === "recovery") {
      thread(history, survey(at(62, 5), { nps: 8 }));
    } else if (story !== "detractor") {
      const d = Math.min(firstDay, 25 + Math.floor(random() * 55));
      const roll = random();
      const nps =
        story === "lukewarm" || roll < 0.1
          ? 6 + Math.floor(random() * 2)
          : roll < 0.55 && story !== "payment-failure"
            ? 9 + Math.floor(random() * 2)
            : 7 + Math.floor(random() * 2);
      const answers = nps >= 9 && random() < 0.5 ? { nps, comment: pick(PRAISE) } : { nps };
      thread(history, survey(at(d, 5), answers));
    }

    // -- the stories ---------------------------------------------------------------------------------
    switch (story) {
      case "payment-failure": {
        // The card on file is declined at renewal; after the last retry Stripe marks the
        // subscription unpaid. Their admin writes to support in the middle of it.
        const invoiceId = ids.object("in");
        thread(
          trouble,
          subscription("customer.subscription.updated", at(8, 9), "past_due", 8, {
            previous: { status: "active", current_period_end: Math.floor(at(8) / 1000) },
          }),
          subscription("customer.subscription.updated", at(2, 8), "unpaid", 8, {
            previous: { status: "past_due" },
          }),
        );
        thread(
          trouble,
          invoice(invoiceId, 8, at(8, 9) + 60_000, false, 1, at(5, 9)),
          invoice(invoiceId, 8, at(5, 9), false, 2, at(2, 9)),
          invoice(invoiceId, 8, at(2, 9), false, 3),
        );
        const tk = ticket(
          4,
          "Card declined",
          "Our card keeps getting declined and we cannot update the payment details. Frustrating, please help.",
          "HIGH",
        );
        thread(trouble, zendesk(at(4, 3), tk, { kind: "created" }));
        break;
      }
      case "detractor": {
        const tk = ticket(
          9,
          "Exports keep failing",
          "Our exports keep failing and the reports are slow.",
          "HIGH",
        );
        thread(
          trouble,
          zendesk(at(9, 3), tk, { kind: "created" }),
          comment(at(8, 2), tk, "Still failing. Really frustrating, we lost a day of work."),
        );
        thread(
          trouble,
          survey(at(6, 4), {
            nps: 2,
            comment:
              "Reporting is slow and exports keep breaking. Frustrating. We are evaluating alternatives.",
            csat: 1,
          }),
        );
        thread(trouble, generic(at(5, 6), "ces", { score: 2 }));
        break;
      }
      case "angry-tickets": {
        const a = ticket(
          6,
          "Sync broken, team blocked",
          "The sync has been broken since this morning and our whole team is blocked. This is unacceptable.",
          "HIGH",
        );
        thread(
          trouble,
          zendesk(at(6, 3), a, { kind: "created" }),
          statusChange(at(6, 2), a, "NEW", "OPEN"),
          priorityChange(at(5, 8), a, "HIGH", "URGENT"),
          comment(
            at(5, 7),
            { ...a, priority: "URGENT" },
            "Still broken. Nobody has replied in 24 hours, this is a terrible experience and production is down.",
          ),
        );
        const b = ticket(
          4,
          "Exports failing for every user",
          "Urgent: exports are failing for every user and our board meeting is tomorrow. Really frustrating.",
          "URGENT",
        );
        thread(trouble, zendesk(at(4, 3), b, { kind: "created" }));
        const c3 = ticket(
          3,
          "Dashboards fail to load",
          "Dashboards fail to load again. Really frustrating, we lost a full day of work.",
          "HIGH",
        );
        thread(
          trouble,
          zendesk(at(3, 3), c3, { kind: "created" }),
          statusChange(at(2, 5), c3, "OPEN", "SOLVED"),
          statusChange(at(1, 6), c3, "SOLVED", "OPEN"),
          comment(
            at(1, 5),
            c3,
            "It is broken again. This is ridiculous and we are seriously considering cancelling.",
          ),
        );
        thread(trouble, survey(at(2, 2), { csat: 1 }));
        thread(
          trouble,
          survey(at(1, 4), { nps: 3, comment: "Outage after outage, and nobody answers." }),
        );
        break;
      }
      case "recovery": {
        const x = ticket(
          30,
          "Data import failing",
          "The nightly data import has failed three nights in a row. This is unacceptable for a paid product.",
          "URGENT",
        );
        const y = ticket(
          27,
          "SSO login broken for all users",
          "Nobody can log in with SSO since the update. Terrible timing, we are furious.",
          "HIGH",
        );
        thread(
          history,
          zendesk(at(30, 3), x, { kind: "created" }),
          comment(
            at(29, 3),
            x,
            "Still failing. Nobody has replied, this is a terrible experience.",
          ),
        );
        thread(history, zendesk(at(27, 3), y, { kind: "created" }));
        thread(
          history,
          survey(at(24, 5), { nps: 3, comment: "Too many outages lately, we are frustrated." }),
        );
        // The turnaround: the card is fixed, both tickets are solved, people come back.
        thread(
          trouble,
          subscription("customer.subscription.updated", at(18, 9), "active", 28, {
            previous: { status: "past_due" },
          }),
        );
        thread(
          trouble,
          statusChange(at(16, 4), x, "OPEN", "SOLVED"),
          comment(
            at(16, 3),
            x,
            "Thanks so much, the fix works perfectly and the team is happy again!",
          ),
        );
        thread(
          trouble,
          statusChange(at(15, 4), y, "OPEN", "SOLVED"),
          comment(at(15, 3), y, "Great support, thank you for the quick help."),
        );
        thread(
          trouble,
          survey(at(4, 5), {
            nps: 9,
            comment: "Support turned it around, thanks! Really impressed with the new sync.",
          }),
        );
        break;
      }
      case "cancellation": {
        thread(trouble, survey(at(5, 5), { nps: 4, comment: "Too expensive for what we use." }));
        const tk = ticket(
          4,
          "Exporting our data",
          "How do we export all our data? We are moving to another tool at the end of the month.",
          "NORMAL",
        );
        thread(trouble, zendesk(at(4, 3), tk, { kind: "created" }));
        thread(
          trouble,
          subscription("customer.subscription.updated", at(3, 9), "active", 18, {
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

  // A survey answered by a prospect: nobody's domain, so it waits in the unmatched list.
  const strangerDomain = "initrode.com";
  {
    const id = ids.typeformEvent();
    const t = at(12, 5);
    const token = createHash("md5").update(id).digest("hex");
    history.push({
      deliveries: [
        {
          provider: "typeform",
          eventId: id,
          body: json(
            typeformResponse(id, token, t, { email: `priya@${strangerDomain}` }, { nps: 7 }),
          ),
          at: t,
          accountId: "(unknown)",
          label: "form_response",
        },
      ],
    });
  }

  const mess = {
    random,
    duplicateRate: options.duplicateRate ?? 0.025,
    swapRate: options.swapRate ?? 0.2,
  };
  return {
    now,
    customers: CUSTOMERS,
    connect,
    aliases,
    history: customerByCustomer(history, now).map((block) => withDeliveryMess(block, mess)),
    trouble: withDeliveryMess(oldestFirst(trouble), mess),
    lateAliases,
    strangerDomain,
  };
}

const lastAt = (t: Thread) => Math.max(...t.deliveries.map((d) => d.at));
const firstAt = (t: Thread) => Math.min(...t.deliveries.map((d) => d.at));
const newestFirst = (threads: Thread[]) =>
  threads
    .map((t) => ({ deliveries: [...t.deliveries].sort((a, b) => a.at - b.at) }))
    .sort((a, b) => lastAt(b) - lastAt(a));
const isUsage = (t: Thread) =>
  t.deliveries.every((d) => d.label === "usage" || d.label === "track" || d.label === "page");

/**
 * One customer after the other: its last week of product use, then everything else it
 * did (subscription, invoices, tickets, surveys, profile), then older product use, newest
 * first. A customer is scored a moment after its first delivery; by then its recent weeks
 * and its current state have arrived, so its first score is already the right one.
 */
function customerByCustomer(threads: Thread[], now: number): Thread[][] {
  const byAccount = new Map<string, Thread[]>();
  for (const t of threads) {
    const id = t.deliveries[0]?.accountId ?? "";
    byAccount.set(id, [...(byAccount.get(id) ?? []), t]);
  }
  const weekAgo = now - 7 * DAY_MS;
  return [...byAccount.values()].map((own) => {
    const sorted = newestFirst(own);
    const recentUse = sorted.filter((t) => isUsage(t) && lastAt(t) >= weekAgo);
    const state = sorted.filter((t) => !isUsage(t));
    const olderUse = sorted.filter((t) => isUsage(t) && lastAt(t) < weekAgo);
    return [...recentUse, ...state, ...olderUse];
  });
}
const oldestFirst = (threads: Thread[]) =>
  threads
    .map((t) => ({ deliveries: [...t.deliveries].sort((a, b) => a.at - b.at) }))
    .sort((a, b) => firstAt(a) - firstAt(b));

/**
 * What real tools do to deliveries: some are resent (right away, as when an answer was too
 * slow, or much later, as a retry), and within some threads a later event overtakes an
 * earlier one.
 */
function withDeliveryMess(
  threads: Thread[],
  mess: { random: () => number; duplicateRate: number; swapRate: number },
): Thread[] {
  const { random } = mess;
  const out: Thread[] = threads.map((t) => {
    const deliveries = [...t.deliveries];
    if (deliveries.length >= 2 && random() < mess.swapRate) {
      const i = Math.floor(random() * (deliveries.length - 1));
      const [a, b] = [deliveries[i] as Delivery, deliveries[i + 1] as Delivery];
      if (a.at !== b.at) {
        deliveries[i] = b;
        deliveries[i + 1] = a;
      }
    }
    return { deliveries };
  });
  const late: { position: number; thread: Thread }[] = [];
  for (const [position, t] of out.entries()) {
    for (let i = t.deliveries.length - 1; i >= 0; i--) {
      if (random() >= mess.duplicateRate) continue;
      const copy: Delivery = { ...(t.deliveries[i] as Delivery), duplicate: true };
      if (random() < 0.5) t.deliveries.splice(i + 1, 0, copy);
      else
        late.push({
          position: position + 5 + Math.floor(random() * 60),
          thread: { deliveries: [copy] },
        });
    }
  }
  for (const { position, thread } of late.sort((a, b) => b.position - a.position)) {
    out.splice(Math.min(position, out.length), 0, thread);
  }
  return out;
}
