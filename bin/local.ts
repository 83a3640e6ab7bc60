/**
 * `npm start`: the local runtime. Until it lands (issue "Local runtime"), this starts
 * DynamoDB Local with the real table and says what is coming, so the command is honest.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { JavaMissingError, startDynamoDbLocal } from "../lib/local/dynamodb-local.ts";
import { createTables } from "../lib/local/tables.ts";

// The SDK's Node-version notice is harmless on Node 20; keep real warnings visible.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

try {
  const local = await startDynamoDbLocal({ dataDir: argValue("--data-dir") });
  const client = new DynamoDBClient({
    endpoint: local.endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const { tableName } = await createTables(client, "customer-health-local");
  console.log(`DynamoDB Local: ${local.endpoint} (table ${tableName})`);
  console.log(
    "The HTTP API, stream scoring and alerts are not served locally yet; they arrive with the local runtime issue.",
  );
  console.log("Press Ctrl-C to stop.");
  const shutdown = async () => {
    await local.stop();
    process.exit(0);
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
} catch (error) {
  if (error instanceof JavaMissingError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
