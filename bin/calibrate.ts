/**
 * `npm run calibrate -- --events FILE.jsonl[.gz] --labels FILE.csv --at DATE [--at DATE …]
 *   [--holdout DATE] [--horizon DAYS] [--model FILE] [--tiers] [--folds K] --out model.json`
 * Fits the model's weights, per-event impacts and (with --tiers) tier thresholds to the
 * history on the --at dates, writes the model with a comment per changed value, and
 * prints the backtest of both models on a later held-out date. Deploys nothing.
 * How it works: docs/quality.md ("Calibrate").
 */
import { parseArgs } from "node:util";
import { runCalibrate } from "../lib/quality/calibrate/run.ts";
import { dateOption, failer } from "../lib/quality/cli.ts";

const fail: (message: string) => never = failer("calibrate");

async function main() {
  const { values } = parseArgs({
    options: {
      events: { type: "string" },
      labels: { type: "string" },
      at: { type: "string", multiple: true },
      holdout: { type: "string" },
      horizon: { type: "string" },
      model: { type: "string" },
      tiers: { type: "boolean", default: false },
      folds: { type: "string" },
      out: { type: "string" },
    },
  });
  if (!values.events) fail("--events FILE.jsonl is required");
  if (!values.labels) fail("--labels FILE.csv is required");
  if (!values.at?.length) fail("at least one --at DATE is required");
  if (!values.out) fail("--out FILE (.json, .ts or .js) is required");
  if (!/\.(json|ts|mts|js|mjs)$/.test(values.out)) fail("--out must end in .json, .ts or .js");
  const horizonDays = Number(values.horizon ?? 60);
  if (!Number.isInteger(horizonDays) || horizonDays < 1) {
    fail(`--horizon must be a positive number of days, got "${values.horizon}"`);
  }
  const folds = Number(values.folds ?? 5);
  if (!Number.isInteger(folds) || folds < 2)
    fail(`--folds must be an integer ≥ 2, got "${values.folds}"`);
  const result = await runCalibrate({
    eventsPath: values.events,
    labelsPath: values.labels,
    at: values.at.map((v) => dateOption(fail, "--at", v)),
    holdout:
      values.holdout === undefined ? undefined : dateOption(fail, "--holdout", values.holdout),
    horizonDays,
    modelFile: values.model,
    tiers: values.tiers ?? false,
    outPath: values.out,
    folds,
  });
  process.stdout.write(`${result.lines.join("\n")}\n`);
}

main().catch((error: unknown) => {
  const e = error as Error;
  fail(e.name === "Error" || !e.name ? e.message : `${e.name}: ${e.message}`);
});
