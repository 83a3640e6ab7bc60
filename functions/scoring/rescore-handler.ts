/** Lambda entry of the rescore function (run by the schedule): wiring only. */
import type { Context } from "aws-lambda";
import { BACKGROUND_TIMEOUTS, documentClient, requiredEnv } from "../adapters/dynamo/client.ts";
import { DynamoDueScores } from "../adapters/dynamo/due-scores.ts";
import { DynamoScoreStore } from "../adapters/dynamo/score-store.ts";
import { EventBridgePublisher, eventBridgeClient } from "../adapters/eventbridge.ts";
import { countMetric, lambdaHandler, logger } from "../adapters/powertools.ts";
import { activeModel } from "../domain/active-model.ts";
import { type RescoreDeps, rescoreDue } from "./rescore.ts";

/** Time kept back from the function timeout to finish the chunks in flight. */
const FINISH_MARGIN_MS = 60_000;

const db = documentClient(undefined, BACKGROUND_TIMEOUTS);
const tableName = requiredEnv("TABLE_NAME");
const deps: RescoreDeps = {
  store: new DynamoScoreStore(db, { tableName }),
  due: new DynamoDueScores(db, { tableName }),
  publisher: new EventBridgePublisher(eventBridgeClient(), requiredEnv("EVENT_BUS_NAME")),
  model: activeModel,
};

export const handler = lambdaHandler<unknown, unknown>(async (_event, context: Context) => {
  // Customers left over when time runs out are still due: the next run takes them.
  const deadline = Date.now() + context.getRemainingTimeInMillis() - FINISH_MARGIN_MS;
  const result = await rescoreDue(deps, { deadline });
  countMetric("ScoresWritten", result.written);
  countMetric("ScoresKept", result.kept);
  if (result.replayNotice) logger.warn(result.replayNotice);
  logger.info("rescore finished", { ...result });
  return result;
});
