import { beforeAll, describe, expect, it } from "vitest";
import { DynamoCustomerReads } from "../../functions/adapters/dynamo/customer-reads.ts";
import { DynamoEventStore } from "../../functions/adapters/dynamo/event-store.ts";
import { DynamoScoreStore } from "../../functions/adapters/dynamo/score-store.ts";
import { errorResponse } from "../../functions/adapters/http.ts";
import { type ApiDeps, routeApi } from "../../functions/api/routes.ts";
import { defaultModel } from "../../functions/domain/model.default.ts";
import { compileModel } from "../../functions/domain/model.ts";
import { scoreAccounts } from "../../functions/scoring/score-accounts.ts";
import { receiveWebhook } from "../../functions/webhook/receive.ts";
import { freshTable, testClients } from "../support/dynamo.ts";
import {
  genericPayload,
  signedWebhook,
  stripeInvoiceFailed,
  testSecretsFor,
  webhookEvent,
} from "../support/webhooks.ts";

const compiled = compileModel(defaultModel);
const { doc } = testClients();
const DAY = 86_400_000;
let deps: ApiDeps;
let events: DynamoEventStore;

async function call(
  routeKey: string,
  path: Record<string, string> = {},
  query: Record<string, string> = {},
  body = "",
) {
  const event = {
    ...webhookEvent("x", body, {}),
    routeKey,
    pathParameters: path,
    queryStringParameters: query,
  };
  const response = await routeApi(deps, event, Buffer.from(body)).catch(errorResponse);
  return { status: response.statusCode, body: JSON.parse(String(response.body)) };
}

beforeAll(async () => {
  const { tableName } = await freshTable("api");
  events = new DynamoEventStore(doc, { tableName });
  deps = {
    customers: new DynamoCustomerReads(doc, { tableName }),
    aliases: events,
    model: compiled.model,
  };
  const webhookDeps = { store: events, model: compiled.model, secretsFor: testSecretsFor };
  const now = Date.now();
  // Five customers with different amounts of usage, so they score differently.
  for (let c = 1; c <= 5; c++) {
    await receiveWebhook(
      webhookDeps,
      signedWebhook(
        "generic",
        genericPayload(
          "subscription",
          `cust-${c}`,
          { status: c === 5 ? "canceled" : "active", mrr: 10_000, seats: 5 },
          new Date(now - 40 * DAY),
        ),
      ),
    );
    for (let d = 0; d < c * 3; d++) {
      await receiveWebhook(
        webhookDeps,
        signedWebhook(
          "generic",
          genericPayload(
            "usage",
            `cust-${c}`,
            { event: "view", count: c * 2 },
            new Date(now - d * DAY),
          ),
        ),
      );
    }
  }
  const scoreDeps = {
    store: new DynamoScoreStore(doc, { tableName }),
    publisher: { publish: async () => {} },
    model: compiled,
  };
  await scoreAccounts(scoreDeps, ["cust-1", "cust-2", "cust-3", "cust-4", "cust-5"], now);
});

describe("read and admin API against DynamoDB Local", () => {
  it("returns a customer's score, components, drivers and daily history", async () => {
    const res = await call("GET /customers/{accountId}", { accountId: "cust-3" });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      accountId: "cust-3",
      tier: expect.any(String),
      modelVersion: compiled.modelVersion,
    });
    expect(res.body.components).toHaveLength(5);
    expect(res.body.history).toHaveLength(1);
    expect(res.body.history[0]).toMatchObject({
      day: new Date().toISOString().slice(0, 10),
      score: res.body.score,
    });
    expect(res.body.outbox).toBeUndefined();
  });

  it("answers 404 for an unknown customer and 400 for a bad id", async () => {
    expect((await call("GET /customers/{accountId}", { accountId: "nobody" })).status).toBe(404);
    expect((await call("GET /customers/{accountId}", { accountId: "a b/c" })).status).toBe(400);
  });

  it("lists a tier by score ascending across pages", async () => {
    const all: { score: number; accountId: string }[] = [];
    let cursor: string | undefined;
    let pages = 0;
    const tier = (await call("GET /customers/{accountId}", { accountId: "cust-4" })).body
      .tier as string;
    do {
      const res = await call(
        "GET /customers",
        {},
        { tier, limit: "1", ...(cursor ? { cursor } : {}) },
      );
      expect(res.status).toBe(200);
      all.push(...res.body.customers);
      cursor = res.body.cursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);

    expect(all.map((c) => c.accountId)).toContain("cust-4");
    const scores = all.map((c) => c.score);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    expect(pages).toBeGreaterThanOrEqual(all.length);
  });

  it("rejects an unknown tier, a bad limit and a forged cursor with 400", async () => {
    expect((await call("GET /customers", {}, { tier: "great" })).status).toBe(400);
    expect((await call("GET /customers", {}, { tier: "healthy", limit: "0" })).status).toBe(400);
    expect((await call("GET /customers", {}, { tier: "healthy", cursor: "%%%" })).status).toBe(400);
  });

  it("registers aliases, applies the waiting unmatched event once, and lists unmatched events", async () => {
    const orphan = stripeInvoiceFailed("evt_api_orphan", "cus_api", "in_api");
    await receiveWebhook(
      { store: events, model: compiled.model, secretsFor: testSecretsFor },
      signedWebhook("stripe", orphan),
    );
    const listed = await call("GET /unmatched");
    expect(listed.body.events.map((e: { eventId: string }) => e.eventId)).toContain(
      "evt_api_orphan",
    );

    const body = JSON.stringify({ stripe: ["cus_api"], domains: ["Acme.com"] });
    const first = await call(
      "PUT /accounts/{accountId}/aliases",
      { accountId: "cust-1" },
      {},
      body,
    );
    const second = await call(
      "PUT /accounts/{accountId}/aliases",
      { accountId: "cust-1" },
      {},
      body,
    );

    expect(first).toMatchObject({
      status: 200,
      body: { accountId: "cust-1", aliases: 2, applied: 1 },
    });
    expect(second.body.applied).toBe(0);
    const after = await call("GET /unmatched");
    expect(after.body.events.map((e: { eventId: string }) => e.eventId)).not.toContain(
      "evt_api_orphan",
    );
  });

  it("rejects a malformed aliases body with 400", async () => {
    const route = "PUT /accounts/{accountId}/aliases";
    expect((await call(route, { accountId: "cust-1" }, {}, "not json")).status).toBe(400);
    expect(
      (await call(route, { accountId: "cust-1" }, {}, JSON.stringify({ hubspot: ["1"] }))).status,
    ).toBe(400);
    expect((await call(route, { accountId: "cust-1" }, {}, JSON.stringify({}))).status).toBe(400);
  });
});
