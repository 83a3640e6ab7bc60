/**
 * The one module that knows how an account's aggregate is stored (issue 10, item 7): item
 * keys, attribute names, encoding, and decoding into the domain's `Aggregate`.
 *
 * | sk                  | holds                                                          |
 * |---------------------|----------------------------------------------------------------|
 * | `AGG`               | state: registers, milestones, open tickets, failed invoices     |
 * | `AGG#D#{yyyy-mm-dd}`| one day, as webhooks write it: raw sums, active, features, MRR  |
 * | `AGG#M#{yyyy-mm}`   | a month: the days folded out of their buckets, exact per day,  |
 * |                     | or, once older than the exact window, three moments per metric |
 * | `TKT#{id}`/`INV#{id}`| one ticket's / invoice's registers: order guard, never scored |
 *
 * Webhooks write only small items (a day, the state, one ticket); the score function
 * moves days older than yesterday into their month (`planFold`, month-folds.ts), so scoring reads the
 * state, a day or two and at most 14 months: one Query of `begins_with(sk, "AGG")`.
 */
import {
  type Aggregate,
  addToDay,
  type Day,
  type FailedInvoice,
  type FoldedMonth,
  type Invoice,
  type LatestValue,
  METRICS,
  type Metric,
  type Moments,
  type OpenTicket,
  STATE_REGISTERS,
  type StateRegister,
  type Ticket,
} from "../../domain/aggregate.ts";
import { compactAggregate, monthDays, monthOfDay, RETENTION_DAYS } from "../../domain/history.ts";
import { epochDay, isoDay } from "../../domain/time.ts";
import { accountPk, TTL_ATTRIBUTE } from "./keys.ts";

export type Item = Record<string, unknown>;

/** Every item scoring reads starts with this sort key prefix. */
export const AGGREGATE_PREFIX = "AGG";
export const STATE_SK = "AGG";
/** Day buckets: the score stream reacts to them (topology.ts SCORE_STREAM). */
export const DAY_BUCKET_PREFIX = "AGG#D#";
const DAY_PREFIX = DAY_BUCKET_PREFIX;
export const MONTH_PREFIX = "AGG#M#";
const TICKET_PREFIX = "TKT#";
const INVOICE_PREFIX = "INV#";

export const dayBucketSk = (day: number) => `${DAY_PREFIX}${isoDay(day * 86_400_000)}`;
export const monthSk = (month: number) =>
  `${MONTH_PREFIX}${Math.floor(month / 100)}-${String(month % 100).padStart(2, "0")}`;
export const ticketSk = (id: string) => `${TICKET_PREFIX}${id}`;
export const invoiceSk = (id: string) => `${INVOICE_PREFIX}${id}`;

export const dayOfSk = (sk: string) =>
  epochDay(Date.parse(`${sk.slice(DAY_PREFIX.length)}T00:00:00Z`));
export const monthOfSk = (sk: string) => Number(sk.slice(MONTH_PREFIX.length).replace("-", ""));

/** Stored names of the state registers. */
const REGISTER_NAMES: Readonly<Record<StateRegister, string>> = {
  subscription: "r_sub",
  lastPayment: "r_pay",
  lastPaid: "r_paid",
  looseFailure: "r_payfail",
  lastNps: "r_nps",
  profilePlan: "r_plan",
  profileSeats: "r_seats",
  profileName: "r_name",
  profileOwner: "r_owner",
};
export const registerName = (name: StateRegister) => REGISTER_NAMES[name];
const MILESTONES = "milestones";
const OPEN_TICKET = "o_";
const FAILED_INVOICE = "i_";
export const openTicketName = (id: string) => `${OPEN_TICKET}${id}`;
export const failedInvoiceName = (id: string) => `${FAILED_INVOICE}${id}`;

/** Short stored codes of the metrics: they repeat in every day of every month. */
const METRIC_CODES: Readonly<Record<Metric, string>> = {
  usage: "u",
  usageNegative: "un",
  npsPromoters: "np",
  npsPassives: "nq",
  npsDetractors: "nd",
  csatSum: "cs",
  csatCount: "cn",
  cesSum: "es",
  cesCount: "en",
  ticketsOpened: "to",
  ticketsSolved: "ts",
  ticketsReopened: "tr",
  ticketSentimentSum: "ms",
  ticketSentimentCount: "mn",
  paymentsFailed: "pf",
  refunds: "rf",
  disputes: "dp",
};
export const metricCode = (metric: Metric) => METRIC_CODES[metric];
const METRIC_OF_CODE = new Map(METRICS.map((m) => [METRIC_CODES[m], m]));

