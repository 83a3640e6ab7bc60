/**
 * The local HTTP API: requests in, API Gateway HTTP API v2 events to the same Lambda
 * handlers, their results back out. Routes come from the topology; like API Gateway, a
 * request the router cannot read (a path with broken percent-encoding) gets a 400 and
 * never reaches a function.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { FunctionId, RouteDefinition } from "../topology.ts";

export type HttpFunction = (
  event: APIGatewayProxyEventV2,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** The path has a `%` not followed by two hex digits, or bytes that are not UTF-8. */
export class MalformedPathError extends Error {
  override readonly name = "MalformedPathError";
}

/** Compiles `/customers/{accountId}` into a matcher that returns decoded path parameters. */
export function routeMatcher(path: string) {
  const names: string[] = [];
  const source = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  const regex = new RegExp(`^${source}$`);
  return (actual: string): Record<string, string> | undefined => {
    const m = regex.exec(actual);
    if (!m) return undefined;
    return Object.fromEntries(names.map((n, i) => [n, decodePathPart(m[i + 1] as string)]));
  };
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new MalformedPathError("malformed percent-encoding in the path");
  }
}

/** Reads a request body, refusing more than `limit` bytes early. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > limit ? "too-large" : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** An HTTP API v2 event for a request, as API Gateway would send it. */
export function toApiGatewayEvent(
  req: IncomingMessage,
  body: Buffer,
  routeKey: string,
  pathParameters: Record<string, string>,
): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? "/", "http://localhost");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined)
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
  }
  const query = Object.fromEntries(url.searchParams.entries());
  const now = Date.now();
  return {
    version: "2.0",
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: "local",
      http: {
        method: req.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey,
      stage: "$default",
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    // Like API Gateway for non-text bodies: the exact bytes, base64-encoded.
    ...(body.length > 0
      ? { body: body.toString("base64"), isBase64Encoded: true }
      : { isBase64Encoded: false }),
  };
}

function send(res: ServerResponse, result: APIGatewayProxyStructuredResultV2) {
  res.writeHead(result.statusCode ?? 200, {
    "content-type": "application/json",
    ...(result.headers as Record<string, string> | undefined),
  });
  res.end(result.body ?? "");
}

function requestPath(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? "/", "http://localhost").pathname;
  } catch {
    throw new MalformedPathError("malformed request target");
  }
}

const jsonError = (statusCode: number, error: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  body: JSON.stringify({ error }),
});

/** Listens on `port` (0: any free one) and resolves with the port in use. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

export interface HttpApiOptions {
  readonly routes: readonly RouteDefinition[];
  readonly functions: Partial<Record<FunctionId, HttpFunction>>;
  /** API Gateway's own payload limit; the handlers enforce theirs. */
  readonly maxRequestBytes: number;
  readonly log: (line: string) => void;
  /** Static files in front of the routes (the dashboard); resolves true when it answered. */
  readonly site?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

/** An HTTP server that plays API Gateway in front of the HTTP functions. */
export function createHttpApi(options: HttpApiOptions): Server {
  const routes = options.routes.map((route) => ({ ...route, match: routeMatcher(route.path) }));
  return createServer(async (req, res) => {
    try {
      if (options.site && (await options.site(req, res))) return;
      const path = requestPath(req);
      let found: { route: (typeof routes)[number]; params: Record<string, string> } | undefined;
      for (const route of routes) {
        if (route.method !== req.method) continue;
        const params = route.match(path);
        if (params) {
          found = { route, params };
          break;
        }
      }
      if (!found) return send(res, jsonError(404, "no such route"));
      const body = await readBody(req, options.maxRequestBytes);
      if (body === "too-large") return send(res, jsonError(413, "request too large"));
      const fn = options.functions[found.route.function] as HttpFunction;
      const routeKey = `${found.route.method} ${found.route.path}`;
      send(res, await fn(toApiGatewayEvent(req, body, routeKey, found.params)));
    } catch (error) {
      if (error instanceof MalformedPathError) return send(res, jsonError(400, error.message));
      options.log(`http: ${(error as Error).message}`);
      send(res, jsonError(500, "internal error"));
    }
  });
}
