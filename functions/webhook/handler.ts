/** Lambda entry for POST /webhooks/{provider}: wiring only; the logic is in receive.ts. */
import { documentClient, requiredEnv } from "../adapters/dynamo/client.ts";
import { DynamoEventStore } from "../adapters/dynamo/event-store.ts";
import { httpHandler } from "../adapters/http.ts";
import { countMetric } from "../adapters/powertools.ts";
import { activeModel } from "../domain/active-model.ts";
import { receiveWebhook, type WebhookDeps } from "./receive.ts";
import { secretsFor } from "./secrets.ts";

const deps: WebhookDeps = {
  store: new DynamoEventStore(documentClient(), { tableName: requiredEnv("TABLE_NAME") }),
  model: activeModel.model,
  secretsFor,
  count: (metric, provider, value) => countMetric(metric, value, { provider }),
};

export const handler = httpHandler((event) => receiveWebhook(deps, event));
