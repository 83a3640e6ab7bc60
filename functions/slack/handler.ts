/** Lambda entry for the AlertsToSlack rule: wiring only; the logic is in alerts/slack.ts. */
import type { EventBridgeEvent } from "aws-lambda";
import { documentClient, requiredEnv } from "../adapters/dynamo/client.ts";
import { lambdaHandler, logger } from "../adapters/powertools.ts";
import { DynamoAlertLedger } from "../alerts/dedupe.ts";
import { createSlackAlerter, createWebhookUrlSource, postToSlack } from "../alerts/slack.ts";

const alertSlack = createSlackAlerter({
  ledger: new DynamoAlertLedger(documentClient(), { tableName: requiredEnv("TABLE_NAME") }),
  post: (url, message) => postToSlack(url, message),
  webhookUrl: createWebhookUrlSource(),
  log: logger,
});

export const handler = lambdaHandler<EventBridgeEvent<string, unknown>, void>(
  async function handleHealthEvent(event) {
    await alertSlack(event);
  },
);
