import {
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import { describe, expect, it, vi } from "vitest";
import {
  isStorageFailure,
  StorageError,
} from "../../../functions/adapters/dynamo/storage-error.ts";
import { errorResponse, RETRY_AFTER_SECONDS } from "../../../functions/adapters/http.ts";
import { MemoryAliasStore } from "../../../functions/adapters/memory/alias-store.ts";
import { MemoryCustomerReads } from "../../../functions/adapters/memory/customer-reads.ts";
import { logger } from "../../../functions/adapters/powertools.ts";
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

/** An SDK service error as the client throws it (a 4xx unless the test says otherwise). */
function sdkError(name: string, httpStatusCode: number, fault: "client" | "server" = "client") {
  return new DynamoDBServiceException({
    name,
    message: name,
    $fault: fault,
    $metadata: { httpStatusCode },
  });
}

/** A Node socket error, as the SDK's HTTP handler passes it on. */
function networkError(code: string) {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:8000`), { code });
}

describe("isStorageFailure: only failures that go away on their own", () => {
  it.each([
    ["our StorageError", new StorageError("kept conflicting")],
    ["throttling", new ProvisionedThroughputExceededException({ message: "x", $metadata: {} })],
    ["ThrottlingException", sdkError("ThrottlingException", 400)],
    ["a request limit", sdkError("RequestLimitExceeded", 400)],
    ["an HTTP 429", sdkError("SomethingElse", 429)],
    ["a request timeout", Object.assign(new Error("timed out"), { name: "TimeoutError" })],
    ["a refused connection", networkError("ECONNREFUSED")],
    ["a reset connection", networkError("ECONNRESET")],
    ["a 5xx", new InternalServerError({ message: "x", $metadata: { httpStatusCode: 500 } })],
    ["a server fault", sdkError("ServiceUnavailable", 503, "server")],
    [
      "a cancelled transaction",
      new TransactionCanceledException({ message: "x", $metadata: { httpStatusCode: 400 } }),
    ],
    ["a conflicting transaction", sdkError("TransactionConflictException", 400)],
  ])("%s is one", (_, error) => {
    expect(isStorageFailure(error)).toBe(true);
  });

  it.each([
    ["a validation error", sdkError("ValidationException", 400)],
    ["a denied permission", sdkError("AccessDeniedException", 400)],
    [
      "a missing table",
      new ResourceNotFoundException({ message: "x", $metadata: { httpStatusCode: 400 } }),
    ],
    ["a failed condition", sdkError("ConditionalCheckFailedException", 400)],
    ["a bug", new TypeError("undefined is not a function")],
    ["a thrown string", "storage down"],
  ])("%s is not", (_, error) => {
    expect(isStorageFailure(error)).toBe(false);
  });
});

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
    // The same 503 as every other function's: errorResponse is the one place that shapes it.
    expect(res.headers?.["retry-after"]).toBe(String(RETRY_AFTER_SECONDS));
    expect(res.body).toEqual({ error: "storage unavailable, retry later" });
    expect(JSON.stringify(res.body)).not.toMatch(/connection reset/);
  });

  it("answers 503 for a throttled store, 500 (logged, generic) for an SDK error no retry fixes", async () => {
    const metadata = { httpStatusCode: 400 };
    const failWith = (error: Error) => {
      const customers = new MemoryCustomerReads();
      customers.currentScore = async () => {
        throw error;
      };
      return call(deps({ customers }), "GET /customers/{accountId}", { accountId: "acme" });
    };
    const logged = vi.spyOn(logger, "error").mockImplementation(() => {});
    try {
      const throttled = await failWith(
        new ProvisionedThroughputExceededException({ message: "slow down", $metadata: metadata }),
      );
      expect(throttled.status).toBe(503);

      const missing = await failWith(
        new ResourceNotFoundException({
          message: "Requested resource not found: table",
          $metadata: metadata,
        }),
      );
      expect(missing).toMatchObject({ status: 500, body: { error: "internal error" } });
      expect(missing.headers?.["retry-after"]).toBeUndefined();
      expect(logged).toHaveBeenLastCalledWith(
        "request failed",
        expect.any(ResourceNotFoundException),
      );
    } finally {
      logged.mockRestore();
    }
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
