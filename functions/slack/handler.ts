/** Lambda entry for the AlertsToSlack rule: wiring only; the logic is in alerts/slack-alerter.ts. */
import type { EventBridgeEvent } from "aws-lambda";
import { DynamoAlertLedger } from "../adapters/dynamo/alert-ledger.ts";
import { documentClient, requiredEnv } from "../adapters/dynamo/client.ts";
import { countMetric, lambdaHandler, logger } from "../adapters/powertools.ts";
import { postToSlack } from "../adapters/slack/webhook-client.ts";
import { createWebhookUrlSource } from "../adapters/slack/webhook-url.ts";
import { createSlackAlerter } from "../alerts/slack-alerter.ts";

const alertSlack = createSlackAlerter({
  ledger: new DynamoAlertLedger(documentClient(), { tableName: requiredEnv("TABLE_NAME") }),
  post: (url, message, budget) => postToSlack(url, message, budget),
  webhookUrl: createWebhookUrlSource(),
  log: logger,
  count: (metric) => countMetric(metric),
});

export const handler = lambdaHandler<EventBridgeEvent<string, unknown>, void>(
  async function handleHealthEvent(event, context) {
    await alertSlack(event, { remainingMs: context.getRemainingTimeInMillis?.() });
  },
);
