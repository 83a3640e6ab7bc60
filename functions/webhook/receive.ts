/**
 * POST /webhooks/{provider}: verify the signature over the exact bytes, normalize, resolve
 * the customer, apply exactly once. 2xx only after the write is durable.
 */
import { isStorageFailure } from "../adapters/dynamo/storage-error.ts";
import { bodyBytes, HttpError, type HttpEvent, type HttpResult, json } from "../adapters/http.ts";
import { logger } from "../adapters/powertools.ts";
import { defaultBudget, type WorkBudget } from "../aliases/aliases.ts";
import type { Model } from "../domain/model.ts";
import {
  type InboundEvent,
  MAX_BODY_BYTES,
  MalformedPayloadError,
  TooManyEventsError,
} from "./inbound.ts";
import type { IngestStore } from "./ingest.ts";
import { type DeliveryResult, ingestDelivery } from "./ingest-batch.ts";
import { parseDelivery } from "./providers/index.ts";
import { isProvider, type Provider } from "./providers/registry.ts";
import { verifySignature } from "./verify.ts";

export interface WebhookDeps {
  readonly store: IngestStore;
  readonly model: Model;
  /** Active secrets of a provider (two during rotation). */
  readonly secretsFor: (provider: Provider) => Promise<string[]>;
  /** Counts outcomes and rejections per provider; counts nothing when absent. */
  readonly count?: CountWebhooks;
}

/** The per-provider webhook counts (CloudWatch metrics in AWS). */
export type WebhookMetric =
  | "WebhookAccepted"
  | "WebhookDuplicate"
  | "WebhookIgnored"
  | "WebhookUnmatched"
  | "WebhookRejected";

/** Adds `value` to `metric` for `provider`. */
export type CountWebhooks = (metric: WebhookMetric, provider: Provider, value: number) => void;

const METRIC_OF_OUTCOME: Readonly<Record<DeliveryResult["outcome"], WebhookMetric>> = {
  accepted: "WebhookAccepted",
  duplicate: "WebhookDuplicate",
  ignored: "WebhookIgnored",
  unmatched: "WebhookUnmatched",
};

/** Handles one webhook delivery; throws HttpError for the caller's mistakes. */
export async function receiveWebhook(
  deps: WebhookDeps,
  event: HttpEvent,
  now = Date.now(),
): Promise<HttpResult> {
  const provider = event.pathParameters?.provider;
  if (!isProvider(provider)) throw new HttpError(404, "unknown provider");
  const count: CountWebhooks = deps.count ?? (() => {});
  // One budget for the whole request, however many of its events teach aliases.
  const budget = defaultBudget();
  let results: DeliveryResult[];
  try {
    results = await receiveDelivery(deps, provider, event, now, budget);
  } catch (error) {
    // A sender's mistake (bad signature, malformed or oversized body), not a storage failure.
    if (error instanceof HttpError && error.statusCode < 500) count("WebhookRejected", provider, 1);
    throw error;
  }
  const totals = new Map<WebhookMetric, number>();
  for (const { outcome } of results) {
    const metric = METRIC_OF_OUTCOME[outcome];
    totals.set(metric, (totals.get(metric) ?? 0) + 1);
  }
  for (const [metric, value] of totals) count(metric, provider, value);
  logger.info("webhook received", { provider, results });
  return json(200, { received: results.length, results });
}

/** Verifies, parses and ingests one delivery of a known provider. */
async function receiveDelivery(
  deps: WebhookDeps,
  provider: Provider,
  event: HttpEvent,
  now: number,
  budget: WorkBudget,
): Promise<DeliveryResult[]> {
  const headers = event.headers ?? {};
  const declared = Number(headers["content-length"] ?? 0);
  const raw = bodyBytes(event);
  if (declared > MAX_BODY_BYTES || raw.length > MAX_BODY_BYTES) {
    throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
  }

  const secrets = await deps.secretsFor(provider).catch((error: unknown) => {
    if (!isStorageFailure(error)) throw error;
    // Secrets Manager timed out or throttled: the sender's retry will find it back.
    logger.error("webhook secrets unavailable", { provider, error: error as Error });
    throw new HttpError(503, "secrets unavailable, retry later");
  });
  if (secrets.length === 0) throw new HttpError(401, "webhook secret not configured");
  const verification = verifySignature(provider, raw, headers, secrets, now);
  if (!verification.ok) throw new HttpError(401, verification.reason);

  let inbound: InboundEvent[];
  try {
    inbound = parseDelivery(provider, raw, deps.model.mapping, headers);
  } catch (error) {
    if (error instanceof MalformedPayloadError) throw new HttpError(400, error.message);
    if (error instanceof TooManyEventsError) throw new HttpError(413, error.message);
    throw error;
  }

  try {
    return await ingestDelivery(deps.store, deps.model, inbound, now, { budget });
  } catch (error) {
    if (!isStorageFailure(error)) throw error;
    // What was stored before the failure is found as duplicates when the sender retries.
    logger.error("storage failed", { provider, error: error as Error });
    throw new HttpError(503, "storage unavailable, retry later");
  }
}
