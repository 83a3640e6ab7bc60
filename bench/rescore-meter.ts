/**
 * Request units as AWS would bill them, for calls made through a document client to
 * DynamoDB Local (which does not bill): the rescore benchmark's own small accounting, until
 * the shared meter (bench/aws-billing.ts) replaces it.
 *
 * Billing rules (DynamoDB developer guide, "read/write capacity unit consumption"):
 * - a write costs 1 unit per started KB of the larger of the item before and after it,
 *   at least 1, doubled inside a transaction; a failed conditional write is billed too;
 * - each GSI the item is in (before or after) costs a write of its index entry (projected
 *   attributes, keys and 100 bytes): a put when the entry appears or changes, a delete when
 *   it goes, both when its key changes, nothing when nothing projected changed;
 * - a read costs 1 unit per started 4 KB of each item (GetItem, BatchGetItem, at least 1 per
 *   key) or of the sum of the items one Query or Scan page reads, whole and before any
 *   filter; half when eventually consistent (every GSI read is).
 * Old and new images are read around each write with a second, unmetered client.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
} from "@aws-sdk/lib-dynamodb";
import type { TableDefinition } from "../lib/topology.ts";
import { itemBytes } from "./dynamo.ts";

type Item = Record<string, unknown>;
type Key = Record<string, unknown>;

export interface Units {
  /** Write request units on the table's items. */
  table: number;
  /** Write requests and their units on the table, by kind of item (sk up to its first `#`). */
  readonly bySk: Map<string, { writes: number; units: number }>;
  /** Write request units on each GSI, by index name. */
  readonly indexes: Map<string, number>;
  /** Read request units. */
  reads: number;
  /** Requests by (low-level) command name: PutItemCommand, QueryCommand, … */
  readonly requests: Map<string, number>;
}

export const emptyUnits = (): Units => ({
  table: 0,
  bySk: new Map(),
  indexes: new Map(),
  reads: 0,
  requests: new Map(),
});

/** Write units of all indexes but `except`. */
export const indexUnits = (u: Units, except: readonly string[] = []) =>
  [...u.indexes].reduce((n, [name, units]) => (except.includes(name) ? n : n + units), 0);

const KB = 1024;
const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / KB));
const readUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / (4 * KB)));

/**
 * Meters every call `doc` makes from now on into `units` (swap `units.current` to start a new
 * tally). `raw` reads the images around writes and is not metered.
 */