/** Day-bucket attributes besides the metric codes. */
export const DAY_ATTR = {
  active: "a",
  features: "f",
  mrr: "mrr",
  version: "v",
  /**
   * Set by every ingestion write of the bucket, never by a rebuild: the score stream takes
   * only these bucket writes (lib/topology.ts), so a rebuild, which writes its buckets before
   * its state item, is scored once, at the state item, from the whole aggregate.
   */
  ingested: "ingested",
} as const;
/** Month attributes: `{code}{dd}` sums, `a{dd}` active, `r{dd}` MRR, `f_{feature}` last day. */
const MONTH_ACTIVE = "a";
const MONTH_MRR = "r";
const FEATURE = "f_";
export const FOLDED = "folded";
const FOLDED_ATTR = { first: "fa", last: "la", mrr: "mrr", features: "fu" } as const;
export const VERSION = "v";

/**
 * Days stay in their own bucket until they are older than yesterday; then the score
 * function folds them into their month. Each fold rewrites the month item (1-3 KB, twice in
 * a transaction): about 2.3 of the rescore's 10.5 WRU per customer-day
 * (`npm run bench -- rescore`). Folding less often would need a week's buckets to fold
 * together, not one more each day.
 */
export const BUCKET_DAYS = 1;
/** The first day still kept in its own bucket at `now`. */
export const firstBucketDay = (now: number) => epochDay(now) - BUCKET_DAYS;

/**
 * Seconds since the epoch at which an item about `lastDay` can expire: well after the
 * retention, so that a late fold still carries a dropped month's MRR forward first.
 */
const expiresAfter = (lastDay: number) => (lastDay + RETENTION_DAYS + 35) * 86_400;
export const dayExpiresAt = (day: number) => expiresAfter(monthDays(monthOfDay(day)).last);

// ---------------------------------------------------------------- decoding

/** The items of one account (any of `AGG*`, in any order) as the domain's aggregate. */
export function decodeAggregate(accountId: string, items: readonly Item[]): Aggregate {
  const registers: Partial<Record<StateRegister, LatestValue>> = {};
  let milestones = new Set<string>();
  const openTickets = new Map<string, OpenTicket>();
  const failedInvoices = new Map<string, FailedInvoice>();
  const days = new Map<number, Day>();
  const months = new Map<number, FoldedMonth>();
  const features = new Map<string, number>();
  const addDay = (day: number, data: Day) => {
    const seen = days.get(day);
    if (!seen) days.set(day, data);
    else days.set(day, mergeDays(seen, data));
  };
  const useFeature = (feature: string, day: number) =>
    features.set(feature, Math.max(features.get(feature) ?? day, day));

  for (const item of items) {
    const sk = String(item.sk);
    if (sk === STATE_SK) {
      for (const name of STATE_REGISTERS) {
        const value = item[REGISTER_NAMES[name]];
        if (isRegister(value)) registers[name] = value;
      }
      const named = item[MILESTONES];
      if (named instanceof Set) milestones = new Set([...named].map(String));
      for (const key of Object.keys(item)) {
        const value = item[key];
        if (key.startsWith(OPEN_TICKET) && Array.isArray(value)) {
          openTickets.set(key.slice(OPEN_TICKET.length), {
            priority: typeof value[0] === "string" ? value[0] : null,
            since: Number(value[1]),
          });
        } else if (key.startsWith(FAILED_INVOICE) && Array.isArray(value)) {
          failedInvoices.set(key.slice(FAILED_INVOICE.length), {
            at: Number(value[0]),
            attempt: Number(value[1]),
          });
        }
      }
    } else if (sk.startsWith(DAY_PREFIX)) {
      const day = dayOfSk(sk);
      addDay(day, decodeDay(item));
      const used = item[DAY_ATTR.features];
      if (used instanceof Set) for (const feature of used) useFeature(String(feature), day);
    } else if (sk.startsWith(MONTH_PREFIX)) {
      const month = monthOfSk(sk);
      if (item[FOLDED] === true) months.set(month, decodeFolded(item));
      else {
        const exact = decodeExactMonth(month, item);
        for (const [day, data] of exact.days) addDay(day, data);
        for (const [feature, day] of exact.features) useFeature(feature, day);
      }
    }
  }
  return {
    accountId,
    registers,
    milestones,
    features,
    tickets: new Map(),
    invoices: new Map(),
    openTickets,
    failedInvoices,
    days,
    months,
  };
}

function isRegister(value: unknown): value is LatestValue {
  return (
    typeof value === "object" && value !== null && typeof (value as LatestValue).ts === "number"
  );
}

function mergeDays(a: Day, b: Day): Day {
  return addToDay(a, {
    day: 0,
    add: b.sums,
    active: b.active,
    features: [],
    milestones: [],
    registers: {},
    ...(b.mrr ? { mrr: b.mrr } : {}),
    tickets: {},
    invoices: {},
  });
}

