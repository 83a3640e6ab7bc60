/**
 * The least-privilege grants (FUNCTIONS[…].tableActions / indexActions) must cover every
 * DynamoDB call a function's code can make: a missing action only shows in AWS, as an
 * AccessDenied (the local runtime has no IAM). This test bundles each entry the way the CDK
 * does (esbuild), reads the project files in the bundle and lists the DynamoDB operations
 * they issue. Over-approximate on purpose: a file in the bundle counts whole.
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../../lib/app.ts";
import { FUNCTIONS, type FunctionId, type TableAction } from "../../../lib/topology.ts";

const FUNCTION_IDS = Object.keys(FUNCTIONS) as FunctionId[];

/** Document-client and low-level commands, by the IAM action they need. */
const COMMAND_ACTIONS: Readonly<Record<string, TableAction>> = {
  GetCommand: "GetItem",
  GetItemCommand: "GetItem",
  BatchGetCommand: "BatchGetItem",
  BatchGetItemCommand: "BatchGetItem",
  TransactGetCommand: "GetItem",
  TransactGetItemsCommand: "GetItem",
  QueryCommand: "Query",
  ScanCommand: "Scan",
  PutCommand: "PutItem",
  PutItemCommand: "PutItem",
  UpdateCommand: "UpdateItem",
  UpdateItemCommand: "UpdateItem",
  DeleteCommand: "DeleteItem",
  DeleteItemCommand: "DeleteItem",
  BatchWriteCommand: "BatchWriteItem",
  BatchWriteItemCommand: "BatchWriteItem",
};

/** Transaction items (`{ Put: {…} }`), by the IAM action each needs. */
const TRANSACTION_ITEMS: Readonly<Record<string, TableAction>> = {
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  ConditionCheck: "ConditionCheckItem",
};

/**
 * Operations a bundle can reach but the function never runs, each with the reason. Keep this
 * short: every entry is a place where the grant is narrower than the code in the bundle.
 */
const REACHABLE_BUT_UNUSED: Partial<Record<FunctionId, Partial<Record<TableAction, string>>>> = {
  api: {
    BatchGetItem:
      "DynamoEventStore.resolveAliases and DynamoScoreStore.load are bundled (shared modules); the API reads scores with GetItem",
  },
};

/** The project source files esbuild puts into `entry`'s bundle. */
async function bundledSources(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(PROJECT_ROOT, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    logLevel: "silent",
  });
  return Object.keys(result.metafile.inputs)
    .map((input) => relative(PROJECT_ROOT, join(PROJECT_ROOT, input)))
    .filter((path) => !path.includes("node_modules") && path.endsWith(".ts"));
}

/** The DynamoDB operations a source text issues. */
function operationsIn(source: string): Set<TableAction> {
  const found = new Set<TableAction>();
  for (const [, command] of source.matchAll(/new\s+(\w+Command)\s*\(/g)) {
    const action = COMMAND_ACTIONS[command as string];
    if (action) found.add(action);
  }
  // Transaction items are often built in one module and sent by a shared helper in another,
  // so they count wherever they are written.
  for (const [, item] of source.matchAll(/\b(Put|Update|Delete|ConditionCheck)\s*:\s*\{/g)) {
    found.add(TRANSACTION_ITEMS[item as string] as TableAction);
  }
  return found;
}

describe("operationsIn", () => {
  it("maps commands and transaction items to IAM actions", () => {
    const source = `
      import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
      db.send(new QueryCommand({ IndexName: "x" }));
      db.send(new TransactWriteCommand({ TransactItems: [{ Put: {} }, { ConditionCheck: {} }] }));`;
    expect([...operationsIn(source)].sort()).toEqual(["ConditionCheckItem", "PutItem", "Query"]);
  });

  it("counts transaction items built in a module that sends them through a shared helper", () => {
    const source = `
      import { transactionCodes } from "./transactions.ts";
      const items = [{ Update: { Key: k } }, { ConditionCheck: { Key: owner } }];
      await transactionCodes(db, items);`;
    expect([...operationsIn(source)].sort()).toEqual(["ConditionCheckItem", "UpdateItem"]);
  });
});

describe("FUNCTIONS table grants", () => {
  const reachable = new Map<FunctionId, Map<TableAction, string[]>>();

  beforeAll(async () => {
    for (const id of FUNCTION_IDS) {
      const byAction = new Map<TableAction, string[]>();
      for (const file of await bundledSources(FUNCTIONS[id].entry)) {
        for (const action of operationsIn(readFileSync(join(PROJECT_ROOT, file), "utf8"))) {
          byAction.set(action, [...(byAction.get(action) ?? []), file]);
        }
      }
      reachable.set(id, byAction);
    }
  }, 60_000);

  it.each(FUNCTION_IDS)("%s may take every DynamoDB action its bundle issues", (id) => {
    const def = FUNCTIONS[id];
    const granted = new Set<TableAction>([
      ...def.tableActions,
      ...Object.values(def.indexActions ?? {}).flat(),
    ]);
    const unused = REACHABLE_BUT_UNUSED[id] ?? {};
    const missing = [...(reachable.get(id) ?? new Map())]
      .filter(([action]) => !granted.has(action) && !(action in unused))
      .map(([action, files]) => `${action} (issued in ${files.join(", ")})`);
    expect(missing, `add to FUNCTIONS.${id}.tableActions in lib/topology.ts`).toEqual([]);
  });

  it.each(FUNCTION_IDS)("%s is granted no action its code cannot issue", (id) => {
    const def = FUNCTIONS[id];
    const issued = reachable.get(id) ?? new Map();
    const extra = [...def.tableActions, ...Object.values(def.indexActions ?? {}).flat()].filter(
      (action) => !issued.has(action),
    );
    expect(extra, `remove from FUNCTIONS.${id} in lib/topology.ts`).toEqual([]);
  });
});
