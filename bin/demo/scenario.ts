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
 *
 * Each tool has its own generator (`stripe.ts`, `zendesk.ts`, `typeform.ts`, `segment.ts`,
 * `generic.ts`) and the stories are scripted over them (`stories.ts`); this module only
 * runs them per customer, in a fixed order, and arranges the acts.
 */
import { createHash } from "node:crypto";
import { seededRandom } from "../../bench/report.ts";
import {
  type Acts,
  type AliasRequest,
  customerContext,
  DAY_MS,
  type Delivery,
  Ids,
  type RunContext,
  type Thread,
} from "./context.ts";
import { CUSTOMERS, type Customer } from "./customers.ts";
import { genericTool } from "./generic.ts";
import { segmentTool } from "./segment.ts";
import { tellStory } from "./stories.ts";
import { stripeTool } from "./stripe.ts";
import { strangerSurvey, typeformTool } from "./typeform.ts";
import { zendeskTool } from "./zendesk.ts";

export {
  type AliasRequest,
  DAY_MS,
  type Delivery,
  type Thread,
  WINDOW_DAYS,
} from "./context.ts";

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

/** Builds the whole scenario; the same options always give the same deliveries. */
export function buildScenario(options: ScenarioOptions): Scenario {
  const { now, runTag } = options;
  const random = seededRandom(options.seed ?? 20_261_122);
  let ticketNumber = 0;
  const run: RunContext = {
    now,
    random,
    ids: new Ids(runTag),
    runNumber: Number.parseInt(createHash("sha1").update(runTag).digest("hex").slice(0, 6), 16),
    nextTicketNumber: () => ++ticketNumber,
  };
  const acts: Acts = { connect: [], history: [], trouble: [] };
  const aliases: AliasRequest[] = [];
  const lateAliases: AliasRequest[] = [];

  for (const [index, customer] of CUSTOMERS.entries()) {
    const ctx = customerContext(run, customer, index, acts);
    // Each call draws ids and random numbers in turn: this order is the story's seed.
    const stripe = stripeTool(ctx);
    const zendesk = zendeskTool(ctx);
    const typeform = typeformTool(ctx);
    const segment = segmentTool(ctx);
    const generic = genericTool(ctx);

    // Connecting the tools: Stripe teaches its alias; the CS team maps Zendesk and domains.
    stripe.connect();
    const late = customer.lateZendeskMapping;
    (late ? lateAliases : aliases).push({
      accountId: customer.id,
      body: late
        ? { zendesk: [zendesk.orgId] }
        : { zendesk: [zendesk.orgId], domains: [customer.domain] },
    });
    if (late) aliases.push({ accountId: customer.id, body: { domains: [customer.domain] } });

    // Ninety days of ordinary activity, then the customer's story.
    const lastActive = generic.usage(segment.activeDay);
    segment.profile(lastActive);
    generic.onboarding();
    stripe.renewals();
    zendesk.ordinaryTickets(typeform.afterSolvedTicket);
    typeform.nps();
    tellStory(ctx, { stripe, zendesk, typeform, generic });
  }

  // A survey answered by a prospect: nobody's domain, so it waits in the unmatched list.
  const strangerDomain = "initrode.com";
  const strangerAt = now - 12 * DAY_MS - 5 * 3_600_000;
  acts.history.push({ deliveries: [strangerSurvey(run, strangerAt, strangerDomain)] });

  const mess = {
    random,
    duplicateRate: options.duplicateRate ?? 0.025,
    swapRate: options.swapRate ?? 0.2,
  };
  return {
    now,
    customers: CUSTOMERS,
    connect: acts.connect,
    aliases,
    history: customerByCustomer(acts.history, now).map((block) => withDeliveryMess(block, mess)),
    trouble: withDeliveryMess(oldestFirst(acts.trouble), mess),
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
