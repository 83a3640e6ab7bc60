/**
 * The live feed: one WebSocket to `liveUrl` that delivers a LiveMessage per score written.
 * The feed is "live" once it has answered (its hello comes after our first message).
 * A dropped connection is retried with exponential backoff and jitter; after every
 * reconnect the views refetch what they show (the feed keeps no backlog), so nothing
 * written while we were away is missed.
 */
import type { LiveMessage } from "./types.ts";

export type LiveStatus = "connecting" | "live" | "reconnecting";

export interface LiveFeed {
  /** Every message, as it arrives. */
  onMessage(listener: (message: LiveMessage) => void): () => void;
  /** After a reconnect (not the first connect): refetch to catch up. */
  onReconnect(listener: () => void): () => void;
  onStatus(listener: (status: LiveStatus) => void): () => void;
  readonly status: LiveStatus;
  close(): void;
}

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000 };

/** The wait before reconnect attempt `attempt` (0-based): doubling, capped, half jittered. */
export function reconnectDelay(attempt: number, backoff: Backoff, random = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** A message from the feed, or undefined for anything else (ignored, never thrown). */
export function parseLiveMessage(data: unknown): LiveMessage | undefined {
  if (typeof data !== "string") return undefined;
  try {
    const value = JSON.parse(data) as Partial<LiveMessage> | null;
    if (value?.type === "hello") return value as LiveMessage;
    if (value?.type === "score" && typeof value.accountId === "string") return value as LiveMessage;
  } catch {
    // Not JSON: not ours.
  }
  return undefined;
}

/** Connects to `url` and stays connected until `close()`. */
export function connectLive(url: string, backoff: Backoff = DEFAULT_BACKOFF): LiveFeed {
  const messages = new Set<(message: LiveMessage) => void>();
  const reconnects = new Set<() => void>();
  const statuses = new Set<(status: LiveStatus) => void>();
  let status: LiveStatus = "connecting";
  let socket: WebSocket | undefined;
  let attempt = 0;
  let connectedBefore = false;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const setStatus = (next: LiveStatus) => {
    if (next === status) return;
    status = next;
    for (const listener of statuses) listener(next);
  };

  const open = () => {
    if (closed) return;
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      // A WebSocket gateway sends nothing during $connect: any message from us asks for
      // the feed's hello (API Gateway and the local runtime alike), and "live" waits for it.
      ws.send(JSON.stringify({ type: "hello" }));
      if (connectedBefore) for (const listener of reconnects) listener();
      connectedBefore = true;
    };
    ws.onmessage = (event) => {
      const message = parseLiveMessage(event.data);
      if (!message) return;
      setStatus("live");
      for (const listener of messages) listener(message);
    };
    ws.onclose = () => {
      if (socket !== ws || closed) return;
      setStatus("reconnecting");
      timer = setTimeout(open, reconnectDelay(attempt++, backoff));
    };
    // An error is always followed by close, which schedules the retry.
    ws.onerror = () => {};
  };

  // Back online: try at once rather than wait out the backoff.
  const online = () => {
    const pending = socket && socket.readyState <= WebSocket.OPEN;
    if (status === "live" || closed || pending) return;
    clearTimeout(timer);
    attempt = 0;
    open();
  };
  addEventListener("online", online);
  open();

  const add =
    <T>(set: Set<T>) =>
    (listener: T) => {
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    };
  return {
    onMessage: add(messages),
    onReconnect: add(reconnects),
    onStatus: add(statuses),
    get status() {
      return status;
    },
    close() {
      closed = true;
      clearTimeout(timer);
      removeEventListener("online", online);
      socket?.close();
    },
  };
}
