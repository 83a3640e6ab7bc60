import { describe, expect, it } from "vitest";
import { StorageError } from "../../../functions/adapters/dynamo/storage-error.ts";
import { errorResponse } from "../../../functions/adapters/http.ts";
import { MemoryAliasStore } from "../../../functions/adapters/memory/alias-store.ts";
import { MemoryCustomerReads } from "../../../functions/adapters/memory/customer-reads.ts";
import { type ApiDeps, routeApi } from "../../../functions/api/routes.ts";
import { testModel } from "../../support/test-model.ts";
import { webhookEvent } from "../../support/webhooks.ts";

const model = testModel;

function deps(overrides: Partial<ApiDeps> = {}): ApiDeps {
  return {
    customers: new MemoryCustomerReads(),
    aliases: new MemoryAliasStore(),
    model,
    ...overrides,
  };
}

async function call(
  using: ApiDeps,
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
  const response = await routeApi(using, event, Buffer.from(body)).catch(errorResponse);
  return {
    status: response.statusCode,
    headers: response.headers,
    body: JSON.parse(String(response.body)),
  };
}

describe("routeApi", () => {
  it("answers 503 with Retry-After when storage fails, and never shows the cause", async () => {
    const customers = new MemoryCustomerReads();
    customers.currentScore = async () => {
      throw new StorageError("connection reset by the table");
    };

    const res = await call(deps({ customers }), "GET /customers/{accountId}", {
      accountId: "acme",
    });

    expect(res.status).toBe(503);
    expect(res.headers?.["retry-after"]).toBe("5");
    expect(JSON.stringify(res.body)).not.toMatch(/connection reset/);
  });

  it("answers 500 with a generic message for a bug, not the bug's text", async () => {
    const customers = new MemoryCustomerReads();
    customers.listByScore = async () => {
      throw new TypeError("cannot read properties of undefined (reading 'tierSk')");
    };

    const res = await call(deps({ customers }), "GET /customers");

    expect(res).toMatchObject({ status: 500, body: { error: "internal error" } });
  });

  it("answers 409 naming the owner when an alias belongs to another account", async () => {
    const aliases = new MemoryAliasStore();
    aliases.aliases.set("zendesk:360001", "globex");

    const res = await call(
      deps({ aliases }),
      "PUT /accounts/{accountId}/aliases",
      { accountId: "acme" },
      {},
      JSON.stringify({ zendesk: ["360001"] }),
    );

    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      error:
        'zendesk alias "360001" belongs to account "globex"; nothing was saved. Send "move": true to move them to "acme"',
      conflicts: [{ kind: "zendesk", id: "360001", accountId: "globex" }],
    });
    expect(aliases.aliases.get("zendesk:360001")).toBe("globex");
  });

  it("answers 404 for a route it does not serve", async () => {
    expect((await call(deps(), "DELETE /customers/{accountId}")).status).toBe(404);
  });
});
