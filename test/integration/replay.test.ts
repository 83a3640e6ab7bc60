/**
 * Replay against DynamoDB Local: events written by the real ingest path (DynamoEventStore),
 * rebuilt from the eventLog index into the same aggregate and a daily history; a second
 * run writes identical items; `npm run replay` with --account, --all and --resume.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeAggregate } from "../../functions/adapters/dynamo/aggregate-layout.ts";
import { DynamoEventLog } from "../../functions/adapters/dynamo/event-log.ts";
import { DynamoEventStore } from "../../functions/adapters/dynamo/event-store.ts";
import { accountPk } from "../../functions/adapters/dynamo/keys.ts";
import { score } from "../../functions/domain/score.ts";
import { readLog } from "../../functions/replay/rebuild.ts";
import { rebuildInTable } from "../../lib/replay/run.ts";
import { figure, runCli } from "../support/cli.ts";
import { accountItems, freshTable, putListedScore, testClients } from "../support/dynamo.ts";
import { steadyCustomerLines } from "../support/event-lines.ts";
import { ingestLinesAsWebhooks } from "../support/ingest-lines.ts";
import { testCompiled, testModelInput } from "../support/test-model.ts";

const { doc, endpoint } = testClients();
const DAY_MS = 86_400_000;

/** Every item of the account's partition, by sort key. */
async function partition(tableName: string, accountId: string) {
  const items = await accountItems(doc, tableName, accountId);
  return new Map(items.map((item) => [String(item.sk), item]));
}

/**
 * `item` with each number as "close to" its value: sums folded in another order differ in
 * their last bits (floating-point addition is not associative), nothing else may differ.
 */
function closeTo(item: Record<string, unknown> | undefined) {
  return Object.fromEntries(
    Object.entries(item ?? {}).map(([k, v]) => [
      k,
      typeof v === "number"
        ? expect.closeTo(v, Math.max(0, 10 - Math.ceil(Math.log10(Math.abs(v) + 1))))
        : v,
    ]),
  );
}

const days = (items: Map<string, Record<string, unknown>>) =>
  [...items.keys()].filter((sk) => sk.startsWith("DAY#"));

/** Ingests `lines` through the webhooks' path, and lists the account for `--all` as a score would. */
async function seed(tableName: string, accounts: Record<string, number>) {
  const store = new DynamoEventStore(doc, { tableName });
  const lines = Object.entries(accounts).flatMap(([id, n]) =>
    steadyCustomerLines(id, Date.now(), n),
  );
  await ingestLinesAsWebhooks(store, testCompiled.model, lines, Date.now());
  for (const id of Object.keys(accounts)) await putListedScore(doc, tableName, id);
}

