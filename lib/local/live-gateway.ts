/**
 * The local stand-in for an API Gateway WebSocket API (the live feed): WebSocket upgrades on
 * the local HTTP server's LIVE_PATH become `$connect`, messages `$default` and closes
 * `$disconnect` invocations of the same Lambda handler as in AWS; and a small HTTP endpoint
 * plays the API Gateway Management API (`POST /@connections/{id}`; 410 for a connection it
 * does not hold), so the dashboard stream function posts with the same SDK client locally.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import type { APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { WebSocket, WebSocketServer } from "ws";
import { listen, readBody } from "./http.ts";

export type LiveRouteHandler = (
  event: APIGatewayProxyWebsocketEventV2 & { queryStringParameters?: Record<string, string> },
) => Promise<{ statusCode?: number } | undefined>;

export interface LocalLiveGateway {
  /** The management endpoint (LIVE_MANAGEMENT_ENDPOINT for the handlers). */
  readonly managementEndpoint: string;
  /** Serves WebSocket upgrades on `path` of `server` through `handler`. */
  attach(server: Server, path: string, handler: LiveRouteHandler): void;
  /** Open connections. */
  readonly size: number;
  close(): Promise<void>;
}

const MAX_POST_BYTES = 128 * 1024;

function wsEvent(
  routeKey: string,
  connectionId: string,
  extra: { body?: string; query?: Record<string, string> } = {},
) {
  const now = Date.now();
  return {
    requestContext: {
      routeKey,
      eventType:
        routeKey === "$connect" ? "CONNECT" : routeKey === "$disconnect" ? "DISCONNECT" : "MESSAGE",
      connectionId,
      messageId: randomBytes(8).toString("hex"),
      extendedRequestId: randomBytes(8).toString("hex"),
      requestTime: new Date(now).toUTCString(),
      requestTimeEpoch: now,
      messageDirection: "IN",
      stage: "local",
      connectedAt: now,
      requestId: randomBytes(8).toString("hex"),
      domainName: "localhost",
      apiId: "local",
    },
    isBase64Encoded: false,
    ...(extra.body === undefined ? {} : { body: extra.body }),
    ...(extra.query ? { queryStringParameters: extra.query } : {}),
  } as APIGatewayProxyWebsocketEventV2 & { queryStringParameters?: Record<string, string> };
}

export async function startLocalLiveGateway(options: {
  readonly host: string;
  readonly log: (line: string) => void;
}): Promise<LocalLiveGateway> {
  const sockets = new Map<string, WebSocket>();
  /** Connections accepted by $connect whose upgrade is not finished: posts wait for it. */
  const pending = new Map<string, string[]>();
  const wss = new WebSocketServer({ noServer: true });

  const management: Server = createServer(async (req, res) => {
    const match = /^\/@connections\/([^/?]+)/.exec(req.url ?? "");
    const id = match ? decodeURIComponent(match[1] as string) : undefined;
    const gone = () => {
      res.writeHead(410, {
        "content-type": "application/json",
        "x-amzn-errortype": "GoneException",
      });
      res.end(JSON.stringify({ message: "GoneException" }));
    };
    if (!id) {
      res.writeHead(404).end();
      return;
    }
    if (req.method === "DELETE") {
      sockets.get(id)?.close(1000);
      res.writeHead(204).end();
      return;
    }
    if (req.method !== "POST") return gone();
    const body = await readBody(req, MAX_POST_BYTES);
    if (body === "too-large") {
      res.writeHead(413).end();
      return;
    }
    const waiting = pending.get(id);
    if (waiting) waiting.push(body.toString("utf8"));
    else {
      const socket = sockets.get(id);
      if (!socket || socket.readyState !== WebSocket.OPEN) return gone();
      socket.send(body.toString("utf8"));
    }
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  const port = await listen(management, 0, options.host);

  return {
    managementEndpoint: `http://${options.host}:${port}`,
    get size() {
      return sockets.size;
    },
    attach(server, path, handler) {
      server.on("upgrade", async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        const url = new URL(req.url ?? "/", "http://localhost");
        if (url.pathname !== path) {
          // Another path: someone else's upgrade, else nobody's.
          if (server.listenerCount("upgrade") === 1) socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
          return;
        }
        const id = `${randomBytes(9).toString("base64url")}=`;
        pending.set(id, []);
        let status = 500;
        try {
          const result = await handler(
            wsEvent("$connect", id, { query: Object.fromEntries(url.searchParams) }),
          );
          status = result?.statusCode ?? 200;
        } catch (error) {
          options.log(`live: $connect failed: ${(error as Error).message}`);
        }
        if (status !== 200) {
          pending.delete(id);
          socket.end(`HTTP/1.1 ${status === 401 || status === 403 ? status : 500} Refused\r\n\r\n`);
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          sockets.set(id, ws);
          for (const data of pending.get(id) ?? []) ws.send(data);
          pending.delete(id);
          ws.on("message", (data) => {
            handler(wsEvent("$default", id, { body: data.toString() })).catch((error: Error) =>
              options.log(`live: message failed: ${error.message}`),
            );
          });
          ws.on("close", () => {
            sockets.delete(id);
            handler(wsEvent("$disconnect", id)).catch((error: Error) =>
              options.log(`live: $disconnect failed: ${error.message}`),
            );
          });
        });
      });
    },
    async close() {
      for (const ws of sockets.values()) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => management.close(() => resolve()));
      management.closeAllConnections?.();
    },
  };
}