function decodeDay(item: Item): Day {
  const sums: Partial<Record<Metric, number>> = {};
  for (const [code, metric] of METRIC_OF_CODE) {
    const value = item[code];
    if (typeof value === "number") sums[metric] = value;
  }
  const mrr = item[DAY_ATTR.mrr];
  return { sums, active: item[DAY_ATTR.active] === true, ...(isRegister(mrr) ? { mrr } : {}) };
}

const PER_DAY = /^([a-z]+)(\d\d)$/;

function decodeExactMonth(month: number, item: Item) {
  const first = monthDays(month).first;
  const days = new Map<
    number,
    { sums: Partial<Record<Metric, number>>; active: boolean; mrr?: LatestValue }
  >();
  const dayOf = (dd: number) => {
    const day = first + dd - 1;
    let data = days.get(day);
    if (!data) {
      data = { sums: {}, active: false };
      days.set(day, data);
    }
    return data;
  };
  const features = new Map<string, number>();
  for (const [key, value] of Object.entries(item)) {
    if (key.startsWith(FEATURE)) {
      features.set(key.slice(FEATURE.length), Number(value));
      continue;
    }
    const parsed = PER_DAY.exec(key);
    if (!parsed) continue;
    const [, code, dd] = parsed as unknown as [string, string, string];
    const data = dayOf(Number(dd));
    if (code === MONTH_ACTIVE) data.active = value === true;
    else if (code === MONTH_MRR && isRegister(value)) data.mrr = value;
    else {
      const metric = METRIC_OF_CODE.get(code);
      if (metric && typeof value === "number") data.sums[metric] = value;
    }
  }
  return { days: days as Map<number, Day>, features };
}

function decodeFolded(item: Item): FoldedMonth {
  const moments: Partial<Record<Metric, Moments>> = {};
  for (const [code, metric] of METRIC_OF_CODE) {
    const value = item[code];
    if (Array.isArray(value)) moments[metric] = value.map(Number) as unknown as Moments;
  }
  const mrr = item[FOLDED_ATTR.mrr];
  const day = (value: unknown) => (typeof value === "number" ? value : null);
  return {
    moments,
    firstActiveDay: day(item[FOLDED_ATTR.first]),
    lastActiveDay: day(item[FOLDED_ATTR.last]),
    ...(isRegister(mrr) ? { mrr } : {}),
    featuresUsed: item[FOLDED_ATTR.features] === true,
  };
}

/** A ticket or invoice item's registers. */
export function decodeTicket(item: Item | undefined): Ticket | undefined {
  if (!item) return undefined;
  return {
    ...(isRegister(item.status) ? { status: item.status } : {}),
    ...(isRegister(item.priority) ? { priority: item.priority } : {}),
  };
}
export const decodeInvoice = (item: Item | undefined): Invoice | undefined =>
  item && isRegister(item.status) ? { status: item.status } : undefined;

// ---------------------------------------------------------------- encoding

const dd = (day: number) => String(day - monthDays(monthOfDay(day)).first + 1).padStart(2, "0");

/** A month item holding exact days (and the features last used in them). */
export function exactMonthItem(
  accountId: string,
  month: number,
  days: Iterable<readonly [number, Day]>,
  features: Iterable<readonly [string, number]>,
): Item {
  const item: Item = { pk: accountPk(accountId), sk: monthSk(month) };
  for (const [day, data] of days) {
    const suffix = dd(day);
    for (const metric of Object.keys(data.sums) as Metric[]) {
      item[`${METRIC_CODES[metric]}${suffix}`] = data.sums[metric];
    }
    if (data.active) item[`${MONTH_ACTIVE}${suffix}`] = true;
    if (data.mrr) item[`${MONTH_MRR}${suffix}`] = data.mrr;
  }
  for (const [feature, day] of features) item[`${FEATURE}${feature}`] = day;
  item[TTL_ATTRIBUTE] = expiresAfter(monthDays(month).last);
  return item;
}

export function foldedMonthItem(accountId: string, month: number, folded: FoldedMonth): Item {
  const item: Item = { pk: accountPk(accountId), sk: monthSk(month), [FOLDED]: true };
  for (const metric of Object.keys(folded.moments) as Metric[]) {
    item[METRIC_CODES[metric]] = [...(folded.moments[metric] as Moments)];
  }
  if (folded.firstActiveDay !== null) item[FOLDED_ATTR.first] = folded.firstActiveDay;
  if (folded.lastActiveDay !== null) item[FOLDED_ATTR.last] = folded.lastActiveDay;
  if (folded.mrr) item[FOLDED_ATTR.mrr] = folded.mrr;
  if (folded.featuresUsed) item[FOLDED_ATTR.features] = true;
  item[TTL_ATTRIBUTE] = expiresAfter(monthDays(month).last);
  return item;
}

