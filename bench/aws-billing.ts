/**
 * Request units as AWS would bill them, for benchmarks against DynamoDB Local (which reports
 * 1 unit per transaction item whatever the item's size).
 *
 * Rules, from AWS's "DynamoDB item sizes and formats" and "DynamoDB read and write operations":
 * - item size: the sum over attributes of the name's UTF-8 bytes plus the value's size
 *   (strings: UTF-8 bytes; numbers: 1 byte per 2 significant digits + 1; binary: raw bytes;
 *   null/boolean: 1; list/map: 3 + per element 1 + the element, map keys counted like names;
 *   sets: the sum of their elements);
 * - writes: ceil(max(item before, item after) / 1 KB) per item, at least 1 (a Delete: the item
 *   before); doubled inside TransactWriteItems, where a ConditionCheck is billed as a write of
 *   the checked item; a write whose condition fails still consumes;
 * - reads: ceil(size / 4 KB) per item for GetItem/BatchGetItem (a missing item still costs
 *   one), the sum of the sizes read per Query/Scan request rounded up to 4 KB (at least one);
 *   halved when eventually consistent, doubled in TransactGetItems. A projection or filter
 *   does not lower the size read;
 * - global secondary indexes (not doubled by transactions): an item entering an index is a
 *   put of its projection, leaving it a delete, a changed index key both, another change one
 *   write of the larger projection.
 *
 * To know the sizes before and after a write, the meter reads the written items before and
 * after each write through a separate, unmetered client: it assumes no concurrent writer to
 * the same items (the benchmarks drive one customer sequentially).
 */
import {
  DescribeTableCommand,
  type DynamoDBClient,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
} from "@aws-sdk/lib-dynamodb";
import { indexWriteUnits, itemBytes, type ReadKind, readUnits, writeUnits } from "./aws-units.ts";

export {
  indexWriteUnits,
  itemBytes,
  type ReadKind,
  readUnits,
  valueBytes,
  writeUnits,
} from "./aws-units.ts";

type Item = Record<string, unknown>;

export interface BillingTotals {
  /** Read request units of the table and its indexes. */
  rcu: number;
  /** Write request units of the table (transactions doubled). */
  wcu: number;
  /** Write request units of global secondary index maintenance. */
  gsiWcu: number;
  /** Per command name: requests and units. */
  readonly commands: Map<string, { requests: number; rcu: number; wcu: number }>;
}

interface TableShape {
  readonly keys: string[];
  readonly indexes: {
    readonly name: string;
    readonly keys: string[];
    readonly projection: "ALL" | "KEYS_ONLY" | "INCLUDE";
    readonly include: string[];
  }[];
}

/** One write of a command: where, and what the meter needs to price it. */
interface PlannedWrite {
  readonly table: string;
  readonly key: Item;
  /** The new item when the request carries it whole (Put), else read after the write. */
  readonly put?: Item;
  readonly kind: "put" | "update" | "delete" | "check";
}

/**
 * Meters `metered` (a document client) as AWS would bill it. Helper reads go through
 * `unmetered`, a document client over a different low-level client. Turn `enabled` off to
 * let requests through unmetered (and without helper reads).
 */
export class AwsBillingMeter {
  enabled = true;
  private totals: BillingTotals = { rcu: 0, wcu: 0, gsiWcu: 0, commands: new Map() };
  private readonly shapes = new Map<string, Promise<TableShape>>();

  constructor(
    metered: DynamoDBDocumentClient,
    private readonly unmetered: DynamoDBDocumentClient,
    private readonly describer: DynamoDBClient,
  ) {
    metered.middlewareStack.add(
      (next, context) => async (args) => {
        if (!this.enabled) return next(args);
        const name = (context.commandName ?? "unknown").replace(/Command$/, "");
        return this.meter(name, args.input as Item, () => next(args));
      },
      { step: "initialize", name: "awsBillingMeter" },
    );
  }

