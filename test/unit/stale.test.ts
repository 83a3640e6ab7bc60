/**
 * Replays after the dedupe window (issue 9 §8): an event older than the event records'
 * retention (less a margin) is acknowledged as ignored (stale) and never applied, for
 * every provider, whether or not its signature carries a timestamp.
 */
import { describe, expect, it } from "vitest";
import { errorResponse } from "../../functions/adapters/http.ts";
import { MemoryStore } from "../../functions/adapters/memory/ingest-store.ts";
import { defaultModel } from "../../functions/domain/model.default.ts";
import { compileModel } from "../../functions/domain/model.ts";
import { EVENT_RETENTION_DAYS, STALE_MARGIN_DAYS } from "../../functions/webhook/ingest.ts";
import type { Provider } from "../../functions/webhook/providers/registry.ts";
import { receiveWebhook } from "../../functions/webhook/receive.ts";
import { genericPayload, signedWebhook, stripeEvent, testSecretsFor } from "../support/webhooks.ts";

const model = compileModel(defaultModel).model;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20, 12);
/** The oldest an event may be and still be applied. */
const WINDOW = (EVENT_RETENTION_DAYS - STALE_MARGIN_DAYS) * DAY;

/** A body of `provider` that is applied (or kept unmatched) when fresh, happening at `at`. */
const PAYLOADS: Record<Provider, (at: number) => unknown> = {
  stripe: (at) => ({
    ...stripeEvent("evt_stale", "invoice.payment_failed", {
      id: "in_stale",
      object: "invoice",
      customer: "cus_stale",
      attempt_count: 1,
      amount_due: 1200,
      amount_paid: 0,
      currency: "usd",
      metadata: { account_id: "acct-stale" },
    }),
    created: Math.floor(at / 1000),
  }),
  zendesk: (at) => ({
    type: "zen:event-type:ticket.created",
    id: "zd-stale",
    time: new Date(at).toISOString(),
    detail: { id: "5158", organization_id: "77", description: "Help" },
  }),
  typeform: (at) => ({
    event_id: "tf-stale",
    event_type: "form_response",
    form_response: {
      submitted_at: new Date(at).toISOString(),
      hidden: { account_id: "acct-stale" },
      answers: [{ type: "number", number: 9, field: { id: "n", ref: "nps" } }],
    },
  }),
  segment: (at) => ({
    type: "track",
    event: "Report Viewed",
    messageId: "seg-stale",
    groupId: "acct-stale",
    timestamp: new Date(at).toISOString(),
  }),
  generic: (at) => genericPayload("nps", "acct-stale", { score: 3 }, new Date(at)),
};

/** Delivers `provider`'s body happening at `at`, signed now, as Lambda would answer it. */
async function deliver(provider: Provider, at: number) {
  const store = new MemoryStore();
  const event = signedWebhook(provider, PAYLOADS[provider](at), NOW, "msg_stale");
  const response = await receiveWebhook(
    { store, model, secretsFor: testSecretsFor },
    event,
    NOW,
  ).catch(errorResponse);
  return { store, status: response.statusCode, body: JSON.parse(String(response.body)) };
}

describe("events older than the dedupe window", () => {
  it.each(
    Object.keys(PAYLOADS) as Provider[],
  )("%s: answers 200 ignored (stale) and stores and applies nothing", async (provider) => {
    const { store, status, body } = await deliver(provider, NOW - WINDOW - DAY);

    expect(status).toBe(200);
    expect(body.results).toEqual([
      expect.objectContaining({ outcome: "ignored", reason: "stale" }),
    ]);
    expect(store.records.size).toBe(0);
    expect(store.aggregates.size).toBe(0);
  });

  it.each(
    Object.keys(PAYLOADS) as Provider[],
  )("%s: still takes an event just inside the window", async (provider) => {
    const { store, status, body } = await deliver(provider, NOW - WINDOW + DAY);

    expect(status).toBe(200);
    expect(["accepted", "unmatched"]).toContain(body.results[0].outcome);
    expect(body.results[0].reason).toBeUndefined();
    expect(store.records.size).toBe(1);
  });
});
