/**
 * How aggregate updates become writes (the ingest store's and the alias store's): day sums
 * and sets are `ADD`ed to the day's bucket, so usage events never read anything. Registers
 * (state, a day's MRR, tickets, invoices) are read first, merged by the domain's order
 * (`isNewer`), and only the ones that change are written, each on the condition that it is
 * still what was read: a concurrent writer makes the transaction fail, and the caller
 * reads again and retries. A stale event changes no register and costs no condition.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  type AggregateUpdate,
  failedInvoiceOf,
  type Invoice,
  isNewer,
  type LatestValue,
  type Metric,
  mergeInvoice,
  mergeTicket,
  openTicketOf,
  STATE_REGISTERS,
  type Ticket,
  updatesByDay,
} from "../../domain/aggregate.ts";
import {
  DAY_ATTR,
  dayBucketSk,
  dayExpiresAt,
  decodeInvoice,
  decodeTicket,
  failedInvoiceName,
  failedInvoiceValue,
  type Item,
  invoiceItem,
  invoiceSk,
  metricCode,
  openTicketName,
  openTicketValue,
  registerName,
  STATE_SK,
  ticketItem,
  ticketSk,
  VERSION,
} from "./aggregate-layout.ts";
import { accountPk, TTL_ATTRIBUTE } from "./keys.ts";
import { batchGetAll, type TransactItem } from "./transactions.ts";

/** What was read before writing: only the items whose registers an update may change. */
export interface RegisterSnapshot {
  readonly state?: Item;
  readonly days: ReadonlyMap<string, Item>;
  readonly tickets: ReadonlyMap<string, Item>;
  readonly invoices: ReadonlyMap<string, Item>;
}

const EMPTY: RegisterSnapshot = { days: new Map(), tickets: new Map(), invoices: new Map() };

const hasRegisters = (u: AggregateUpdate) =>
  Object.keys(u.registers).length > 0 ||
  Object.keys(u.tickets).length > 0 ||
  Object.keys(u.invoices).length > 0 ||
  u.mrr !== undefined;

/** Reads what `updates` need to decide their register writes (nothing for plain usage). */
export async function readRegisterSnapshot(
  db: DynamoDBDocumentClient,
  table: string,
  accountId: string,
  updates: readonly AggregateUpdate[],
  maxAttempts: number,
): Promise<RegisterSnapshot> {
  if (!updates.some(hasRegisters)) return EMPTY;
  const pk = accountPk(accountId);
  const sks = new Set<string>([STATE_SK]);
  for (const u of updates) {
    if (u.mrr) sks.add(dayBucketSk(u.day));
    for (const id of Object.keys(u.tickets)) sks.add(ticketSk(id));
    for (const id of Object.keys(u.invoices)) sks.add(invoiceSk(id));
  }
  const items = await batchGetAll(
    db,
    table,
    [...sks].map((sk) => ({ pk, sk })),
    maxAttempts,
  );
  const bySk = new Map(items.map((item) => [String(item.sk), item]));
  const pick = (prefix: (id: string) => string, ids: Iterable<string>) =>
    new Map(
      [...ids].flatMap((id) => (bySk.has(prefix(id)) ? [[id, bySk.get(prefix(id)) as Item]] : [])),
    );
  return {
    ...(bySk.has(STATE_SK) ? { state: bySk.get(STATE_SK) } : {}),
    days: new Map([...bySk].filter(([sk]) => sk !== STATE_SK && sk.startsWith("AGG#D#"))),
    tickets: pick(
      ticketSk,
      updates.flatMap((u) => Object.keys(u.tickets)),
    ),
    invoices: pick(
      invoiceSk,
      updates.flatMap((u) => Object.keys(u.invoices)),
    ),
  };
}

/** Builds one UpdateItem's expression from named parts. */
class UpdateBuilder {
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, unknown> = {};
  private readonly sets: string[] = [];
  private readonly adds: string[] = [];
  private readonly removes: string[] = [];
  private readonly conditions: string[] = [];
  private n = 0;

