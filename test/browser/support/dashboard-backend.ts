/**
 * What the browser tests run against: something that serves the page, answers the data
 * routes and pushes live scores. For now the TEST DOUBLE (double-server.ts, demo data);
 * once the data routes and live feed (functions/dashboard, lib/local wiring) are merged,
 * this is the one place to switch to the real local runtime: `startLocalStack({ port: 0 })`,
 * the demo's customers fed through signed webhooks, and `writeScore` sending a webhook
 * that moves the customer's score (then `stack.settle()`).
 */
import { demoDashboardData } from "./dashboard-fixtures.ts";
import { startDoubleServer } from "./double-server.ts";

export interface DashboardBackend {
  readonly baseUrl: string;
  /** The demo customer in the worst trouble: it asked to cancel at period end. */
  readonly troubled: {
    readonly accountId: string;
    readonly displayName: string;
    readonly reason: RegExp;
  };
  /** A healthy customer a test can push into at-risk. */
  readonly healthy: { readonly accountId: string; readonly displayName: string };
  /** Makes `accountId` score `score` and pushes it to open pages. */
  writeScore(accountId: string, score: number): Promise<void>;
  /** Drops every live connection. */
  dropLive(): void;
  /** How many pages are connected to the live feed. */
  liveClients(): number;
  stop(): Promise<void>;
}

export async function startDashboardBackend(): Promise<DashboardBackend> {
  const server = await startDoubleServer(demoDashboardData());
  return {
    baseUrl: server.baseUrl,
    troubled: {
      accountId: "vandelay-imports",
      displayName: "Vandelay Imports",
      reason: /set to cancel at period end/,
    },
    healthy: { accountId: "acme-analytics", displayName: "Acme Analytics" },
    writeScore: async (accountId, score) => {
      await server.writeScore(accountId, score);
    },
    dropLive: () => server.dropLive(),
    liveClients: () => server.clients(),
    stop: () => server.stop(),
  };
}