  /** A copy of the totals so far. */
  snapshot(): BillingTotals {
    const commands = new Map([...this.totals.commands].map(([k, v]) => [k, { ...v }]));
    return { ...this.totals, commands };
  }

  reset(): void {
    this.totals = { rcu: 0, wcu: 0, gsiWcu: 0, commands: new Map() };
  }

  private add(command: string, rcu: number, wcu: number, gsiWcu = 0) {
    this.totals.rcu += rcu;
    this.totals.wcu += wcu;
    this.totals.gsiWcu += gsiWcu;
    const entry = this.totals.commands.get(command) ?? { requests: 0, rcu: 0, wcu: 0 };
    entry.requests += 1;
    entry.rcu += rcu;
    entry.wcu += wcu + gsiWcu;
    this.totals.commands.set(command, entry);
  }

  private async meter<T>(name: string, input: Item, send: () => Promise<T>): Promise<T> {
    const writes = await this.plannedWrites(name, input);
    if (writes !== null) return this.meterWrites(name, writes, send);
    const out = (await send()) as T & { output: Item };
    this.add(name, await this.readCost(name, input, out.output), 0);
    return out;
  }

  private async meterWrites<T>(name: string, writes: PlannedWrite[], send: () => Promise<T>) {
    const before = await this.currentAll(writes);
    let result: T | undefined;
    let failure: unknown;
    let failed = false;
    try {
      result = await send();
    } catch (error) {
      failure = error;
      failed = true;
    }
    // A write whose condition failed (or a cancelled transaction) still consumes: priced on
    // the item as it stands and the item the request carried, never on what was not stored.
    const reread = failed ? [] : writes.filter((w) => w.kind === "update");
    const updated = await this.currentAll(reread);
    const after = writes.map((w, i) =>
      w.kind === "check" || w.kind === "delete"
        ? null
        : (w.put ?? (failed ? before[i] : updated[reread.indexOf(w)])),
    );
    const factor = name === "TransactWriteItems" ? 2 : 1;
    let wcu = 0;
    let gsiWcu = 0;
    for (const [i, write] of writes.entries()) {
      const old = before[i] ?? null;
      const next = after[i] ?? null;
      wcu += factor * writeUnits(itemBytes(old), itemBytes(next));
      if (!failed && write.kind !== "check") {
        gsiWcu += await this.indexCost(write.table, old, write.kind === "delete" ? null : next);
      }
    }
    this.add(name, 0, wcu, gsiWcu);
    if (failed) throw failure;
    return result as T;
  }

  /** The writes a command makes, or null for a read (or a command the meter does not price). */
  private async plannedWrites(name: string, input: Item): Promise<PlannedWrite[] | null> {
    const table = input.TableName as string;
    switch (name) {
      case "PutItem":
        return [await this.putWrite(table, input.Item as Item)];
      case "UpdateItem":
        return [{ table, key: input.Key as Item, kind: "update" }];
      case "DeleteItem":
        return [{ table, key: input.Key as Item, kind: "delete" }];
      case "BatchWriteItem": {
        const writes: PlannedWrite[] = [];
        for (const [t, requests] of Object.entries(input.RequestItems as Record<string, Item[]>)) {
          // Unprocessed requests are priced too: the benchmarks resend none through the meter.
          for (const r of requests) {
            const put = (r.PutRequest as { Item: Item } | undefined)?.Item;
            if (put) writes.push(await this.putWrite(t, put));
            else
              writes.push({ table: t, key: (r.DeleteRequest as Item).Key as Item, kind: "delete" });
          }
        }
        return writes;
      }
      case "TransactWriteItems":
        return Promise.all(
          (input.TransactItems as Item[]).map(async (entry) => {
            const [kind, body] = Object.entries(entry)[0] as [string, Item];
            const t = body.TableName as string;
            if (kind === "Put") return this.putWrite(t, body.Item as Item);
            const k = kind === "Update" ? "update" : kind === "Delete" ? "delete" : "check";
            return { table: t, key: body.Key as Item, kind: k } as PlannedWrite;
          }),
        );
      default:
        return null;
    }
  }

