/**
 * `npm run backtest -- --events FILE.jsonl[.gz] --labels FILE.csv --at DATE [--at DATE …]
 *   [--horizon DAYS] [--model FILE …] [--archetypes FILE.csv] [--report FILE.html]
 *   [--write-baseline FILE.json] [--workers N]`
 * Replays the events through the real normalization, aggregation and scoring code on a
 * simulated clock, prints `name: value unit` lines (two models: side by side) and writes an
 * HTML report. How to read it: docs/quality.md.
 */
import { stat, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { baselineOf } from "../lib/quality/backtest/baseline.ts";
import { runBacktest } from "../lib/quality/backtest/run.ts";
import { dateOption, failer } from "../lib/quality/cli.ts";
import { reportHtml } from "../lib/quality/report-html.ts";

const fail: (message: string) => never = failer("backtest");

async function main() {
  const { values } = parseArgs({
    options: {
      events: { type: "string" },
      labels: { type: "string" },
      at: { type: "string", multiple: true },
      horizon: { type: "string" },
      model: { type: "string", multiple: true },
      archetypes: { type: "string" },
      report: { type: "string" },
      "write-baseline": { type: "string" },
      workers: { type: "string" },
    },
  });
  if (!values.events) fail("--events FILE.jsonl is required");
  if (!values.labels) fail("--labels FILE.csv is required");
  if (!values.at?.length) fail("at least one --at DATE is required");
  const horizonDays = Number(values.horizon ?? 60);
  if (!Number.isInteger(horizonDays) || horizonDays < 1) {
    fail(`--horizon must be a positive number of days, got "${values.horizon}"`);
  }
  // Threads pay off on large files only (each warms up its own JIT; docs/quality.md).
  const large = (await stat(values.events)).size > 32 * 1024 * 1024;
  const workers = Number(values.workers ?? (large ? Math.min(2, availableParallelism()) : 1));
  if (!Number.isInteger(workers) || workers < 1) {
    fail(`--workers must be a positive integer, got "${values.workers}"`);
  }
  const result = await runBacktest({
    workers,
    eventsPath: values.events,
    labelsPath: values.labels,
    at: values.at.map((v) => dateOption(fail, "--at", v)).sort((a, b) => a - b),
    horizonDays,
    modelFiles: values.model ?? [],
    archetypesPath: values.archetypes,
  });
  for (const problem of result.loaded.problems) process.stderr.write(`backtest: ${problem}\n`);
  const reportPath = values.report ?? "backtest-report.html";
  await writeFile(reportPath, reportHtml(result));
  process.stdout.write(`${[...result.lines, `backtest.report: ${reportPath}`].join("\n")}\n`);
  if (values["write-baseline"]) {
    const baseline = baselineOf(result, {
      events: values.events,
      labels: values.labels,
      at: values.at,
      horizonDays,
    });
    await writeFile(values["write-baseline"], `${JSON.stringify(baseline, null, 2)}\n`);
    process.stdout.write(`backtest.baseline: ${values["write-baseline"]}\n`);
  }
}

main().catch((error: unknown) => {
  const e = error as Error;
  fail(e.name === "Error" || !e.name ? e.message : `${e.name}: ${e.message}`);
});
