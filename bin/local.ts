/**
 * `npm start`: the whole system on this machine (see lib/local/runtime.ts).
 * Options: --data-dir DIR (persist DynamoDB Local), PORT (default 3000).
 * A taken port, a bad PORT, incomplete email settings or a missing Java is one line on
 * stderr and exit code 1.
 */
import { JavaMissingError } from "../lib/local/dynamodb-local.ts";
import { assertPortFree, PortInUseError, portFromEnv } from "../lib/local/port.ts";

// The SDK's Node-version notice is harmless on Node 20; keep real warnings visible.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
process.env.POWERTOOLS_LOG_LEVEL ??= "WARN";

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const started = Date.now();
try {
  // Checked before the runtime (and the SDK) is even loaded, so a taken port fails at once.
  const port = portFromEnv(process.env.PORT, 3000);
  await assertPortFree(port, "127.0.0.1");
  const { SECRET_ENV, startLocalStack } = await import("../lib/local/runtime.ts");
  // The page builds (Vite, a few seconds; skipped when dashboard/dist is current) while
  // DynamoDB Local starts. A failed build leaves the API running and says why.
  const { buildDashboard } = await import("../lib/local/dashboard-site.ts");
  const dashboard = buildDashboard().then(
    (outcome) => `Dashboard: ${outcome === "built" ? "built" : "up to date"}`,
    (error: Error) =>
      `Dashboard: the build failed (${error.message.split("\n")[0]}); the API runs without it`,
  );
  const stack = await startLocalStack({ port, dataDir: argValue("--data-dir") });
  const dashboardLine = await dashboard;
  const lines = [
    "",
    `customer-health is running locally (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    "",
    `Dashboard (open in a browser): ${stack.baseUrl}/`,
    `  ${dashboardLine}; live feed ws://${new URL(stack.baseUrl).host}/dashboard/live`,
    "",
    "Webhooks (POST, signed):",
    ...Object.keys(stack.secrets).map((p) => `  ${stack.baseUrl}/webhooks/${p}`),
    "",
    "Read and admin API:",
    `  GET ${stack.baseUrl}/customers?tier=at-risk`,
    `  GET ${stack.baseUrl}/customers/{accountId}`,
    `  PUT ${stack.baseUrl}/accounts/{accountId}/aliases`,
    `  GET ${stack.baseUrl}/unmatched`,
    "",
    "Webhook secrets in use:",
    ...Object.entries(stack.secrets).map(
      ([p, s]) =>
        `  ${p.padEnd(9)} ${s.devDefault ? `${s.value}  (dev default: set ${SECRET_ENV[p as keyof typeof SECRET_ENV]} to use your own)` : "(from environment)"}`,
    ),
    "",
    `Slack: ${process.env.SLACK_WEBHOOK_URL ? "posting to SLACK_WEBHOOK_URL" : "SLACK_WEBHOOK_URL not set: Slack alerts are skipped"}`,
    `Email: ${process.env.SMTP_URL ? `sending via ${process.env.SMTP_URL} to ${process.env.ALERT_EMAIL_TO ?? "(ALERT_EMAIL_TO not set)"}` : "SMTP_URL not set: emails are printed here"}`,
    `DynamoDB Local: ${stack.dynamoEndpoint}, table ${stack.tableName} (${argValue("--data-dir") ? `data in ${argValue("--data-dir")}` : "in memory"})`,
    "",
    `Try it: ${demoCommand(stack.baseUrl)}    Stop: Ctrl-C`,
    "Another port: PORT=3001 npm start (the demo finds it with the same PORT, or --url)",
    "",
  ];
  console.log(lines.join("\n"));
  // Lets `npm run preview -- --url …` find this stack's table (read-only).
  const { removeLocalStackInfo, writeLocalStackInfo } = await import(
    "../lib/preview/local-stack.ts"
  );
  await writeLocalStackInfo({
    baseUrl: stack.baseUrl,
    dynamoEndpoint: stack.dynamoEndpoint,
    tableName: stack.tableName,
    pid: process.pid,
  });
  const shutdown = async () => {
    console.log("\nstopping…");
    await removeLocalStackInfo(stack.baseUrl);
    await stack.stop();
    process.exit(0);
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
} catch (error) {
  // Loaded here, not at the top: the port check must not wait for the email module.
  const { LocalEmailConfigError } = await import("../lib/local/email.ts");
  const oneLine =
    error instanceof JavaMissingError ||
    error instanceof PortInUseError ||
    error instanceof LocalEmailConfigError ||
    (error instanceof RangeError && error.message.startsWith("PORT"));
  if (oneLine) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

/** How to run the demo against this stack: plain on the default port, else with PORT. */
function demoCommand(baseUrl: string): string {
  const port = new URL(baseUrl).port;
  return port === "3000" ? "npm run demo" : `PORT=${port} npm run demo`;
}
