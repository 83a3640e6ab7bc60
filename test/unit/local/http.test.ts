import type { Server } from "node:http";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpApi, listen } from "../../../lib/local/http.ts";
import { ROUTES } from "../../../lib/topology.ts";

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((r) => server.close(r));
});

/** The local HTTP API over the topology's routes, with functions that echo their event. */
async function startApi() {
  const seen: APIGatewayProxyEventV2[] = [];
  const lines: string[] = [];
  const echo = async (event: APIGatewayProxyEventV2) => {
    seen.push(event);
    return { statusCode: 200, body: JSON.stringify({ params: event.pathParameters ?? {} }) };
  };
  const server = createHttpApi({
    routes: ROUTES,
    functions: { webhook: echo, api: echo },
    maxRequestBytes: 1024,
    log: (line) => lines.push(line),
  });
  servers.push(server);
  const port = await listen(server, 0, "127.0.0.1");
  return { url: `http://127.0.0.1:${port}`, seen, lines };
}

describe("local HTTP API", () => {
  it("answers 400 with a JSON error for malformed percent-encoding in a path", async () => {
    // Arrange
    const api = await startApi();
    // Act
    const response = await fetch(`${api.url}/customers/%E0%A4%A`);
    // Assert
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ error: "malformed percent-encoding in the path" });
    expect(api.seen).toEqual([]);
    expect(api.lines).toEqual([]);
  });

  it("answers 400 for a percent-encoded byte sequence that is not UTF-8", async () => {
    const api = await startApi();

    const response = await fetch(`${api.url}/accounts/%FF/aliases`, { method: "PUT" });

    expect(response.status).toBe(400);
  });

  it("decodes well-formed percent-encoding into the path parameter", async () => {
    const api = await startApi();

    const response = await fetch(`${api.url}/customers/acme%20corp%E2%82%AC`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ params: { accountId: "acme corp€" } });
  });

  it("answers 404 for an unknown route and 413 above the request limit", async () => {
    const api = await startApi();

    const missing = await fetch(`${api.url}/nowhere`);
    const big = await fetch(`${api.url}/webhooks/generic`, {
      method: "POST",
      body: "x".repeat(2048),
    });

    expect(missing.status).toBe(404);
    expect(big.status).toBe(413);
    expect(api.seen).toEqual([]);
  });
});
