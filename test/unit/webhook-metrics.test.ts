import { describe, expect, it } from "vitest";
import { errorResponse } from "../../functions/adapters/http.ts";
import { MemoryStore } from "../../functions/adapters/memory/ingest-store.ts";
import { defaultModel } from "../../functions/domain/model.default.ts";
import { compileModel } from "../../functions/domain/model.ts";
import { MAX_BATCH_MESSAGES } from "../../functions/webhook/providers/segment/map.ts";
import {
  type CountWebhooks,
  receiveWebhook,
  type WebhookMetric,
} from "../../functions/webhook/receive.ts";
import { signedWebhook, testSecretsFor, webhookEvent } from "../support/webhooks.ts";

const model = compileModel(defaultModel).model;
const NOW = Date.UTC(2026, 10, 20, 12);

/** Sends `event` as Lambda would and returns the counts it made, as "metric provider" → total. */
async function countsOf(...events: ReturnType<typeof webhookEvent>[]) {
  const counts: Record<string, number> = {};
  const count: CountWebhooks = (metric: WebhookMetric, provider, value) => {
    counts[`${metric} ${provider}`] = (counts[`${metric} ${provider}`] ?? 0) + value;
  };
  const deps = { store: new MemoryStore(), model, secretsFor: testSecretsFor, count };
  for (const event of events) await receiveWebhook(deps, event, NOW).catch(errorResponse);
  return counts;
}

const track = (messageId: string, at = NOW - 1000) => ({
  type: "track",
  event: "Report Viewed",
  messageId,
  groupId: "acct-metrics",
  timestamp: new Date(at).toISOString(),
});

describe("webhook metrics", () => {
  it("counts each outcome of a delivery per provider", async () => {
    const batch = [
      track("m-1"),
      track("m-1"), // the same message twice: the second is a duplicate
      { ...track("m-2"), type: "alias" }, // a type we do not apply
      track("m-3", NOW - 500 * 86_400_000), // older than the dedupe window
      { type: "page", messageId: "m-4", userId: "nobody", timestamp: new Date(NOW).toISOString() },
    ];

    expect(await countsOf(signedWebhook("segment", batch, NOW))).toEqual({
      "WebhookAccepted segment": 1,
      "WebhookDuplicate segment": 1,
      "WebhookIgnored segment": 2,
      "WebhookUnmatched segment": 1,
    });
  });

  it("counts a request answered 401, 400 or 413 as rejected, and nothing else", async () => {
    const body = JSON.stringify(track("m-5"));
    const tooMany = Array.from({ length: MAX_BATCH_MESSAGES + 1 }, (_, i) => track(`m-${i}`));

    const counts = await countsOf(
      webhookEvent("segment", body, { "x-signature": "0".repeat(40) }),
      signedWebhook("segment", "not json", NOW),
      signedWebhook("segment", tooMany, NOW),
      signedWebhook("generic", { type: "usage" }, NOW),
    );

    expect(counts).toEqual({ "WebhookRejected segment": 3, "WebhookRejected generic": 1 });
  });
});
