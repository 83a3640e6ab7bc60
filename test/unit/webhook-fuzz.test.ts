import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { errorResponse } from "../../functions/adapters/http.ts";
import { MemoryStore } from "../../functions/adapters/memory/ingest-store.ts";
import { PROVIDER_NAMES } from "../../functions/webhook/providers/registry.ts";
import { receiveWebhook } from "../../functions/webhook/receive.ts";
import { testModel } from "../support/test-model.ts";
import { signedHeaders, testSecretsFor, webhookEvent } from "../support/webhooks.ts";

const model = testModel;

/** Runs the webhook logic as Lambda would, errors mapped to responses. */
async function post(
  provider: string,
  body: string,
  headers: Record<string, string>,
  base64 = false,
) {
  const deps = { store: new MemoryStore(), model, secretsFor: testSecretsFor };
  return receiveWebhook(deps, webhookEvent(provider, body, headers, { base64 })).catch(
    errorResponse,
  );
}

const jsonish = fc.oneof(
  fc.json(),
  fc.string(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .record({ type: fc.string(), data: fc.jsonValue(), timestamp: fc.string() })
    .map((v) => JSON.stringify(v)),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("latin1")),
);

describe("webhook routes under fuzzing", () => {
  for (const provider of PROVIDER_NAMES) {
    it(`${provider}: never answers 5xx for random bodies with valid signatures`, async () => {
      await fc.assert(
        fc.asyncProperty(jsonish, fc.boolean(), async (body, base64) => {
          const response = await post(provider, body, signedHeaders(provider, body), base64);
          expect(response.statusCode).toBeLessThan(500);
          expect(String(response.body)).not.toMatch(/at .*\.ts:\d+/);
        }),
        { numRuns: 150 },
      );
    });

    it(`${provider}: answers 401 for random headers`, async () => {
      await fc.assert(
        fc.asyncProperty(
          jsonish,
          fc.dictionary(
            fc.string({ maxLength: 30 }).map((s) => s.toLowerCase()),
            fc.string(),
          ),
          async (body, headers) => {
            const response = await post(provider, body, headers);
            expect(response.statusCode).toBe(401);
          },
        ),
        { numRuns: 100 },
      );
    });
  }

  it("generic: accepts or rejects well-shaped payloads with random data, never 5xx", async () => {
    const types = ["usage", "nps", "csat", "ces", "ticket", "payment", "subscription", "milestone"];
    const payload = fc.record({
      type: fc.constantFrom(...types),
      timestamp: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      data: fc.record(
        {
          account_id: fc.oneof(fc.string(), fc.constant("acct-1")),
          score: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.string()),
          status: fc.constantFrom("open", "solved", "failed", "succeeded", "active", "weird"),
          count: fc.oneof(fc.integer(), fc.double()),
          event: fc.string(),
          ticket_id: fc.string(),
          name: fc.string(),
          mrr: fc.oneof(fc.integer(), fc.string()),
        },
        { requiredKeys: [] },
      ),
    });
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(payload, async (p) => {
        const body = JSON.stringify(p);
        const response = await post("generic", body, signedHeaders("generic", body));
        seen.add(response.statusCode as number);
        expect([200, 400]).toContain(response.statusCode);
      }),
      { numRuns: 300 },
    );
    // The fuzzing must reach ingestion, not only the parser.
    expect(seen).toContain(200);
  });

  it("answers 404 for an unknown provider and 413 above 1 MiB", async () => {
    expect((await post("intercom", "{}", {})).statusCode).toBe(404);
    const big = JSON.stringify({ type: "usage", data: { pad: "x".repeat(1024 * 1024) } });
    expect((await post("generic", big, signedHeaders("generic", big))).statusCode).toBe(413);
  });
});
