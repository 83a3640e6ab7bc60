/**
 * POST /webhooks/{provider}: verify the signature over the exact bytes, normalize, resolve
 * the customer, apply exactly once. 2xx only after the write is durable.
 */
import { documentClient, requiredEnv } from "../adapters/dynamo/client.ts";
import { DynamoEventStore, StorageError } from "../adapters/dynamo/event-store.ts";
import {
  bodyBytes,
  HttpError,
  type HttpEvent,
  httpHandler,
  json,
  logger,
} from "../adapters/http.ts";
import { activeModel } from "../domain/active-model.ts";
import { SOURCES, type Source } from "../domain/signals.ts";
import { MAX_BODY_BYTES, MalformedPayloadError } from "./inbound.ts";
import { ingestEvent } from "./ingest.ts";
import { parseDelivery } from "./providers/index.ts";
import { secretsFor } from "./secrets.ts";
import { verifySignature } from "./verify.ts";

const store = new DynamoEventStore(documentClient(), { tableName: requiredEnv("TABLE_NAME") });
const model = activeModel.model;

const isSource = (value: string | undefined): value is Source =>
  (SOURCES as readonly string[]).includes(value ?? "");

export async function receiveWebhook(event: HttpEvent, now = Date.now()) {
  const provider = event.pathParameters?.provider;
  if (!isSource(provider)) throw new HttpError(404, "unknown provider");
  const declared = Number(event.headers["content-length"] ?? 0);
  const raw = bodyBytes(event);
  if (declared > MAX_BODY_BYTES || raw.length > MAX_BODY_BYTES) {
    throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
  }

  const secrets = await secretsFor(provider);
  if (secrets.length === 0) throw new HttpError(401, "webhook secret not configured");
  const verification = verifySignature(provider, raw, event.headers, secrets, now);
  if (!verification.ok) throw new HttpError(401, verification.reason);

  let inbound: ReturnType<typeof parseDelivery>;
  try {
    inbound = parseDelivery(provider, raw, model.mapping, event.headers);
  } catch (error) {
    if (error instanceof MalformedPayloadError) throw new HttpError(400, error.message);
    throw error;
  }

  const results = [];
  for (const item of inbound) {
    try {
      const outcome = await ingestEvent(store, model, item, now);
      results.push({ eventId: item.eventId, type: item.type, outcome });
    } catch (error) {
      if (error instanceof StorageError) {
        // Earlier events of a batch are stored; the provider's retry finds them as duplicates.
        logger.error("storage failed", { provider, eventId: item.eventId, error });
        throw new HttpError(503, "storage unavailable, retry later");
      }
      throw error;
    }
  }
  logger.info("webhook received", { provider, results });
  return json(200, { received: results.length, results });
}

export const handler = httpHandler((event) => receiveWebhook(event));
