/**
 * Lambda entry of the daily digest schedule: wiring only. Invoked once a day (EventBridge
 * Scheduler, DIGEST_SCHEDULE in lib/topology.ts), it posts the previous UTC day's digest, or
 * the day given as `{"day": "yyyy-mm-dd"}` (to resend a missed day by hand). Does nothing
 * unless `alerts.digest` is on.
 */
import { DynamoAlertLedger } from "../adapters/dynamo/alert-ledger.ts";
import { documentClient, requiredEnv } from "../adapters/dynamo/client.ts";
import { DynamoDigestStore } from "../adapters/dynamo/digest-store.ts";
import { countMetric, lambdaHandler, logger } from "../adapters/powertools.ts";
import { postToSlack } from "../adapters/slack/webhook-client.ts";
import { createWebhookUrlSource } from "../adapters/slack/webhook-url.ts";
import { runDigest } from "./digest-run.ts";
import { alertSettingsFrom } from "./settings.ts";

const db = documentClient();
const tableName = requiredEnv("TABLE_NAME");

export const handler = lambdaHandler<{ day?: unknown } | undefined, unknown>(
  async function handleDigest(event, context) {
    const settings = alertSettingsFrom();
    return runDigest(
      {
        enabled: settings.digest,
        store: new DynamoDigestStore(db, { tableName }),
        ledger: new DynamoAlertLedger(db, { tableName }),
        webhookUrl: createWebhookUrlSource(),
        post: (url, message) =>
          postToSlack(url, message, {
            deadline: Date.now() + (context.getRemainingTimeInMillis?.() ?? 10_000) - 2_000,
          }),
        dashboardUrl: settings.dashboardUrl,
        log: logger,
        count: (metric) => countMetric(metric),
      },
      event ?? {},
      Date.now(),
    );
  },
);
