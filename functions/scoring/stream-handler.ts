/** Lambda entry of the score function (DynamoDB stream of aggregate changes): wiring only. */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { BACKGROUND_TIMEOUTS, documentClient, requiredEnv } from "../adapters/dynamo/client.ts";
import { DynamoScoreStore } from "../adapters/dynamo/score-store.ts";
import { handleScoreStream } from "../adapters/dynamo/stream-records.ts";
import { EventBridgePublisher, eventBridgeClient } from "../adapters/eventbridge.ts";
import { lambdaHandler } from "../adapters/powertools.ts";
import { activeModel } from "../domain/active-model.ts";
import type { ScoreDeps } from "./score-accounts.ts";

const deps: ScoreDeps = {
  store: new DynamoScoreStore(documentClient(undefined, BACKGROUND_TIMEOUTS), {
    tableName: requiredEnv("TABLE_NAME"),
  }),
  publisher: new EventBridgePublisher(eventBridgeClient(), requiredEnv("EVENT_BUS_NAME")),
  model: activeModel,
};

export const handler = lambdaHandler<DynamoDBStreamEvent, DynamoDBBatchResponse>((event) =>
  handleScoreStream(deps, event),
);
