/**
 * `npm run preview -- --model FILE [--url URL | --aws [--table NAME] [--stage STAGE]]
 *   [--endpoint URL] [--limit N]`
 * Scores every current customer with a candidate model and prints how many would change
 * tier, which ones (from → to, score old → new), and how the scores move. Reads only:
 * nothing is written anywhere. How it works: docs/quality.md ("Preview").
 *
 * --url: the `npm start` stack at URL (default http://127.0.0.1:${PORT:-3000}); its
 *   DynamoDB Local endpoint and table come from the file `npm start` writes, or from
 *   --endpoint and --table. --aws: the deployed table, with the deployer's credentials;
 *   its name from --table, else the stack's SSM parameter /customer-health/<stage>/table-arn.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { BACKGROUND_TIMEOUTS, documentClient } from "../functions/adapters/dynamo/client.ts";
import { DynamoCurrentCustomers } from "../functions/adapters/dynamo/current-customers.ts";
import { loadModel } from "../lib/model-source.ts";
import { readLocalStackInfo } from "../lib/preview/local-stack.ts";
import { previewModel } from "../lib/preview/preview.ts";
import { formatSummary, summarize } from "../lib/preview/summary.ts";
import { SERVICE_NAME } from "../lib/topology.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

function fail(message: string): never {
  process.stderr.write(`preview: ${message}\n`);
  process.exit(2);
}

/** The deployed table's name: --table, else the SSM parameter the stateful stack publishes. */
async function awsTableName(table: string | undefined, stage: string | undefined) {
  if (table) return table;
  const chosenStage =
    stage ??
    ((JSON.parse(await readFile("cdk.json", "utf8")) as { context?: { stage?: string } }).context
      ?.stage as string | undefined) ??
    "dev";
  const parameter = `/${SERVICE_NAME}/${chosenStage}/table-arn`;
  // Not a dependency of the functions: loaded only here, and only when installed.
  const ssmModule = "@aws-sdk/client-ssm";
  let ssm: {
    SSMClient: new () => { send(c: unknown): Promise<{ Parameter?: { Value?: string } }> };
    GetParameterCommand: new (input: { Name: string }) => unknown;
  };
  try {
    ssm = await import(ssmModule);
  } catch {
    fail(
      `reading the table name from SSM (${parameter}) needs ${ssmModule}, which is not installed: pass --table NAME (the stateful stack's TableName output)`,
    );
  }
  const out = await new ssm.SSMClient().send(new ssm.GetParameterCommand({ Name: parameter }));
  const arn = out.Parameter?.Value;
  if (!arn) fail(`SSM parameter ${parameter} has no value`);
  return arn.slice(arn.indexOf(":table/") + ":table/".length);
}

async function main() {
  const { values } = parseArgs({
    options: {
      model: { type: "string" },
      url: { type: "string" },
      aws: { type: "boolean", default: false },
      endpoint: { type: "string" },
      table: { type: "string" },
      stage: { type: "string" },
      limit: { type: "string" },
    },
  });
  if (!values.model)
    fail("--model FILE is required (.json, .ts or .js; `default` names the default model)");
  if (values.aws && values.url) fail("--url and --aws are exclusive: one stack at a time");
  const limit = Number(values.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 0)
    fail(`--limit must be a whole number, got "${values.limit}"`);
  const candidate =
    values.model === "default"
      ? (await import("../functions/domain/model.ts")).compileModel(
          (await import("../functions/domain/model.default.ts")).defaultModel,
        )
      : await loadModel(values.model, process.cwd());

  let endpoint: string | undefined;
  let tableName: string;
  let where: string;
  if (values.aws) {
    tableName = await awsTableName(values.table, values.stage);
    where = `table ${tableName} in AWS (${process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "the profile's region"})`;
  } else {
    const url =
      values.url ?? process.env.DEMO_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
    const info = await readLocalStackInfo(url);
    endpoint = values.endpoint ?? process.env.DYNAMODB_ENDPOINT ?? info?.dynamoEndpoint;
    tableName = values.table ?? info?.tableName ?? "customer-health-local";
    if (!endpoint) {
      fail(
        `no running \`npm start\` found for ${url}: start it (PORT=… for another port), or pass --endpoint with the DynamoDB Local address its banner prints`,
      );
    }
    where = `the local stack at ${url} (DynamoDB Local ${endpoint}, table ${tableName})`;
  }
  const db = documentClient(endpoint, BACKGROUND_TIMEOUTS);
  const changes = await previewModel(new DynamoCurrentCustomers(db, { tableName }), candidate);
  const summary = summarize(changes);
  process.stdout.write(
    `${[
      `preview.model: ${candidate.modelVersion}`,
      `preview.source: ${where} (read only)`,
      ...formatSummary(summary, limit),
    ].join("\n")}\n`,
  );
}

main().catch((error: unknown) => {
  const e = error as Error;
  fail(e.name === "Error" || !e.name ? e.message : `${e.name}: ${e.message}`);
});