  private async putWrite(table: string, item: Item): Promise<PlannedWrite> {
    const { keys } = await this.shape(table);
    const key = Object.fromEntries(keys.map((k) => [k, item[k]]));
    return { table, key, put: item, kind: "put" };
  }

  /** Read units of a read command, from what it read (re-read whole when it asked for less). */
  private async readCost(name: string, input: Item, output: Item): Promise<number> {
    const consistency = (strong: unknown): ReadKind => (strong ? "strong" : "eventual");
    switch (name) {
      case "GetItem": {
        const table = input.TableName as string;
        const item = input.ProjectionExpression
          ? await this.current(table, input.Key as Item)
          : (output.Item as Item | undefined);
        return readUnits(itemBytes(item), consistency(input.ConsistentRead));
      }
      case "BatchGetItem": {
        let units = 0;
        const requests = input.RequestItems as Record<string, Item>;
        const unprocessed = (output.UnprocessedKeys ?? {}) as Record<string, { Keys?: Item[] }>;
        for (const [table, request] of Object.entries(requests)) {
          const { keys } = await this.shape(table);
          const id = (item: Item) => JSON.stringify(keys.map((k) => item[k]));
          const found = new Map(
            ((output.Responses as Record<string, Item[]>)?.[table] ?? []).map((i) => [id(i), i]),
          );
          const skipped = new Set((unprocessed[table]?.Keys ?? []).map(id));
          for (const key of request.Keys as Item[]) {
            if (skipped.has(id(key))) continue;
            const item = request.ProjectionExpression
              ? await this.current(table, key)
              : found.get(id(key));
            units += readUnits(itemBytes(item), consistency(request.ConsistentRead));
          }
        }
        return units;
      }
      case "TransactGetItems": {
        let units = 0;
        for (const entry of input.TransactItems as { Get: Item }[]) {
          const item = await this.current(entry.Get.TableName as string, entry.Get.Key as Item);
          units += readUnits(itemBytes(item), "transactional");
        }
        return units;
      }
      case "Query":
      case "Scan": {
        // Billed on the items read before any filter or projection: read them whole again.
        const whole = { ...input };
        for (const field of ["FilterExpression", "ProjectionExpression", "Select"]) {
          delete whole[field];
        }
        if (whole.ExpressionAttributeNames || whole.ExpressionAttributeValues) {
          pruneExpressionNames(whole);
        }
        const plain = !input.FilterExpression && !input.ProjectionExpression && !input.Select;
        const items = plain
          ? ((output.Items ?? []) as Item[])
          : ((
              await this.unmetered.send(
                name === "Query"
                  ? new QueryCommand(whole as never)
                  : new ScanCommand(whole as never),
              )
            ).Items ?? []);
        const bytes = items.reduce((n, item) => n + itemBytes(item), 0);
        // An index is read eventually consistently, and its entries are projections.
        return readUnits(bytes, input.IndexName ? "eventual" : consistency(input.ConsistentRead));
      }
      default:
        return 0;
    }
  }

  private async indexCost(table: string, before: Item | null, after: Item | null) {
    const { keys, indexes } = await this.shape(table);
    let units = 0;
    for (const index of indexes) {
      const projected = (item: Item | null) => {
        if (item === null || index.keys.some((k) => item[k] === undefined)) return null;
        const kept =
          index.projection === "ALL"
            ? item
            : Object.fromEntries(
                Object.entries(item).filter(
                  ([k]) => keys.includes(k) || index.keys.includes(k) || index.include.includes(k),
                ),
              );
        return { key: JSON.stringify(index.keys.map((k) => item[k])), bytes: itemBytes(kept) };
      };
      const old = projected(before);
      const next = projected(after);
      // An update that leaves the projection as it was writes nothing to the index.
      if (old && next && old.key === next.key && sameProjection(index, before, after)) continue;
      units += indexWriteUnits(old, next);
    }
    return units;
  }

