/**
 * The dashboard's server side on the local stack as `npm start` runs it: a WebSocket on
 * /dashboard/live receives a score within 2 s of the webhook that changed it, and the data
 * routes answer from what the dashboard stream projected (portfolio, customers, customer
 * page with its event log, alerts), with 400s for a caller's mistakes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { LiveMessage, Portfolio } from "../../functions/dashboard/contract.ts";
import type { LocalStack } from "../../lib/local/runtime.ts";
import { genericPayload, signedHeaders } from "../support/webhooks.ts";

const DAY = 86_400_000;
let stack: LocalStack;

beforeAll(async () => {
  process.env.GENERIC_WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const { startLocalStack } = await import("../../lib/local/runtime.ts");
  stack = await startLocalStack({ port: 0, log: () => {} });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

let sequence = 0;
async function sendGeneric(
  type: string,
  accountId: string,
  data: Record<string, unknown>,
  at: number,
) {
  sequence += 1;
  const body = JSON.stringify(genericPayload(type, accountId, data, new Date(at)));
  const response = await fetch(`${stack.baseUrl}/webhooks/generic`, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      ...signedHeaders("generic", body, Date.now(), undefined, `msg_dash_${sequence}`),
    },
  });
  expect(response.status).toBe(200);
}

const get = async (path: string) => {
  const response = await fetch(`${stack.baseUrl}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

function openLive(): Promise<{ ws: WebSocket; messages: LiveMessage[] }> {
  const ws = new WebSocket(`${stack.baseUrl.replace("http", "ws")}/dashboard/live`);
  const messages: LiveMessage[] = [];
  ws.on("message", (data) => messages.push(JSON.parse(data.toString()) as LiveMessage));
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve({ ws, messages }));
    ws.once("error", reject);
  });
}

async function waitFor<T>(find: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined || Date.now() > until) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("dashboard on the local stack", () => {
  it("pushes a score to an open page within 2 s of the webhook that changed it", async () => {
    const now = Date.now();
    await sendGeneric(
      "subscription",
      "globex",
      { status: "active", mrr: 120_000, seats: 20 },
      now - 30 * DAY,
    );
    await sendGeneric("usage", "globex", { event: "login", count: 30 }, now - DAY);
    await stack.settle();

    const { ws, messages } = await openLive();
    try {
      ws.send("hello");
      const hello = await waitFor(() => messages.find((m) => m.type === "hello"), 2_000);
      expect(hello).toBeDefined();

      const sent = Date.now();
      await sendGeneric("nps", "globex", { score: 1 }, Date.now());
      const update = await waitFor(
        () => messages.find((m) => m.type === "score" && m.accountId === "globex"),
        2_000,
      );
      const elapsed = Date.now() - sent;
      expect(update, `no live message within 2 s (waited ${elapsed} ms)`).toBeDefined();
      expect(elapsed).toBeLessThanOrEqual(2_000);
      expect(update).toMatchObject({ type: "score", accountId: "globex" });
    } finally {
      ws.close();
    }
  });

  it("serves the portfolio, the customers table, a customer page and the alerts", async () => {
    const now = Date.now();
    await sendGeneric(
      "subscription",
      "initech",
      { status: "active", mrr: 30_000, seats: 5 },
      now - 20 * DAY,
    );
    await sendGeneric("usage", "initech", { event: "login", count: 5 }, now - 2 * DAY);
    await stack.settle();
    await sendGeneric("subscription", "initech", { status: "canceled", mrr: 0, seats: 5 }, now);
    await stack.settle();

    const portfolio = (await get("/dashboard/portfolio")).body as unknown as Portfolio;
    const counted = Object.values(portfolio.tiers).reduce((n, t) => n + t.customers, 0);
    expect(counted).toBe(2);
    expect(portfolio.averageScore).toHaveLength(90);
    expect(portfolio.averageScore.at(-1)?.score).not.toBeNull();
    expect(portfolio.filters.segments.length).toBeGreaterThan(0);

    const customers = await get("/dashboard/customers?sort=name&limit=1");
    expect(customers.status).toBe(200);
    const items = customers.body.items as { accountId: string; sparkline: unknown[] }[];
    expect(items.map((i) => i.accountId)).toEqual(["globex"]);
    expect(items[0]?.sparkline).toHaveLength(30);
    const next = await get(
      `/dashboard/customers?sort=name&limit=1&cursor=${customers.body.cursor as string}`,
    );
    expect((next.body.items as { accountId: string }[]).map((i) => i.accountId)).toEqual([
      "initech",
    ]);
    expect(next.body.cursor).toBeNull();

    const page = await get("/dashboard/customers/initech");
    expect(page.status).toBe(200);
    const events = page.body.events as { text: string }[];
    expect(events[0]?.text).toContain("subscription canceled");
    expect(page.body.history).toBeInstanceOf(Array);
    expect(page.body.holdingDown).toBeInstanceOf(Array);
    expect(page.body.flags).toBeInstanceOf(Array);

    expect((await get("/dashboard/customers/nobody")).status).toBe(404);
    expect((await get("/dashboard/customers?cursor=garbage!")).status).toBe(400);
    expect((await get("/dashboard/customers?sort=sideways")).status).toBe(400);
    expect((await get("/dashboard/customers?tier=purple")).status).toBe(400);
    expect((await get("/dashboard/alerts?limit=0")).status).toBe(400);
    const alerts = await get("/dashboard/alerts");
    expect(alerts.status).toBe(200);
  });
});
