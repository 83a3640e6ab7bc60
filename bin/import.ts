/**
 * `npm run import -- FILE.jsonl[.gz] [--url URL | --aws [--table NAME] [--stage S]]
 *   [--endpoint URL] [--model FILE]`
 * Loads history from before deployment: one generic webhook payload per line
 * (`{"type","timestamp","data":{"account_id",…},"id"?}`), through the webhooks' own
 * normalization, identity resolution and dedupe (`id`, else a hash of the line, is the
 * dedupe key), without signatures: it runs with the deployer's credentials. Then it
 * rebuilds the daily history of the accounts it touched (as `npm run replay` does).
 * Bad lines are reported with their numbers and counted; the rest is imported; the exit
 * status is 1 when any line or account failed. Use case: functions/replay/import.ts.
 */
import { access } from "node:fs/promises";
import { parseArgs } from "node:util";
import { BACKGROUND_TIMEOUTS, documentClient } from "../functions/adapters/dynamo/client.ts";
import { DynamoEventStore } from "../functions/adapters/dynamo/event-store.ts";
import { importLines } from "../functions/replay/import.ts";
import { EVENT_RETENTION_DAYS, STALE_MARGIN_DAYS } from "../functions/webhook/ingest.ts";
import { openLines } from "../lib/quality/backtest/load.ts";
import { failer, runCli } from "../lib/quality/cli.ts";
import { chosenModel, indexLagMs, rebuildInTable, rebuildLines } from "../lib/replay/run.ts";
import { stackTableOrFail, TABLE_OPTIONS } from "../lib/stack-table.ts";

const USAGE =
  "usage: npm run import -- FILE.jsonl [--url URL | --aws [--table NAME]] [--endpoint URL] [--model FILE]";

const usage: (message: string) => never = failer("import", USAGE);

async function main() {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) usage("name one events file");
  const file = positionals[0] as string;
  try {
    await access(file);
  } catch {
    usage(`cannot read ${file}`);
  }
  const target = await stackTableOrFail(values, usage);
  const model = await chosenModel(values.model);
  const db = documentClient(target.endpoint, BACKGROUND_TIMEOUTS);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`import: ${file} into ${target.where}, model ${model.modelVersion}`);

  const started = Date.now();
  const report = await importLines(
    {
      store: new DynamoEventStore(db, { tableName: target.tableName }),
      model: model.model,
      onProgress: (lines) => {
        const rate = Math.round(lines / Math.max((Date.now() - started) / 1000, 0.001));
        process.stderr.write(
          `import: ${lines.toLocaleString("en-US")} lines read, ${rate} lines/s\n`,
        );
      },
    },
    await openLines(file),
    Date.now(),
  );
  const o = report.outcomes;
  out(`import.lines: ${report.lines}`);
  out(`import.accepted: ${o.accepted}`);
  out(`import.duplicate: ${o.duplicate} (already stored: applied once)`);
  if (o.stale > 0) {
    out(
      `import.stale: ${o.stale} (older than ${EVENT_RETENTION_DAYS - STALE_MARGIN_DAYS} days, the dedupe window: not applied, as a webhook that old is not, since its dedupe record would expire and a second import would apply it again)`,
    );
  }
  if (o.ignored > 0) out(`import.ignored: ${o.ignored} (types the generic webhook does not apply)`);
  if (o.unmatched > 0)
    out(`import.unmatched: ${o.unmatched} (kept until an alias names the customer)`);
  out(`import.failed: ${report.failed}`);
  for (const problem of report.problems) out(`  line ${problem.line}: ${problem.reason}`);
  if (report.failed > report.problems.length) {
    out(`  … and ${report.failed - report.problems.length} more`);
  }

  const expected = new Map(
    [...report.touched].map(([id, keys]) => [id, keys as ReadonlySet<string>]),
  );
  const rebuilt = await rebuildInTable(
    { db, tableName: target.tableName, model },
    [...expected.keys()],
    {
      expected,
      progress: "import: rebuilding history",
      recheckAfterMs: indexLagMs(target.endpoint),
    },
  );
  for (const line of rebuildLines("import.history", rebuilt)) out(line);
  if (report.failed > 0 || rebuilt.failed.size > 0) process.exitCode = 1;
}

function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      ...TABLE_OPTIONS,
      model: { type: "string" },
    },
  });
}

runCli("import", main);
