/**
 * A TCP proxy in front of the local stack, so a test can cut the page's live connection as a
 * network would: `dropLive()` destroys every WebSocket connection passing through (ordinary
 * HTTP requests are left alone) and holds new ones, unanswered, until `restoreLive()`, so the
 * page stays away for as long as the test wants without a refused connection to log.
 */
import { connect, createServer, type Socket } from "node:net";

export interface TcpProxy {
  readonly port: number;
  /** WebSocket connections open through the proxy. */
  liveConnections(): number;
  dropLive(): void;
  restoreLive(): void;
  stop(): Promise<void>;
}

const isUpgrade = (firstChunk: Buffer) =>
  /^upgrade:\s*websocket\s*$/im.test(firstChunk.subarray(0, 4096).toString("latin1"));

export async function startTcpProxy(targetPort: number, host = "127.0.0.1"): Promise<TcpProxy> {
  const live = new Set<Socket>();
  const all = new Set<Socket>();
  let held: (() => void)[] = [];
  let down = false;

  const pipe = (client: Socket, first: Buffer, upgrade: boolean) => {
    const upstream = connect(targetPort, host);
    all.add(upstream);
    upstream.on("close", () => all.delete(upstream));
    if (upgrade) live.add(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      live.delete(client);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    upstream.write(first);
    client.pipe(upstream).pipe(client);
    client.resume();
  };

  const server = createServer((client) => {
    all.add(client);
    client.on("close", () => all.delete(client));
    client.once("data", (first) => {
      client.pause();
      const upgrade = isUpgrade(first);
      if (upgrade && down) held.push(() => pipe(client, first, true));
      else pipe(client, first, upgrade);
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve((server.address() as { port: number }).port));
  });
  return {
    port,
    liveConnections: () => live.size,
    dropLive() {
      down = true;
      for (const socket of live) socket.destroy();
      live.clear();
    },
    restoreLive() {
      down = false;
      const waiting = held;
      held = [];
      for (const resume of waiting) resume();
    },
    async stop() {
      for (const socket of all) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