export function dayItem(
  accountId: string,
  day: number,
  data: Day,
  features: readonly string[],
): Item {
  const item: Item = { pk: accountPk(accountId), sk: dayBucketSk(day) };
  for (const metric of Object.keys(data.sums) as Metric[])
    item[METRIC_CODES[metric]] = data.sums[metric];
  if (data.active) item[DAY_ATTR.active] = true;
  if (features.length > 0) item[DAY_ATTR.features] = new Set(features);
  if (data.mrr) item[DAY_ATTR.mrr] = data.mrr;
  item[TTL_ATTRIBUTE] = dayExpiresAt(day);
  return item;
}

export const openTicketValue = (t: OpenTicket) => [t.priority, t.since];
export const failedInvoiceValue = (i: FailedInvoice) => [i.at, i.attempt];

export function stateItem(aggregate: Aggregate): Item {
  const item: Item = {
    pk: accountPk(aggregate.accountId),
    sk: STATE_SK,
    accountId: aggregate.accountId,
  };
  for (const name of STATE_REGISTERS) {
    const value = aggregate.registers[name];
    if (value) item[REGISTER_NAMES[name]] = value;
  }
  if (aggregate.milestones.size > 0) item[MILESTONES] = new Set(aggregate.milestones);
  for (const [id, t] of aggregate.openTickets) item[openTicketName(id)] = openTicketValue(t);
  for (const [id, i] of aggregate.failedInvoices)
    item[failedInvoiceName(id)] = failedInvoiceValue(i);
  return item;
}

/** An entity's expiry: kept while open or failed; else a retention after its last change. */
const entityExpiry = (status: LatestValue | undefined, live: boolean) =>
  live || !status ? {} : { [TTL_ATTRIBUTE]: expiresAfter(epochDay(status.ts)) };

export function ticketItem(accountId: string, id: string, ticket: Ticket): Item {
  return {
    pk: accountPk(accountId),
    sk: ticketSk(id),
    ...(ticket.status ? { status: ticket.status } : {}),
    ...(ticket.priority ? { priority: ticket.priority } : {}),
    ...entityExpiry(ticket.status, ticket.status?.status === "open"),
  };
}

export function invoiceItem(accountId: string, id: string, invoice: Invoice): Item {
  return {
    pk: accountPk(accountId),
    sk: invoiceSk(id),
    ...(invoice.status ? { status: invoice.status } : {}),
    ...entityExpiry(invoice.status, invoice.status?.status === "failed"),
  };
}

/**
 * The items an aggregate is stored as at `now`, in the same form the online writes and
 * folds converge to: days before yesterday in their months, older months folded. Replay
 * writes these; reading them back gives the same facts.
 */
export function encodeAggregate(aggregate: Aggregate, now: number): Item[] {
  const kept = compactAggregate(aggregate, now);
  const { accountId } = kept;
  const state = stateItem(kept);
  // Webhooks that change no register never write a state item: neither does replay.
  const items: Item[] = Object.keys(state).length > 3 ? [state] : [];
  const bucketFrom = firstBucketDay(now);
  const exactMonths = new Map<number, { days: [number, Day][]; features: [string, number][] }>();
  const monthEntry = (month: number) => {
    let entry = exactMonths.get(month);
    if (!entry) {
      entry = { days: [], features: [] };
      exactMonths.set(month, entry);
    }
    return entry;
  };
  const bucketFeatures = new Map<number, string[]>();
  for (const [feature, day] of kept.features) {
    if (day >= bucketFrom) bucketFeatures.set(day, [...(bucketFeatures.get(day) ?? []), feature]);
    else monthEntry(monthOfDay(day)).features.push([feature, day]);
  }
  for (const [day, data] of [...kept.days].sort((a, b) => a[0] - b[0])) {
    if (day >= bucketFrom)
      items.push(dayItem(accountId, day, data, (bucketFeatures.get(day) ?? []).sort()));
    else monthEntry(monthOfDay(day)).days.push([day, data]);
  }
  for (const [day, features] of bucketFeatures) {
    if (!kept.days.has(day))
      items.push(dayItem(accountId, day, { sums: {}, active: false }, features.sort()));
  }
  for (const [month, entry] of [...exactMonths].sort((a, b) => a[0] - b[0])) {
    items.push(exactMonthItem(accountId, month, entry.days, entry.features));
  }
  for (const [month, folded] of [...kept.months].sort((a, b) => a[0] - b[0])) {
    items.push(foldedMonthItem(accountId, month, folded));
  }
  for (const [id, ticket] of kept.tickets) items.push(ticketItem(accountId, id, ticket));
  for (const [id, invoice] of kept.invoices) items.push(invoiceItem(accountId, id, invoice));
  return items;
}
