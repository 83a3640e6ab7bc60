/**
 * What every tool generator of the demo scenario shares: the delivery shapes, the seeded
 * random stream and the run's id sequence, and one customer's context (its people, its
 * acts, its time axis). The generators draw from one random stream and one id sequence in
 * the order the scenario calls them, so the same seed always tells the same story.
 */
import { createHash } from "node:crypto";
import type { Provider as Source } from "../../functions/webhook/providers/registry.ts";
import type { Customer } from "./customers.ts";

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

/** Deterministic tool ids, unique per run. */
export class Ids {
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

/** The whole run's shared state. */
export interface RunContext {
  readonly now: number;
  readonly random: () => number;
  readonly ids: Ids;
  /** A numeric part unique to this run, for Zendesk's numeric ticket ids. */
  readonly runNumber: number;
  /** Zendesk ticket numbers run on across customers. */
  nextTicketNumber(): number;
}

/** The acts a customer's threads are filed under (see scenario.ts). */
export interface Acts {
  readonly connect: Thread[];
  readonly history: Thread[];
  readonly trouble: Thread[];
}

export interface DemoUser {
  readonly userId: string;
  readonly name: string;
  readonly email: string;
  readonly title: string;
}

/** One customer as the tool generators see it. */
export interface CustomerContext {
  readonly run: RunContext;
  readonly customer: Customer;
  /** Position in CUSTOMERS (some ids and choices depend on it). */
  readonly index: number;
  readonly isNew: boolean;
  /** The oldest day (days ago) with activity in the window. */
  readonly firstDay: number;
  readonly acts: Acts;
  readonly users: readonly DemoUser[];
  random(): number;
  pick<T>(list: readonly T[]): T;
  /** A random one of the customer's people. */
  user(): DemoUser;
  /** `d` days and `h` hours before now. */
  at(d: number, h?: number): number;
  /** True when `d` days ago was a Saturday or Sunday. */
  weekend(d: number): boolean;
  /** Files deliveries as one thread under `act`. */
  thread(act: Thread[], ...deliveries: Delivery[]): void;
  delivery(provider: Source, eventId: string, t: number, label: string, body: unknown): Delivery;
}

const FIRST_NAMES = [
  ..."Ana Ben Chen Dana Eli Fatima Grace Hugo Ines Jamal Kira Leo Mina Noah Olga Priya".split(" "),
  ..."Quinn Rosa Sam Tariq Uma Vik".split(" "),
];
const TITLES = ["Head of Operations", "Data Analyst", "Engineering Manager", "COO", "Team Lead"];

/** Builds a customer's context; draws its three people from the random stream. */
export function customerContext(
  run: RunContext,
  customer: Customer,
  index: number,
  acts: Acts,
): CustomerContext {
  const random = run.random;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const at = (d: number, h = 0) => run.now - d * DAY_MS - h * HOUR_MS;
  const users = Array.from({ length: 3 }, () => {
    const first = pick(FIRST_NAMES);
    return {
      userId: `u_${Math.floor(random() * 36 ** 8)
        .toString(36)
        .padStart(8, "0")}`,
      name: `${first} ${customer.name.split(" ")[0]}`,
      email: `${first.toLowerCase()}@${customer.domain}`,
      title: pick(TITLES),
    };
  });
  return {
    run,
    customer,
    index,
    isNew: customer.signupDaysAgo <= WINDOW_DAYS,
    firstDay: Math.min(WINDOW_DAYS - 1, customer.signupDaysAgo),
    acts,
    users,
    random,
    pick,
    user: () => pick(users),
    at,
    weekend: (d) => {
      const day = new Date(at(d, 6)).getUTCDay();
      return day === 0 || day === 6;
    },
    thread: (act, ...deliveries) => {
      act.push({ deliveries });
    },
    delivery: (provider, eventId, t, label, body) => ({
      provider,
      eventId,
      body: JSON.stringify(body),
      at: t,
      accountId: customer.id,
      label,
    }),
  };
}
