/**
 * Which table a command-line tool (preview, replay, import) works on: the `npm start`
 * stack at `--url` (default http://127.0.0.1:${PORT:-3000}), whose DynamoDB Local endpoint
 * and table come from the file `npm start` writes (or --endpoint and --table); or, with
 * `--aws`, the deployed table, with the deployer's credentials: --table NAME (the stateful
 * stack's TableName output), else the stack's SSM parameter /customer-health/<stage>/table-arn.
 */
import { readFile } from "node:fs/promises";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { readLocalStackInfo } from "./preview/local-stack.ts";
import { SERVICE_NAME } from "./topology.ts";

export interface TableOptions {
  readonly url?: string | undefined;
  readonly aws?: boolean | undefined;
  readonly endpoint?: string | undefined;
  readonly table?: string | undefined;
  readonly stage?: string | undefined;
}

/** The options that name a table, as `parseArgs` takes them (see TableOptions). */
export const TABLE_OPTIONS = {
  url: { type: "string" },
  aws: { type: "boolean", default: false },
  endpoint: { type: "string" },
  table: { type: "string" },
  stage: { type: "string" },
} as const;

export interface StackTable {
  /** DynamoDB Local's endpoint; undefined in AWS (the SDK's regional endpoint). */
  readonly endpoint: string | undefined;
  readonly tableName: string;
  /** Where, in words, for the tool's output. */
  readonly where: string;
}

/** The table cannot be found from the options given: a usage error (exit 2). */
export class TableTargetError extends Error {
  override readonly name = "TableTargetError";
}

/** The deployed table's name: --table, else the SSM parameter the stateful stack publishes. */
async function awsTableName(
  table: string | undefined,
  stage: string | undefined,
  ssm: Pick<SSMClient, "send"> | undefined,
) {
  if (table) return table;
  const chosenStage =
    stage ??
    ((JSON.parse(await readFile("cdk.json", "utf8")) as { context?: { stage?: string } }).context
      ?.stage as string | undefined) ??
    "dev";
  const parameter = `/${SERVICE_NAME}/${chosenStage}/table-arn`;
  let arn: string | undefined;
  try {
    const client = ssm ?? new SSMClient();
    arn = (await client.send(new GetParameterCommand({ Name: parameter }))).Parameter?.Value;
  } catch (error) {
    if ((error as Error).name !== "ParameterNotFound") throw error;
  }
  if (!arn) {
    throw new TableTargetError(
      `no table name in SSM parameter ${parameter} (is stage "${chosenStage}" deployed in this region?): pass --stage or --table NAME (the stateful stack's TableName output)`,
    );
  }
  return arn.slice(arn.indexOf(":table/") + ":table/".length);
}

/** Finds the table `options` name, locally or in AWS. */
export async function resolveStackTable(
  options: TableOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
  /** @default a client of the profile's region, made only when SSM is asked */
  ssm?: Pick<SSMClient, "send">,
): Promise<StackTable> {
  if (options.aws && options.url) {
    throw new TableTargetError("--url and --aws are exclusive: one stack at a time");
  }
  if (options.aws) {
    const tableName = await awsTableName(options.table, options.stage, ssm);
    return {
      endpoint: undefined,
      tableName,
      where: `table ${tableName} in AWS (${env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "the profile's region"})`,
    };
  }
  const url = options.url ?? env.DEMO_URL ?? `http://127.0.0.1:${env.PORT ?? 3000}`;
  const info = options.endpoint && options.table ? null : await readLocalStackInfo(url);
  const endpoint = options.endpoint ?? env.DYNAMODB_ENDPOINT ?? info?.dynamoEndpoint;
  const tableName = options.table ?? info?.tableName ?? "customer-health-local";
  if (!endpoint) {
    throw new TableTargetError(
      `no running \`npm start\` found for ${url}: start it (PORT=… for another port), or pass --endpoint with the DynamoDB Local address its banner prints`,
    );
  }
  return {
    endpoint,
    tableName,
    where: `the local stack at ${url} (DynamoDB Local ${endpoint}, table ${tableName})`,
  };
}

/** `resolveStackTable` for a CLI: a table it cannot find is a usage error (`fail`). */
export async function stackTableOrFail(
  options: TableOptions,
  fail: (message: string) => never,
): Promise<StackTable> {
  try {
    return await resolveStackTable(options);
  } catch (error) {
    if (error instanceof TableTargetError) fail(error.message);
    throw error;
  }
}
