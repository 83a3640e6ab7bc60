/**
 * The live feed (issue 12 item 3): open pages hold a WebSocket (API Gateway WebSocket API in
 * AWS, the local runtime's stand-in of it on `npm start`); every score written is posted to
 * each connection as a LiveMessage. A connection the gateway says is gone is forgotten.
 * Use cases over the Connections (OpenConnections) and ConnectionSender ports.
 */
import type { LiveMessage } from "./contract.ts";
import type { LiveFeed } from "./project.ts";

/**
 * Storage port: the open connections (each kept with a TTL beyond API Gateway's 2 h limit),
 * as the WebSocket routes keep them.
 */
export interface Connections {
  add(connectionId: string, now: number): Promise<void>;
  remove(connectionId: string): Promise<void>;
}

/** The open connections as the broadcaster reads them (apart: the routes never list them). */
export interface OpenConnections extends Connections {
  list(): Promise<string[]>;
}

/** Posts to one connection; "gone" when the gateway no longer knows it (HTTP 410). */
export interface ConnectionSender {
  post(connectionId: string, data: string): Promise<"sent" | "gone">;
}

/** Longest a connection lives in API Gateway (2 hours) plus a margin, in seconds. */
export const CONNECTION_TTL_SECONDS = 3 * 3600;

/** A LiveFeed posting each message to every open connection. */
export function broadcaster(
  connections: OpenConnections,
  sender: ConnectionSender,
  onError: (error: unknown) => void = () => {},
): LiveFeed & { sendCounts(): { sent: number; gone: number } } {
  let sent = 0;
  let gone = 0;
  return {
    sendCounts: () => ({ sent, gone }),
    async send(messages: readonly LiveMessage[]) {
      if (messages.length === 0) return;
      const ids = await connections.list();
      await Promise.all(
        ids.map(async (id) => {
          for (const message of messages) {
            try {
              if ((await sender.post(id, JSON.stringify(message))) === "gone") {
                gone++;
                await connections.remove(id);
                return;
              }
              sent++;
            } catch (error) {
              // One slow or failing page must not keep the others from their updates.
              onError(error);
              return;
            }
          }
        }),
      );
    },
  };
}

/** The first message on a connection: the page knows the feed works (and when it started). */
export const helloMessage = (now: number): LiveMessage => ({
  type: "hello",
  at: new Date(now).toISOString(),
});

/** What a WebSocket route of the live feed does: `$connect`, `$disconnect`, or a message. */
export async function handleLiveRoute(
  deps: { readonly connections: Connections; readonly sender: ConnectionSender | null },
  routeKey: string,
  connectionId: string,
  now: number,
): Promise<{ statusCode: number }> {
  switch (routeKey) {
    case "$connect":
      await deps.connections.add(connectionId, now);
      return { statusCode: 200 };
    case "$disconnect":
      await deps.connections.remove(connectionId);
      return { statusCode: 200 };
    default:
      // Any message from the page (e.g. "hello" after a reconnect) is answered with hello:
      // a gateway cannot send during $connect, so this is how the page learns the feed works.
      if (
        deps.sender &&
        (await deps.sender.post(connectionId, JSON.stringify(helloMessage(now)))) === "gone"
      ) {
        await deps.connections.remove(connectionId);
      }
      return { statusCode: 200 };
  }
}
