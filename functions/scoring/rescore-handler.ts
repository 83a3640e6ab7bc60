/** Lambda entry of the rescore function (run by the schedule): wiring only. */
import type { Context } from "aws-lambda";
import { BACKGROUND_TIMEOUTS, documentClient, requiredEnv } from "../adapters/dynamo/client.ts";
import { DynamoScoreStore } from "../adapters/dynamo/score-store.ts";
import { DynamoStaleScores } from "../adapters/dynamo/stale-scores.ts";
import { EventBridgePublisher, eventBridgeClient } from "../adapters/eventbridge.ts";
import { countMetric, lambdaHandler, logger } from "../adapters/powertools.ts";
import { activeModel } from "../domain/active-model.ts";
import { type RescoreDeps, rescoreStale } from "./rescore.ts";

/** Time kept back from the function timeout to finish the chunks in flight. */
const FINISH_MARGIN_MS = 60_000;

/**
 * `RESCORE_INTERVAL_MINUTES` as a whole number of minutes (1-1440, as the CDK config
 * allows); anything else fails the load with the variable's name, rather than rescoring
 * every customer (`NaN` compares false) or none.
 */
function intervalMinutesFrom(raw: string): number {
  const minutes = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || minutes < 1 || minutes > 1440) {
    throw new Error(
      `RESCORE_INTERVAL_MINUTES must be a whole number of minutes from 1 to 1440 (got ${JSON.stringify(raw)})`,
    );
  }
  return minutes;
}

const intervalMinutes = intervalMinutesFrom(requiredEnv("RESCORE_INTERVAL_MINUTES"));
const db = documentClient(undefined, BACKGROUND_TIMEOUTS);
const tableName = requiredEnv("TABLE_NAME");
const deps: RescoreDeps = {
  store: new DynamoScoreStore(db, { tableName }),
  stale: new DynamoStaleScores(db, { tableName }),
  publisher: new EventBridgePublisher(eventBridgeClient(), requiredEnv("EVENT_BUS_NAME")),
  model: activeModel,
};

export const handler = lambdaHandler<unknown, unknown>(async (_event, context: Context) => {
  // Customers left over when time runs out are stale still: the next run takes them.
  const deadline = Date.now() + context.getRemainingTimeInMillis() - FINISH_MARGIN_MS;
  const result = await rescoreStale(deps, { intervalMinutes, deadline });
  countMetric("ScoresWritten", result.written);
  logger.info("rescore finished", { ...result });
  return result;
});
