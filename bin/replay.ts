/**
 * `npm run replay -- (--account ID ... | --all) [--url URL | --aws [--table NAME] [--stage S]]
 *   [--endpoint URL] [--model FILE] [--resume] [--concurrency N]`
 * Rebuilds customers' aggregates and daily history from the event log (functions/replay).
 * Idempotent: a second run writes the same items. Each finished account is noted in
 * .replay-checkpoint.jsonl; after an interruption or a failure, the same command with
 * --resume skips the accounts already done. Progress goes to stderr, the summary to stdout.
 * Which table: lib/stack-table.ts (the `npm start` stack at --url, or --aws).
 */
import { parseArgs } from "node:util";
import { BACKGROUND_TIMEOUTS, documentClient } from "../functions/adapters/dynamo/client.ts";
import { failer, runCli } from "../lib/quality/cli.ts";
import { CHECKPOINT_FILE, CheckpointError, FileCheckpoint } from "../lib/replay/checkpoint-file.ts";
import {
  allAccounts,
  chosenModel,
  indexLagMs,
  rebuildInTable,
  rebuildLines,
} from "../lib/replay/run.ts";
import { stackTableOrFail, TABLE_OPTIONS } from "../lib/stack-table.ts";

const USAGE =
  "usage: npm run replay -- (--account ID ... | --all) [--url URL | --aws [--table NAME]] [--endpoint URL] [--model FILE] [--resume] [--concurrency N]";

const usage: (message: string) => never = failer("replay", USAGE);

async function main() {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse().values;
  } catch (error) {
    usage((error as Error).message);
  }
  const accounts = values.account ?? [];
  if (values.all === accounts.length > 0) usage("name the accounts (--account ID ...) or --all");
  const concurrency = Number(values.concurrency ?? 4);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    usage(`--concurrency must be a whole number from 1 to 64, got "${values.concurrency}"`);
  }
  const target = await stackTableOrFail(values, usage);
  let checkpoint: FileCheckpoint;
  try {
    checkpoint = await FileCheckpoint.open(
      CHECKPOINT_FILE,
      target.tableName,
      values.resume === true,
    );
  } catch (error) {
    if (error instanceof CheckpointError) usage(error.message);
    throw error;
  }
  const model = await chosenModel(values.model);
  const run = {
    db: documentClient(target.endpoint, BACKGROUND_TIMEOUTS),
    tableName: target.tableName,
    model,
  };
  const ids = values.all ? await allAccounts(run) : accounts;
  process.stdout.write(
    `replay: ${ids.length} accounts of ${target.where}, scored with model ${model.modelVersion}${checkpoint.resumedCount > 0 ? `; resuming: ${checkpoint.resumedCount} already done` : ""}\n`,
  );
  process.once("SIGINT", () => {
    process.stderr.write(
      `\nreplay: interrupted; the accounts finished are in ${CHECKPOINT_FILE}: run the same command with --resume to go on\n`,
    );
    process.exit(130);
  });
  const report = await rebuildInTable(run, ids, {
    checkpoint,
    concurrency,
    progress: "replay",
    recheckAfterMs: indexLagMs(target.endpoint),
  });
  process.stdout.write(`${rebuildLines("replay", report).join("\n")}\n`);
  if (report.failed.size > 0) {
    process.stdout.write(
      `replay: run the same command with --resume to retry the failed accounts (the others are skipped)\n`,
    );
    process.exitCode = 1;
  }
}

function parse() {
  return parseArgs({
    options: {
      account: { type: "string", multiple: true },
      all: { type: "boolean", default: false },
      ...TABLE_OPTIONS,
      model: { type: "string" },
      resume: { type: "boolean", default: false },
      concurrency: { type: "string" },
    },
  });
}

runCli("replay", main);
