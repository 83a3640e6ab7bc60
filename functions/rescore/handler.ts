/** Lambda entry for the rescore schedule: wiring only. */
import type { Context } from "aws-lambda";
import { documentClient, requiredEnv } from "../adapters/dynamo/client.ts";
import { DynamoScoreStore } from "../adapters/dynamo/score-store.ts";
import { EventBridgePublisher, eventBridgeClient } from "../adapters/eventbridge.ts";
import { lambdaHandler, logger } from "../adapters/powertools.ts";
import { activeModel } from "../domain/active-model.ts";
import { rescoreStale } from "./rescore.ts";

const tableName = requiredEnv("TABLE_NAME");
const intervalMinutes = Number(requiredEnv("RESCORE_INTERVAL_MINUTES"));
const db = documentClient();
const deps = {
  store: new DynamoScoreStore(db, { tableName }),
  publisher: new EventBridgePublisher(eventBridgeClient(), requiredEnv("EVENT_BUS_NAME")),
  model: activeModel,
};

export const handler = lambdaHandler<unknown, unknown>(async (_event, context: Context) => {
  // Leave a minute to finish the chunks in flight; stale customers left over wait an hour.
  const deadline = Date.now() + context.getRemainingTimeInMillis() - 60_000;
  const result = await rescoreStale(db, deps, { tableName, intervalMinutes, deadline });
  logger.info("rescore finished", { ...result });
  return result;
});
