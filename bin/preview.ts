/**
 * `npm run preview -- --model FILE [--url URL | --aws [--table NAME] [--stage STAGE]]
 *   [--endpoint URL] [--limit N]`
 * Scores every current customer with a candidate model and prints how many would change
 * tier, which ones (from → to, score old → new), and how the scores move, and whether the
 * candidate weighs usage events differently from the deployed model (then stored events
 * need `npm run replay -- --all` after the deploy). Reads only:
 * nothing is written anywhere. How it works: docs/quality.md ("Preview").
 *
 * --url: the `npm start` stack at URL (default http://127.0.0.1:${PORT:-3000}); its
 *   DynamoDB Local endpoint and table come from the file `npm start` writes, or from
 *   --endpoint and --table. --aws: the deployed table, with the deployer's credentials;
 *   its name from --table, else the stack's SSM parameter /customer-health/<stage>/table-arn.
 */
import { parseArgs } from "node:util";
import { BACKGROUND_TIMEOUTS, documentClient } from "../functions/adapters/dynamo/client.ts";
import { DynamoCurrentCustomers } from "../functions/adapters/dynamo/current-customers.ts";
import { DynamoDueScores } from "../functions/adapters/dynamo/due-scores.ts";
import { loadModel } from "../lib/model-source.ts";
import { previewModel } from "../lib/preview/preview.ts";
import { formatSummary, replayLine, summarize } from "../lib/preview/summary.ts";
import { failer, runCli } from "../lib/quality/cli.ts";
import { stackTableOrFail, TABLE_OPTIONS } from "../lib/stack-table.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const fail: (message: string) => never = failer("preview");

async function main() {
  const { values } = parseArgs({
    options: {
      model: { type: "string" },
      ...TABLE_OPTIONS,
      limit: { type: "string" },
    },
  });
  if (!values.model)
    fail("--model FILE is required (.json, .ts or .js; `default` names the default model)");
  const limit = Number(values.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 0)
    fail(`--limit must be a whole number, got "${values.limit}"`);
  const candidate =
    values.model === "default"
      ? (await import("../functions/domain/model.ts")).compileModel(
          (await import("../functions/domain/model.default.ts")).defaultModel,
        )
      : await loadModel(values.model, process.cwd());

  const { endpoint, tableName, where } = await stackTableOrFail(values, fail);
  const db = documentClient(endpoint, BACKGROUND_TIMEOUTS);
  const changes = await previewModel(new DynamoCurrentCustomers(db, { tableName }), candidate);
  const summary = summarize(changes);
  const deployed = await new DynamoDueScores(db, { tableName }).lastSweep();
  process.stdout.write(
    `${[
      `preview.model: ${candidate.modelVersion}`,
      `preview.source: ${where} (read only)`,
      replayLine(deployed?.impacts ?? null, candidate),
      ...formatSummary(summary, limit),
    ].join("\n")}\n`,
  );
}

runCli("preview", main);