  private name(attribute: string): string {
    const placeholder = `#n${this.n++}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }
  private value(value: unknown): string {
    const placeholder = `:v${this.n++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  set(attribute: string, value: unknown): void {
    this.sets.push(`${this.name(attribute)} = ${this.value(value)}`);
  }
  add(attribute: string, value: unknown): void {
    this.adds.push(`${this.name(attribute)} ${this.value(value)}`);
  }
  remove(attribute: string): void {
    this.removes.push(this.name(attribute));
  }
  /** The register `attribute` is still what was read (`read`: absent when undefined). */
  unchanged(attribute: string, read: LatestValue | undefined): void {
    const n = this.name(attribute);
    if (read === undefined) {
      this.conditions.push(`attribute_not_exists(${n})`);
      return;
    }
    const ts = this.name("ts");
    const eid = this.name("eid");
    this.conditions.push(
      `(${n}.${ts} = ${this.value(read.ts)} AND ${n}.${eid} = ${this.value(read.eid)})`,
    );
  }
  /** A map or list attribute (an open ticket's entry) is still what was read. */
  sameValue(attribute: string, read: unknown): void {
    const n = this.name(attribute);
    this.conditions.push(
      read === undefined ? `attribute_not_exists(${n})` : `${n} = ${this.value(read)}`,
    );
  }
  get empty(): boolean {
    return this.sets.length + this.adds.length + this.removes.length === 0;
  }

  build(table: string, key: Item): TransactItem {
    const clauses = [
      this.sets.length ? `SET ${this.sets.join(", ")}` : "",
      this.adds.length ? `ADD ${this.adds.join(", ")}` : "",
      this.removes.length ? `REMOVE ${this.removes.join(", ")}` : "",
    ].filter(Boolean);
    return {
      Update: {
        TableName: table,
        Key: key,
        UpdateExpression: clauses.join(" "),
        ...(this.conditions.length ? { ConditionExpression: this.conditions.join(" AND ") } : {}),
        ExpressionAttributeNames: this.names,
        ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
      },
    };
  }
}

const asRegister = (value: unknown): LatestValue | undefined =>
  typeof value === "object" && value !== null && typeof (value as LatestValue).ts === "number"
    ? (value as LatestValue)
    : undefined;

/**
 * The transaction items (after any the caller puts first) that apply `updates` to an
 * account, given the registers read: one Update per day bucket, one of the state when
 * something there changes, one Put per ticket or invoice whose registers change.
 */
export function aggregateWriteItems(
  table: string,
  accountId: string,
  updates: readonly AggregateUpdate[],
  snapshot: RegisterSnapshot,
): TransactItem[] {
  const pk = accountPk(accountId);
  const items: TransactItem[] = [];
  const byDay = updatesByDay(updates);

  for (const update of byDay) {
    const day = new UpdateBuilder();
    for (const metric of Object.keys(update.add) as Metric[]) {
      day.add(metricCode(metric), update.add[metric]);
    }
    if (update.features.length > 0) day.add(DAY_ATTR.features, new Set(update.features));
    if (update.active) day.set(DAY_ATTR.active, true);
    const sk = dayBucketSk(update.day);
    const readMrr = asRegister(snapshot.days.get(sk)?.[DAY_ATTR.mrr]);
    if (update.mrr && isNewer(update.mrr, readMrr)) {
      day.set(DAY_ATTR.mrr, update.mrr);
      day.unchanged(DAY_ATTR.mrr, readMrr);
    }
    day.add(VERSION, 1);
    day.set(DAY_ATTR.ingested, true);
    day.set(TTL_ATTRIBUTE, dayExpiresAt(update.day));
    items.push(day.build(table, { pk, sk }));
  }

  const state = new UpdateBuilder();
  const read = snapshot.state;
  for (const update of byDay) {
    for (const name of STATE_REGISTERS) {
      const next = update.registers[name];
      const stored = asRegister(read?.[registerName(name)]);
      if (next && isNewer(next, stored)) {
        // Several days of one batch may set the same register: the newest wins here.
        const later = byDay.some(
          (u) =>
            u !== update && u.registers[name] && isNewer(u.registers[name] as LatestValue, next),
        );
        if (later) continue;
        state.set(registerName(name), next);
        state.unchanged(registerName(name), stored);
      }
    }
  }
  const milestones = [...new Set(byDay.flatMap((u) => u.milestones))];
  if (milestones.length > 0) state.add("milestones", new Set(milestones));

  const tickets = mergedEntities(
    byDay.map((u) => u.tickets),
    mergeTicket,
  );
  for (const [id, change] of tickets) {
    const storedItem = snapshot.tickets.get(id);
    const stored = decodeTicket(storedItem);
    const merged = mergeTicket(stored, change);
    if (sameRegisters(merged, stored ?? {})) continue;
    items.push(entityPut(table, ticketItem(accountId, id, merged), storedItem));
    const open = openTicketOf(merged);
    const name = openTicketName(id);
    const before = read?.[name];
    if (open) state.set(name, openTicketValue(open));
    else if (before !== undefined) state.remove(name);
    if (open || before !== undefined) state.sameValue(name, before);
  }
  const invoices = mergedEntities(
    byDay.map((u) => u.invoices),
    mergeInvoice,
  );
  for (const [id, change] of invoices) {
    const storedItem = snapshot.invoices.get(id);
    const stored = decodeInvoice(storedItem);
    const merged = mergeInvoice(stored, change);
    if (sameRegisters(merged, stored ?? {})) continue;
    items.push(entityPut(table, invoiceItem(accountId, id, merged), storedItem));
    const failed = failedInvoiceOf(merged);
    const name = failedInvoiceName(id);
    const before = read?.[name];
    if (failed) state.set(name, failedInvoiceValue(failed));
    else if (before !== undefined) state.remove(name);
    if (failed || before !== undefined) state.sameValue(name, before);
  }
  if (!state.empty) {
    state.set("accountId", accountId);
    items.push(state.build(table, { pk, sk: STATE_SK }));
  }
  return items;
}

function mergedEntities<E extends Ticket | Invoice>(
  changes: readonly Readonly<Record<string, E>>[],
  merge: (a: E | undefined, b: E) => E,
): Map<string, E> {
  const out = new Map<string, E>();
  for (const change of changes) {
    for (const [id, entity] of Object.entries(change)) out.set(id, merge(out.get(id), entity));
  }
  return out;
}

function sameRegisters(a: Ticket, b: Ticket): boolean {
  const same = (x?: LatestValue, y?: LatestValue) =>
    x === y ||
    (x !== undefined &&
      y !== undefined &&
      x.ts === y.ts &&
      x.eid === y.eid &&
      (x.rk ?? 0) === (y.rk ?? 0));
  return same(a.status, b.status) && same(a.priority, b.priority);
}

/** A ticket or invoice item written over the version read (or only if still absent). */
function entityPut(table: string, item: Item, read: Item | undefined): TransactItem {
  const version = read === undefined ? null : Number(read[VERSION] ?? 0);
  return {
    Put: {
      TableName: table,
      Item: { ...item, [VERSION]: (version ?? 0) + 1 },
      ...(version === null
        ? { ConditionExpression: "attribute_not_exists(pk)" }
        : {
            // Items replay wrote carry no version yet: they read as version 0.
            ConditionExpression: version === 0 ? "attribute_not_exists(#v) OR #v = :v" : "#v = :v",
            ExpressionAttributeNames: { "#v": VERSION },
            ExpressionAttributeValues: { ":v": version },
          }),
    },
  };
}