describe("replay against DynamoDB Local", () => {
  let tableName: string;
  const run = () => ({ db: doc, tableName, model: testCompiled });

  beforeAll(async () => {
    ({ tableName } = await freshTable("replay"));
    await seed(tableName, { acme: 120, globex: 20, initech: 10 });
  });

  it("reads an account's applied events from the eventLog index, oldest first, page by page", async () => {
    const records = await readLog(new DynamoEventLog(doc, { tableName }), "acme");

    expect(records.length).toBeGreaterThan(120);
    expect(records.every((r) => r.accountId === "acme" && r.status === "applied")).toBe(true);
    const times = records.map((r) => r.occurredAt);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it("rebuilds the aggregate ingestion wrote, and one point per day; a second run writes identical items", async () => {
    const online = await partition(tableName, "acme");

    const first = await rebuildInTable(run(), ["acme"]);
    const once = await partition(tableName, "acme");
    await rebuildInTable(run(), ["acme"]);
    const twice = await partition(tableName, "acme");

    expect(first.failed.size).toBe(0);
    expect(once.get("AGG")).toEqual(closeTo(online.get("AGG")));
    // Online, the day buckets are still unfolded (no score function here); the replay wrote
    // them folded into months, as scoring would have. Read back, they score the same.
    const now = Date.now();
    const scoreOf = (items: Map<string, Record<string, unknown>>) => {
      const aggregateItems = [...items.values()].filter((i) => String(i.sk).startsWith("AGG"));
      const {
        score: value,
        tier,
        components,
      } = score(decodeAggregate("acme", aggregateItems), testCompiled, null, now);
      return { value, tier, components };
    };
    expect([...once.keys()].some((sk) => sk.startsWith("AGG#M#"))).toBe(true);
    expect(scoreOf(once)).toEqual(scoreOf(online));
    expect(days(once)).toHaveLength(120);
    expect(once.get(days(once)[0] as string)).toMatchObject({
      pk: accountPk("acme"),
      modelVersion: testCompiled.modelVersion,
      tier: expect.any(String),
      coverage: expect.any(Number),
      computedAt: expect.any(Number),
      expiresAt: expect.any(Number),
    });
    expect(twice).toEqual(once);
  });

  describe("npm run replay", () => {
    const env = { HEALTH_MODEL_JSON: JSON.stringify(testModelInput()) };
    const target = () => ["--endpoint", endpoint, "--table", tableName];

    it("rebuilds only the accounts named with --account", async () => {
      const cwd = await mkdtemp(join(tmpdir(), "replay-"));
      const before = await partition(tableName, "initech");
      await doc.send(
        new DeleteCommand({ TableName: tableName, Key: { pk: accountPk("globex"), sk: "AGG" } }),
      );

      const out = await runCli("replay", ["--account", "globex", ...target()], { cwd, env });

      expect(out.code, out.stderr).toBe(0);
      expect(figure(out.stdout, "replay.accounts_rebuilt")).toBe(1);
      expect(figure(out.stdout, "replay.daily_points_written")).toBe(20);
      expect((await partition(tableName, "globex")).get("AGG")).toBeDefined();
      expect(await partition(tableName, "initech")).toEqual(before);
      expect(out.stderr).toMatch(/replay \[#+\] 1\/1 accounts, [\d,]+ events, [\d,]+ events\/s/);
    });

    it("rebuilds every scored account with --all, and resumes after the accounts a checkpoint lists", async () => {
      const cwd = await mkdtemp(join(tmpdir(), "replay-"));
      const all = await runCli("replay", ["--all", ...target()], { cwd, env });
      expect(all.code, all.stderr).toBe(0);
      expect(figure(all.stdout, "replay.accounts_rebuilt")).toBe(3);

      // An interrupted run left acme and globex done; their history is gone meanwhile.
      await writeFile(
        join(cwd, ".replay-checkpoint.jsonl"),
        `${JSON.stringify({ table: tableName })}\n"acme"\n"globex"\n`,
      );
      const acmeDay = days(await partition(tableName, "acme"))[5] as string;
      await doc.send(
        new DeleteCommand({ TableName: tableName, Key: { pk: accountPk("acme"), sk: acmeDay } }),
      );

      const resumed = await runCli("replay", ["--all", "--resume", ...target()], { cwd, env });

      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toContain("resuming: 2 already done");
      expect(figure(resumed.stdout, "replay.accounts_skipped")).toBe(2);
      expect(figure(resumed.stdout, "replay.accounts_rebuilt")).toBe(1);
      expect((await partition(tableName, "acme")).has(acmeDay)).toBe(false);
      // Finished without failures: nothing left to resume.
      const again = await runCli("replay", ["--all", "--resume", ...target()], { cwd, env });
      expect(again.code).toBe(2);
      expect(again.stderr).toContain("no checkpoint");
    });

    it("refuses a checkpoint of another table, and bad arguments, with a usage line", async () => {
      const cwd = await mkdtemp(join(tmpdir(), "replay-"));
      await writeFile(join(cwd, ".replay-checkpoint.jsonl"), `{"table":"elsewhere"}\n"a"\n`);

      const other = await runCli("replay", ["--all", "--resume", ...target()], { cwd, env });
      const neither = await runCli("replay", target(), { cwd, env });

      expect(other.code).toBe(2);
      expect(other.stderr).toContain("checkpoint of table elsewhere");
      expect(neither.code).toBe(2);
      expect(neither.stderr).toContain("usage: npm run replay");
    });
  });

  it("writes no daily point for today: the live score owns the day still running", async () => {
    const today = `DAY#${new Date().toISOString().slice(0, 10)}`;
    const yesterday = `DAY#${new Date(Date.now() - DAY_MS).toISOString().slice(0, 10)}`;

    const items = await partition(tableName, "acme");

    expect(items.has(yesterday)).toBe(true);
    expect(items.has(today)).toBe(false);
  });
});
