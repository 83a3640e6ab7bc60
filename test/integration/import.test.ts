/**
 * `npm run import` against DynamoDB Local: a year of a customer's events becomes a year of
 * daily history; lines repeated (in the file, or by importing it again) are applied once;
 * bad lines are named by number and the rest imported; events older than the dedupe window
 * are said to be skipped.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { accountPk, EVENT_SK, eventPk } from "../../functions/adapters/dynamo/keys.ts";
import { type CliRun, figure, runCli } from "../support/cli.ts";
import { freshTable, testClients } from "../support/dynamo.ts";
import { eventLine, steadyCustomerLines } from "../support/event-lines.ts";
import { testModelInput } from "../support/test-model.ts";

const { doc, endpoint } = testClients();
const DAY_MS = 86_400_000;
const env = { HEALTH_MODEL_JSON: JSON.stringify(testModelInput()) };

async function dayPoints(tableName: string, accountId: string) {
  const out = await doc.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :day)",
      ExpressionAttributeValues: { ":pk": accountPk(accountId), ":day": "DAY#" },
    }),
  );
  return out.Items ?? [];
}

async function aggregate(tableName: string, accountId: string) {
  const out = await doc.send(
    new GetCommand({ TableName: tableName, Key: { pk: accountPk(accountId), sk: "AGG" } }),
  );
  return out.Item;
}

describe("npm run import against DynamoDB Local", () => {
  let tableName: string;
  let dir: string;
  const importFile = async (name: string, lines: readonly string[]): Promise<CliRun> => {
    const file = join(dir, name);
    await writeFile(file, `${lines.join("\n")}\n`);
    return runCli("import", [file, "--endpoint", endpoint, "--table", tableName], { env });
  };

  beforeAll(async () => {
    ({ tableName } = await freshTable("import"));
    dir = await mkdtemp(join(tmpdir(), "import-"));
  });

  it("turns a year of a customer's events into a year of daily history", async () => {
    const lines = steadyCustomerLines("yearly", Date.now(), 365);

    const out = await importFile("year.jsonl", lines);

    expect(out.code, out.stdout + out.stderr).toBe(0);
    expect(figure(out.stdout, "import.accepted")).toBe(lines.length);
    expect(figure(out.stdout, "import.history.accounts_rebuilt")).toBe(1);
    const points = await dayPoints(tableName, "yearly");
    expect(points).toHaveLength(365);
    expect(points.at(-1)).toMatchObject({ tier: "healthy" });
  });

  it("applies a repeated line once, in the file or in a second import of it", async () => {
    const lines = steadyCustomerLines("twice", Date.now(), 30);
    // Without ids, a line's hash is its dedupe key: the same bytes dedupe with each other.
    const anonymous = eventLine("usage", Date.now() - 2 * DAY_MS, {
      account_id: "twice",
      event: "login",
      count: 7,
    });

    const first = await importFile("twice.jsonl", [
      ...lines,
      lines[3] as string,
      anonymous,
      anonymous,
    ]);
    const stored = await aggregate(tableName, "twice");
    const second = await importFile("twice-again.jsonl", [...lines, anonymous]);

    expect(first.code, first.stdout).toBe(0);
    expect(figure(first.stdout, "import.accepted")).toBe(lines.length + 1);
    expect(figure(first.stdout, "import.duplicate")).toBe(2);
    expect(figure(second.stdout, "import.accepted")).toBe(0);
    expect(figure(second.stdout, "import.duplicate")).toBe(lines.length + 1);
    expect(await aggregate(tableName, "twice")).toEqual(stored);
  });

  it("names each bad line by number, imports the others, and exits 1", async () => {
    const now = Date.now();
    const good = (n: number) =>
      eventLine("usage", now - n * DAY_MS, { account_id: "mixed", event: "login" }, `mixed-${n}`);
    const lines = [
      good(1),
      "{not json",
      eventLine("nps", now - DAY_MS, { account_id: "mixed", score: 11 }, "mixed-nps"),
      // No account: the generic format names its customer in data.account_id, always.
      eventLine("usage", now - DAY_MS, { event: "login" }, "mixed-anon"),
      good(2),
    ];

    const out = await importFile("mixed.jsonl", lines);

    expect(out.code).toBe(1);
    expect(figure(out.stdout, "import.accepted")).toBe(2);
    expect(figure(out.stdout, "import.failed")).toBe(3);
    expect(out.stdout).toContain("line 2: not valid JSON");
    expect(out.stdout).toMatch(/line 3: .*score/);
    expect(out.stdout).toContain("line 4: data.account_id is required");
    expect(await dayPoints(tableName, "mixed")).toHaveLength(2);
  });

  it("says how many events were older than the dedupe window and not applied", async () => {
    const now = Date.now();
    const lines = [
      eventLine("usage", now - 500 * DAY_MS, { account_id: "ancient", event: "login" }, "anc-1"),
      eventLine("usage", now - DAY_MS, { account_id: "ancient", event: "login" }, "anc-2"),
    ];

    const out = await importFile("ancient.jsonl", lines);

    expect(out.code, out.stdout).toBe(0);
    expect(figure(out.stdout, "import.stale")).toBe(1);
    expect(out.stdout).toMatch(
      /import\.stale: 1 \(older than 393 days, the dedupe window: not applied/,
    );
    const record = await doc.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: eventPk("generic", "anc-1"), sk: EVENT_SK },
      }),
    );
    expect(record.Item).toBeUndefined();
  });

  it("refuses a missing file or no file with a usage line", async () => {
    const none = await runCli("import", ["--endpoint", endpoint, "--table", tableName], { env });
    const missing = await runCli("import", [join(dir, "nope.jsonl"), "--endpoint", endpoint], {
      env,
    });

    expect(none.code).toBe(2);
    expect(none.stderr).toContain("usage: npm run import");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read");
  });
});
