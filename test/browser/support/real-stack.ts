/**
 * The real local stack for the browser tests: `startLocalStack({ port: 0 })` with its own
 * DynamoDB Local, behind a TCP proxy (tcp-proxy.ts) so a test can cut the live feed, and a
 * small portfolio fed as the tools would feed it, through signed webhooks: six of the demo's
 * customers (bin/demo/customers.ts) with their Segment profile, a subscription, a month of
 * product usage and a survey; five use the product steadily, Vandelay Imports barely and has
 * asked to cancel at the end of its period. Their daily history is then rebuilt from the
 * event log, as the demo does.
 */
import { CUSTOMERS, type Customer, SEAT_PRICE } from "../../../bin/demo/customers.ts";
import type { CustomerPage } from "../../../functions/dashboard/contract.ts";
import type { Provider } from "../../../functions/webhook/providers/registry.ts";
import type { LocalStack } from "../../../lib/local/runtime.ts";
import { testModelInput } from "../../support/test-model.ts";
import { genericPayload, signedHeaders } from "../../support/webhooks.ts";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.ts";

const DAY = 86_400_000;
const HEALTHY = [
  "acme-analytics",
  "globex-logistics",
  "wayne-fintech",
  "hooli-cloud",
  "aperture-science",
];
const TROUBLED = "vandelay-imports";

export interface RealDashboard {
  /** The page's origin (through the proxy). */
  readonly baseUrl: string;
  readonly stack: LocalStack;
  readonly customers: readonly Customer[];
  /** The customer in trouble: it asked to cancel at period end. */
  readonly troubled: { readonly accountId: string; readonly displayName: string };
  /** Healthy customers a test can push down (at least two). */
  readonly healthy: readonly { readonly accountId: string; readonly displayName: string }[];
  /** Sends one signed generic (Standard Webhooks) event; throws unless it is accepted. */
  sendGeneric(
    type: string,
    accountId: string,
    data: Record<string, unknown>,
    at?: number,
  ): Promise<void>;
  /** The customer's page as the data route answers it now. */
  customerPage(accountId: string): Promise<CustomerPage>;
  readonly proxy: TcpProxy;
  stop(): Promise<void>;
}

const customer = (id: string) => {
  const c = CUSTOMERS.find((x) => x.id === id);
  if (!c) throw new Error(`no demo customer ${id}`);
  return c;
};

export async function startRealDashboard(): Promise<RealDashboard> {
  // Scored with the test model: the default model belongs to its owner and may change.
  process.env.HEALTH_MODEL_JSON = JSON.stringify(testModelInput());
  const { startLocalStack } = await import("../../../lib/local/runtime.ts");
  const lines: string[] = [];
  const stack = await startLocalStack({
    port: 0,
    log: (line) => lines.push(line),
    printEmail: () => {},
  });
  let proxy: TcpProxy | undefined;
  try {
    proxy = await startTcpProxy(Number(new URL(stack.baseUrl).port));
  } catch (error) {
    await stack.stop();
    throw error;
  }
  let sequence = 0;
  const post = async (provider: Provider, body: string, headers: Record<string, string>) => {
    const response = await fetch(`${stack.baseUrl}/webhooks/${provider}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    });
    if (response.status !== 200)
      throw new Error(`${provider} webhook: ${response.status} ${await response.text()}`);
  };
  const sendGeneric: RealDashboard["sendGeneric"] = async (
    type,
    accountId,
    data,
    at = Date.now(),
  ) => {
    sequence += 1;
    const body = JSON.stringify(genericPayload(type, accountId, data, new Date(at)));
    const secret = stack.secrets.generic.value;
    await post(
      "generic",
      body,
      signedHeaders("generic", body, Date.now(), secret, `msg_browser_${sequence}`),
    );
  };
  const sendGroup = async (c: Customer, at: number) => {
    sequence += 1;
    const body = JSON.stringify({
      messageId: `seg_browser_${sequence}`,
      timestamp: new Date(at).toISOString(),
      type: "group",
      userId: `${c.id}-admin`,
      groupId: c.id,
      traits: { name: c.name, plan: c.plan, seats: c.seats, owner: c.owner, industry: c.industry },
    });
    await post(
      "segment",
      body,
      signedHeaders("segment", body, Date.now(), stack.secrets.segment.value),
    );
  };

  const now = Date.now();
  const feed = async (c: Customer, troubled: boolean) => {
    const mrr = c.seats * SEAT_PRICE[c.plan];
    const renewsAt = new Date(now + 12 * DAY).toISOString();
    await sendGroup(c, now - 60 * DAY);
    await sendGeneric(
      "subscription",
      c.id,
      { status: "active", mrr, currency: "usd", seats: c.seats, plan: c.plan, renews_at: renewsAt },
      now - 60 * DAY,
    );
    for (let d = 29; d >= 1; d -= 2) {
      const count = Math.round(c.seats * c.perSeat * (troubled ? 0.1 : 5));
      await sendGeneric(
        "usage",
        c.id,
        {
          event: "actions",
          count: Math.max(1, count),
          feature: ["dashboards", "reports", "alerts", "exports", "api"][d % c.featureCount],
        },
        now - d * DAY,
      );
    }
    await sendGeneric("nps", c.id, { score: troubled ? 3 : 9 }, now - 20 * DAY);
    if (troubled)
      await sendGeneric(
        "subscription",
        c.id,
        {
          status: "active",
          mrr,
          currency: "usd",
          seats: c.seats,
          plan: c.plan,
          renews_at: renewsAt,
          cancel_at_period_end: true,
        },
        now - 2 * DAY,
      );
  };
  try {
    // Customers side by side, each one's events in order.
    await Promise.all([
      ...HEALTHY.map((id) => feed(customer(id), false)),
      feed(customer(TROUBLED), true),
    ]);
    await stack.settle();
    // Each customer's daily history from its events, as `npm run replay` (and the demo) build
    // it: the history chart shows the month, not just today.
    const { chosenModel, rebuildInTable } = await import("../../../lib/replay/run.ts");
    const { BACKGROUND_TIMEOUTS, documentClient } = await import(
      "../../../functions/adapters/dynamo/client.ts"
    );
    const rebuilt = await rebuildInTable(
      {
        db: documentClient(stack.dynamoEndpoint, BACKGROUND_TIMEOUTS),
        tableName: stack.tableName,
        model: await chosenModel(undefined),
      },
      [...HEALTHY, TROUBLED],
    );
    if (rebuilt.failed.size > 0) {
      throw new Error(`history rebuild failed: ${[...rebuilt.failed.keys()].join(", ")}`);
    }
    await stack.settle();
  } catch (error) {
    await proxy.stop();
    await stack.stop();
    throw new Error(`${(error as Error).message}\n${lines.join("\n")}`);
  }
  const troubled = customer(TROUBLED);
  return {
    baseUrl: `http://127.0.0.1:${proxy.port}`,
    stack,
    proxy,
    customers: [...HEALTHY, TROUBLED].map(customer),
    troubled: { accountId: troubled.id, displayName: troubled.name },
    healthy: HEALTHY.map((id) => ({ accountId: id, displayName: customer(id).name })),
    sendGeneric,
    async customerPage(accountId) {
      const response = await fetch(`${stack.baseUrl}/dashboard/customers/${accountId}`);
      if (!response.ok) throw new Error(`customer page ${accountId}: ${response.status}`);
      return (await response.json()) as CustomerPage;
    },
    async stop() {
      await proxy?.stop();
      await stack.stop();
    },
  };
}