  /** The items of `writes` as stored now, in order (consistent, unmetered, one request). */
  private async currentAll(writes: readonly PlannedWrite[]): Promise<(Item | undefined)[]> {
    if (writes.length <= 1) return Promise.all(writes.map((w) => this.current(w.table, w.key)));
    const found = new Map<string, Item>();
    const id = (table: string, key: Item) => `${table}|${stableJson(key)}`;
    const requests: Record<string, { Keys: Item[]; ConsistentRead: true }> = {};
    for (const w of writes) {
      const entry = requests[w.table] ?? { Keys: [], ConsistentRead: true };
      if (!entry.Keys.some((k) => stableJson(k) === stableJson(w.key))) entry.Keys.push(w.key);
      requests[w.table] = entry;
    }
    let pending: typeof requests | undefined = requests;
    while (pending && Object.keys(pending).length > 0) {
      const out = await this.unmetered.send(new BatchGetCommand({ RequestItems: pending }));
      for (const [table, items] of Object.entries(out.Responses ?? {})) {
        const { keys } = await this.shape(table);
        for (const item of items) {
          found.set(id(table, Object.fromEntries(keys.map((k) => [k, item[k]]))), item);
        }
      }
      pending = out.UnprocessedKeys as typeof requests | undefined;
    }
    return writes.map((w) => found.get(id(w.table, w.key)));
  }

  /** The item as stored now (consistent, unmetered). */
  private async current(table: string, key: Item): Promise<Item | undefined> {
    const out = await this.unmetered.send(
      new GetCommand({ TableName: table, Key: key, ConsistentRead: true }),
    );
    return out.Item;
  }

  private shape(table: string): Promise<TableShape> {
    let shape = this.shapes.get(table);
    if (!shape) {
      shape = this.describer
        .send(new DescribeTableCommand({ TableName: table }))
        .then(({ Table }) => shapeOf(Table as TableDescription));
      this.shapes.set(table, shape);
    }
    return shape;
  }
}

function shapeOf(table: TableDescription): TableShape {
  const names = (schema: { AttributeName?: string }[] | undefined) =>
    (schema ?? []).map((k) => k.AttributeName as string);
  return {
    keys: names(table.KeySchema),
    indexes: (table.GlobalSecondaryIndexes ?? []).map((index) => ({
      name: index.IndexName as string,
      keys: names(index.KeySchema),
      projection: (index.Projection?.ProjectionType ?? "ALL") as "ALL" | "KEYS_ONLY" | "INCLUDE",
      include: index.Projection?.NonKeyAttributes ?? [],
    })),
  };
}

function sameProjection(
  index: TableShape["indexes"][number],
  before: Item | null,
  after: Item | null,
) {
  if (index.projection !== "ALL") {
    const attrs = [...index.keys, ...index.include];
    return attrs.every((a) => JSON.stringify(before?.[a]) === JSON.stringify(after?.[a]));
  }
  return stableJson(before) === stableJson(after);
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v instanceof Set
      ? [...v].sort()
      : v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
        : v,
  );
}

/** Drops expression names and values no longer used once filter and projection are gone. */
function pruneExpressionNames(input: Item) {
  const used = [input.KeyConditionExpression].filter(Boolean).join(" ");
  for (const field of ["ExpressionAttributeNames", "ExpressionAttributeValues"]) {
    const map = input[field] as Item | undefined;
    if (!map) continue;
    const kept = Object.fromEntries(
      Object.entries(map).filter(([k]) => new RegExp(`${k}(?![A-Za-z0-9_])`).test(used)),
    );
    if (Object.keys(kept).length > 0) input[field] = kept;
    else delete input[field];
  }
}
