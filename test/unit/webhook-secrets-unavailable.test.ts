import { describe, expect, it } from "vitest";
import { errorResponse } from "../../functions/adapters/http.ts";
import { MemoryStore } from "../../functions/adapters/memory/ingest-store.ts";
import { receiveWebhook } from "../../functions/webhook/receive.ts";
import { testModel } from "../support/test-model.ts";
import { genericPayload, signedHeaders, webhookEvent } from "../support/webhooks.ts";

/** A delivery whose secrets cannot be read right now (Secrets Manager timed out). */
async function postWhileSecretsFail(error: Error) {
  const store = new MemoryStore();
  const body = JSON.stringify(genericPayload("usage", "acme", { event: "login" }));
  const deps = { store, model: testModel, secretsFor: () => Promise.reject(error) };
  const response = await receiveWebhook(
    deps,
    webhookEvent("generic", body, signedHeaders("generic", body)),
  ).catch(errorResponse);
  return { response, store };
}

describe("webhook secrets that cannot be read", () => {
  it("answer 503 with Retry-After when Secrets Manager times out, and store nothing", async () => {
    const timeout = Object.assign(new Error("socket timed out"), { name: "TimeoutError" });
    const { response, store } = await postWhileSecretsFail(timeout);

    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ "retry-after": expect.any(String) });
    expect(store.records.size).toBe(0);
  });

  it("answer a generic 500 for a failure retrying cannot fix", async () => {
    const { response } = await postWhileSecretsFail(new TypeError("secret is not JSON"));

    expect(response.statusCode).toBe(500);
    expect(JSON.parse(String(response.body))).toEqual({ error: "internal error" });
  });
});