export function meter(
  doc: DynamoDBDocumentClient,
  raw: DynamoDBDocumentClient,
  table: TableDefinition,
) {
  /**
   * `singleWriteFactor`: 2 to bill single-item writes as if they were in a transaction (the
   * baseline: before, score and history point were written in one).
   */
  const tally = { current: emptyUnits(), singleWriteFactor: 1 };
  const keyOf = (item: Item): Key => ({
    [table.partitionKey.name]: item[table.partitionKey.name],
    [table.sortKey.name]: item[table.sortKey.name],
  });
  const image = async (tableName: string, key: Key) =>
    (await raw.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true })))
      .Item as Item | undefined;

  /** The index entry of `item` in `index`, or undefined when the item is not in it. */
  const entryOf = (item: Item | undefined, index: TableDefinition["globalIndexes"][number]) => {
    if (!item || item[index.partitionKey.name] === undefined) return undefined;
    if (item[index.sortKey.name] === undefined) return undefined;
    if ((index.projection ?? "ALL") === "ALL") return item;
    return {
      ...keyOf(item),
      [index.partitionKey.name]: item[index.partitionKey.name],
      [index.sortKey.name]: item[index.sortKey.name],
    };
  };
  const chargeWrite = (
    key: Key,
    before: Item | undefined,
    after: Item | undefined,
    factor: number,
  ) => {
    const units = tally.current;
    const charged = factor * writeUnits(Math.max(itemBytes(before ?? {}), itemBytes(after ?? {})));
    units.table += charged;
    const kind = String(key[table.sortKey.name]).split("#")[0] as string;
    const sk = units.bySk.get(kind) ?? { writes: 0, units: 0 };
    units.bySk.set(kind, { writes: sk.writes + 1, units: sk.units + charged });
    for (const index of table.globalIndexes) {
      const old = entryOf(before, index);
      const next = entryOf(after, index);
      const size = (entry: Item) => writeUnits(itemBytes(entry) + 100);
      let cost = 0;
      if (old && next) {
        const keyChanged =
          old[index.partitionKey.name] !== next[index.partitionKey.name] ||
          old[index.sortKey.name] !== next[index.sortKey.name];
        if (keyChanged) cost = size(old) + size(next);
        else if (JSON.stringify(sorted(old)) !== JSON.stringify(sorted(next))) cost = size(next);
      } else if (old) cost = size(old);
      else if (next) cost = size(next);
      if (cost > 0) units.indexes.set(index.name, (units.indexes.get(index.name) ?? 0) + cost);
    }
  };
  const pageReads = (items: readonly Item[], consistent: boolean, indexName?: string) => {
    const index = table.globalIndexes.find((i) => i.name === indexName);
    // A KEYS_ONLY index is read whole whatever the projection asked: count its keys.
    const bytes = items.reduce((n, item) => {
      const entry =
        index?.projection === "KEYS_ONLY"
          ? { ...item, sk: "SCORE", duePk: "DUE#0", dueAt: 1_800_000_000_000 }
          : item;
      return n + itemBytes(entry);
    }, 0);
    return readUnits(bytes) * (consistent ? 1 : 0.5);
  };

  /**
   * The items a Query or Scan page read, as billed: a filter and a projection apply after
   * the read, so the same page is read again without them (through `raw`).
   */
  const itemsRead = async (name: string, input: Item, returned: Item[]): Promise<Item[]> => {
    if (input.FilterExpression === undefined && input.ProjectionExpression === undefined) {
      return returned;
    }
    const {
      FilterExpression: _filter,
      ProjectionExpression: _projection,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ...request
    } = input;
    // Only the placeholders the key condition still uses may be sent.
    const inKeyCondition = new Set(
      String(request.KeyConditionExpression ?? "").match(/[:#][A-Za-z0-9_]+/g) ?? [],
    );
    const usedIn = (placeholders: unknown) => {
      const kept = Object.entries((placeholders ?? {}) as Item).filter(([k]) =>
        inKeyCondition.has(k),
      );
      return kept.length > 0 ? Object.fromEntries(kept) : undefined;
    };
    const unfiltered = {
      ...request,
      ExpressionAttributeNames: usedIn(names),
      ExpressionAttributeValues: usedIn(values),
    };
    const out = await raw.send(
      name === "QueryCommand"
        ? new QueryCommand(unfiltered as never)
        : new ScanCommand(unfiltered as never),
    );
    return (out.Items ?? []) as Item[];
  };

  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? "unknown";
      const units = tally.current;
      units.requests.set(name, (units.requests.get(name) ?? 0) + 1);
      const input = args.input as Item;
      const writes = writeTargets(name, input, keyOf, tally.singleWriteFactor);
      const before = await Promise.all(writes.map((w) => image(w.tableName, w.key)));
      let output: Awaited<ReturnType<typeof next>> | undefined;
      try {
        output = await next(args);
        return output;
      } finally {
        const after = await Promise.all(writes.map((w) => image(w.tableName, w.key)));
        writes.forEach((w, i) => {
          chargeWrite(w.key, before[i], after[i], w.factor);
        });
        const out = (output?.output ?? {}) as Item;
        if (name === "GetItemCommand") {
          units.reads +=
            readUnits(itemBytes(out.Item ?? {})) * (input.ConsistentRead === true ? 1 : 0.5);
        } else if (name === "BatchGetItemCommand") {
          for (const [tableName, request] of Object.entries(input.RequestItems as Item)) {
            const { Keys, ConsistentRead } = request as { Keys: Key[]; ConsistentRead?: boolean };
            const found = ((out.Responses as Item | undefined)?.[tableName] ?? []) as Item[];
            const unprocessed =
              ((out.UnprocessedKeys as Item | undefined)?.[tableName] as { Keys?: Key[] })?.Keys
                ?.length ?? 0;
            const missing = Keys.length - unprocessed - found.length;
            const factor = ConsistentRead === true ? 1 : 0.5;
            units.reads +=
              factor * (found.reduce((n, item) => n + readUnits(itemBytes(item)), 0) + missing);
          }
        } else if (name === "QueryCommand" || name === "ScanCommand") {
          units.reads += pageReads(
            await itemsRead(name, input, (out.Items ?? []) as Item[]),
            input.ConsistentRead === true,
            input.IndexName as string | undefined,
          );
        }
      }
    },
    { step: "initialize", name: "awsBillingMeter" },
  );
  return tally;
}

interface WriteTarget {
  readonly tableName: string;
  readonly key: Key;
  /** 2 inside a transaction. */
  readonly factor: number;
}

/** The items a write command touches. */
function writeTargets(
  name: string,
  input: Item,
  keyOf: (item: Item) => Key,
  singleFactor: number,
): WriteTarget[] {
  const one = (request: Item, factor: number): WriteTarget => ({
    tableName: String(request.TableName),
    key: (request.Key as Key | undefined) ?? keyOf(request.Item as Item),
    factor,
  });
  if (name === "PutItemCommand" || name === "UpdateItemCommand" || name === "DeleteItemCommand") {
    return [one(input, singleFactor)];
  }
  if (name === "TransactWriteItemsCommand") {
    return (input.TransactItems as Item[]).map((t) => {
      const request = (t.Put ?? t.Update ?? t.Delete ?? t.ConditionCheck) as Item;
      return one(request, 2);
    });
  }
  return [];
}

/** An object with its keys sorted, to compare images whatever order their maps come in. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== "object" || value instanceof Set) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sorted((value as Item)[k])]),
  );
}
