/**
 * TEST DOUBLE of the dashboard's data routes and live feed, on the real local HTTP layer
 * (lib/local/http.ts with the dashboard's static serving): the page is served exactly as
 * `npm start` serves it, and the four data routes and the WebSocket answer in the
 * contract's shapes from `DashboardData`. Replace with the local runtime once the routes
 * are merged (see dashboard-backend.ts).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { WebSocket, WebSocketServer } from "ws";
import type { LiveMessage } from "../../../functions/dashboard/contract.ts";
import { dashboardSite } from "../../../lib/local/dashboard-site.ts";
import { createHttpApi, listen } from "../../../lib/local/http.ts";
import type { RouteDefinition } from "../../../lib/topology.ts";
import type { DashboardData } from "./dashboard-data.ts";
import { FAKE_CLIENT_ID, FAKE_ID_TOKEN, fakeCognito } from "./fake-cognito.ts";

const ROUTES: RouteDefinition[] = [
  { method: "GET", path: "/dashboard/portfolio", function: "api", auth: "iam" },
  { method: "GET", path: "/dashboard/customers", function: "api", auth: "iam" },
  { method: "GET", path: "/dashboard/customers/{accountId}", function: "api", auth: "iam" },
  { method: "GET", path: "/dashboard/alerts", function: "api", auth: "iam" },
];

export interface DoubleServer {
  readonly baseUrl: string;
  readonly data: DashboardData;
  /** Open live connections. */
  readonly clients: () => number;
  /** Writes a score and sends its LiveMessage to every open page; resolves when sent. */
  writeScore(accountId: string, score: number): Promise<LiveMessage>;
  /** The Authorization headers the data routes received, and the live feed's tokens. */
  readonly seen: {
    readonly authorization: (string | undefined)[];
    readonly liveTokens: (string | null)[];
  };
  /** Drops every live connection (the page should reconnect and catch up). */
  dropLive(): void;
  stop(): Promise<void>;
}

const json = (statusCode: number, body: unknown) => ({ statusCode, body: JSON.stringify(body) });

/** Starts the double on a free port of 127.0.0.1. */
export async function startDoubleServer(
  data: DashboardData,
  options: { signIn?: boolean } = {},
): Promise<DoubleServer> {
  const seen: DoubleServer["seen"] & {
    authorization: (string | undefined)[];
    liveTokens: (string | null)[];
  } = {
    authorization: [],
    liveTokens: [],
  };
  const route = async (event: APIGatewayProxyEventV2) => {
    seen.authorization.push(event.headers.authorization);
    if (options.signIn && event.headers.authorization !== `Bearer ${FAKE_ID_TOKEN}`)
      return json(401, { message: "Unauthorized" });
    const q = event.queryStringParameters ?? {};
    switch (event.routeKey) {
      case "GET /dashboard/portfolio":
        return json(200, data.portfolio(q));
      case "GET /dashboard/customers":
        return json(200, data.customers(q));
      case "GET /dashboard/customers/{accountId}": {
        const page = data.pages.get(event.pathParameters?.accountId ?? "");
        return page ? json(200, page) : json(404, { error: "no such customer" });
      }
      case "GET /dashboard/alerts":
        return json(200, data.alertPage(q.cursor));
      default:
        return json(404, { error: "no such route" });
    }
  };
  const server: Server = createHttpApi({
    routes: ROUTES,
    functions: { api: route },
    maxRequestBytes: 1024 * 1024,
    log: (line) => console.error(line),
    site: options.signIn ? signInSite() : dashboardSite(),
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    if (new URL(req.url ?? "/", "http://localhost").pathname !== "/dashboard/live")
      return socket.destroy();
    seen.liveTokens.push(new URL(req.url ?? "/", "http://localhost").searchParams.get("token"));
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Like API Gateway (and the local runtime): nothing during $connect, a hello for any
      // message the page sends.
      ws.on("message", () =>
        ws.send(
          JSON.stringify({ type: "hello", at: new Date().toISOString() } satisfies LiveMessage),
        ),
      );
    });
  });
  const port = await listen(server, 0, "127.0.0.1");
  const send = (message: LiveMessage) =>
    Promise.all(
      [...wss.clients]
        .filter((c) => c.readyState === WebSocket.OPEN)
        .map(
          (c) =>
            new Promise<void>((resolve, reject) =>
              c.send(JSON.stringify(message), (e) => (e ? reject(e) : resolve())),
            ),
        ),
    );
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    data,
    seen,
    clients: () => [...wss.clients].filter((c) => c.readyState === WebSocket.OPEN).length,
    async writeScore(accountId, score) {
      const at = new Date();
      const written = data.writeScore(accountId, score, at);
      const message: LiveMessage = {
        type: "score",
        accountId,
        displayName: written.displayName,
        score,
        tier: written.tier,
        previousTier: written.previousTier,
        computedAt: at.toISOString(),
      };
      await send(message);
      return message;
    },
    dropLive() {
      for (const client of wss.clients) client.terminate();
    },
    async stop() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
    },
  };
}

/** The page with sign-in on: its config points the hosted UI at this same server. */
function signInSite() {
  const cognito = fakeCognito();
  const site = dashboardSite({
    config: (req) => ({
      apiBase: "",
      liveUrl: `ws://${req.headers.host}/dashboard/live`,
      auth: {
        region: "local",
        userPoolId: "local_pool",
        clientId: FAKE_CLIENT_ID,
        domain: `http://${req.headers.host}`,
      },
    }),
  });
  return async (req: IncomingMessage, res: ServerResponse) =>
    (await cognito(req, res)) || site(req, res);
}
