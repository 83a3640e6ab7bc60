/** Lambda entry for the AlertsToSlack rule: wiring only; the logic is in alerts/slack-alerter.ts. */
import type { EventBridgeEvent } from "aws-lambda";
import { DynamoAlertLedger } from "../adapters/dynamo/alert-ledger.ts";
import { documentClient, requiredEnv } from "../adapters/dynamo/client.ts";
import { DynamoDigestRecorder } from "../adapters/dynamo/digest-recorder.ts";
import { countMetric, lambdaHandler, logger } from "../adapters/powertools.ts";
import { postToSlack } from "../adapters/slack/webhook-client.ts";
import { createWebhookUrlSource } from "../adapters/slack/webhook-url.ts";
import { SLACK_CHANNEL } from "../alerts/digest.ts";
import { alertSettingsFrom, slackUserOf } from "../alerts/settings.ts";
import { createSlackAlerter } from "../alerts/slack-alerter.ts";

const db = documentClient();
const tableName = requiredEnv("TABLE_NAME");

/** Built on the first event: the settings are read once per container (locally, after the port is known). */
function createAlerter() {
  const settings = alertSettingsFrom();
  return createSlackAlerter({
    ledger: new DynamoAlertLedger(db, { tableName }),
    post: (url, message, budget) => postToSlack(url, message, budget),
    webhookUrl: createWebhookUrlSource(),
    log: logger,
    count: (metric) => countMetric(metric),
    message: {
      dashboardUrl: settings.dashboardUrl,
      slackUserOf: (owner) => slackUserOf(owner, settings.owners),
    },
    ...(settings.digest
      ? { digest: { store: new DynamoDigestRecorder(db, { tableName }), channel: SLACK_CHANNEL } }
      : {}),
  });
}
let alertSlack: ReturnType<typeof createSlackAlerter> | undefined;

export const handler = lambdaHandler<EventBridgeEvent<string, unknown>, void>(
  async function handleHealthEvent(event, context) {
    alertSlack ??= createAlerter();
    await alertSlack(event, { remainingMs: context.getRemainingTimeInMillis?.() });
  },
);
