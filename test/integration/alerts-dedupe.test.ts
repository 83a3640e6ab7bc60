import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  ALERT_SLACK_SK,
  alertPk,
  DynamoAlertLedger,
} from "../../functions/adapters/dynamo/alert-ledger.ts";
import { postToSlack } from "../../functions/adapters/slack/webhook-client.ts";
import { AlertInFlightError } from "../../functions/alerts/deliver-once.ts";
import { ALERT_DELIVERY } from "../../functions/alerts/delivery-policy.ts";
import {
  type AlertLog,
  type AlertMetric,
  createSlackAlerter,
  type SlackAlertOutcome,
  SlackUnavailableError,
} from "../../functions/alerts/slack-alerter.ts";
import { DETAIL_TYPES, EVENT_SOURCE } from "../../functions/events/health-events.ts";
import { freshTable, testClients } from "../support/dynamo.ts";
import { tierChangedDetail } from "../support/health-events.ts";

const { doc } = testClients();
const silent: AlertLog = { info() {}, warn() {}, error() {} };

function busEvent(eventId: string) {
  const detail = tierChangedDetail({ eventId });
  return {
    id: `eb-${eventId}`,
    source: EVENT_SOURCE,
    "detail-type": DETAIL_TYPES.tierChanged,
    detail,
  };
}

/**
 * A stand-in Slack webhook that answers slowly (so concurrent deliveries overlap, or the
 * client gives up first), with `statuses` in order and then 200.
 */
async function slowSlack(delayMs: number, statuses: number[] = []) {
  const received: unknown[] = [];
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    received.push(JSON.parse(body));
    const status = statuses.shift() ?? 200;
    setTimeout(() => {
      res.writeHead(status, status === 429 ? { "retry-after": "0" } : {});
      res.end(status === 200 ? "ok" : "error");
    }, delayMs);
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/services/T/B/X`, received };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Runs a delivery as Lambda would: an in-flight rejection is retried a little later. */
async function withRetries(deliver: () => Promise<SlackAlertOutcome>): Promise<SlackAlertOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deliver();
    } catch (error) {
      if (!(error instanceof AlertInFlightError) || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Runs a delivery as Lambda runs an asynchronous invocation: a failed one is retried, up to
 * the Slack function's retry attempts. Returns each invocation's outcome or error.
 */
async function invokeWithLambdaRetries(deliver: () => Promise<SlackAlertOutcome>) {
  const results: unknown[] = [];
  for (let invocation = 0; invocation <= ALERT_DELIVERY.invocationRetryAttempts; invocation++) {
    try {
      results.push(await deliver());
      return results;
    } catch (error) {
      results.push(error);
    }
  }
  return results;
}

describe("Slack alert dedupe against DynamoDB Local", () => {
  let tableName: string;
  beforeAll(async () => {
    ({ tableName } = await freshTable("alerts"));
  });

  function alerter(
    url: string,
    options: { timeoutMs?: number; log?: AlertLog; counts?: AlertMetric[] } = {},
  ) {
    return createSlackAlerter({
      ledger: new DynamoAlertLedger(doc, { tableName }),
      post: (target, message) =>
        postToSlack(target, message, { baseDelayMs: 10, timeoutMs: options.timeoutMs ?? 2_000 }),
      webhookUrl: async () => url,
      log: options.log ?? silent,
      count: (metric) => options.counts?.push(metric),
    });
  }

  async function marker(eventId: string) {
    const { Item } = await doc.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: alertPk(eventId), sk: ALERT_SLACK_SK },
        ConsistentRead: true,
      }),
    );
    return Item;
  }

  it("posts once to a Slack that answers after the client gave up, across invocations and redeliveries", async () => {
    // Arrange: Slack answers after 600 ms, the client waits 200 ms (as 6 s against 4 s in AWS).
    const slack = await slowSlack(600);
    const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const counts: AlertMetric[] = [];
    const event = busEvent("evt-slow-slack");
    // Act: each container invoked as Lambda does, then EventBridge delivers the event again.
    const first = await invokeWithLambdaRetries(() =>
      alerter(slack.url, { timeoutMs: 200, log, counts })(event),
    );
    const redelivered = await invokeWithLambdaRetries(() =>
      alerter(slack.url, { timeoutMs: 200, counts })(event),
    );
    await new Promise((resolve) => setTimeout(resolve, 700));
    // Assert
    expect(slack.received).toHaveLength(1);
    expect(first).toEqual(["unconfirmed"]);
    expect(redelivered).toEqual(["duplicate"]);
    expect(counts).toEqual(["AlertsSent", "AlertsDeduplicated"]);
    expect(await marker("evt-slow-slack")).toMatchObject({ status: "sent-unconfirmed" });
    expect(log.warn).toHaveBeenCalledWith(
      expect.stringContaining("not posted again"),
      expect.objectContaining({ eventId: "evt-slow-slack" }),
    );
  });

  it("does not post an alert whose earlier invocation stopped mid-post", async () => {
    const slack = await slowSlack(0);
    let now = Date.now();
    const stopped = new DynamoAlertLedger(doc, { tableName, leaseMs: 1_000, now: () => now });
    await stopped.claim("evt-stopped");
    now += 1_000;
    const retry = createSlackAlerter({
      ledger: new DynamoAlertLedger(doc, { tableName, leaseMs: 1_000, now: () => now }),
      post: (target, message) => postToSlack(target, message),
      webhookUrl: async () => slack.url,
      log: silent,
      count: () => {},
    });

    const outcome = await retry(busEvent("evt-stopped"));

    expect(outcome).toBe("unconfirmed");
    expect(slack.received).toHaveLength(0);
    expect(await marker("evt-stopped")).toMatchObject({ status: "sent-unconfirmed" });
  });

  it("retries a Slack that said 503 and 429 and posts the alert once", async () => {
    const slack = await slowSlack(0, [503, 429]);

    const results = await invokeWithLambdaRetries(() =>
      alerter(slack.url)(busEvent("evt-refused")),
    );

    expect(results).toEqual(["posted"]);
    expect(slack.received).toHaveLength(3);
    expect(await marker("evt-refused")).toMatchObject({ status: "sent" });
  });

  it("posts on the next invocation after Slack refused every attempt of one", async () => {
    const slack = await slowSlack(0, [503, 503, 503]);

    const results = await invokeWithLambdaRetries(() => alerter(slack.url)(busEvent("evt-outage")));

    expect(results).toEqual([expect.any(SlackUnavailableError), "posted"]);
    expect(slack.received).toHaveLength(ALERT_DELIVERY.attemptsPerInvocation + 1);
  });

  it("posts one Slack message for two concurrent deliveries of the same event", async () => {
    // Arrange: two Lambda containers, each with its own ledger client.
    const slack = await slowSlack(300);
    const first = alerter(slack.url);
    const second = alerter(slack.url);
    const event = busEvent("evt-concurrent-2");
    // Act
    const settled = await Promise.allSettled([first(event), second(event)]);
    // Assert
    expect(slack.received).toHaveLength(1);
    const outcomes = settled.map((s) => (s.status === "fulfilled" ? s.value : s.reason));
    expect(outcomes).toContain("posted");
    const other = outcomes.find((o) => o !== "posted");
    expect(other === "duplicate" || other instanceof AlertInFlightError).toBe(true);
  });

  it("posts one message for many concurrent deliveries, retried until they settle", async () => {
    const slack = await slowSlack(150);
    const event = busEvent("evt-concurrent-8");

    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => withRetries(() => alerter(slack.url)(event))),
    );

    expect(slack.received).toHaveLength(1);
    expect(outcomes.filter((o) => o === "posted")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(7);
  });

  it("marks the alert sent with a TTL and no lease", async () => {
    const slack = await slowSlack(0);

    await alerter(slack.url)(busEvent("evt-marker"));

    const Item = await marker("evt-marker");
    expect(Item).toMatchObject({ status: "sent", eventId: "evt-marker" });
    expect(Item?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 29 * 86_400);
    expect(Item).not.toHaveProperty("leaseUntil");
    expect(Item).not.toHaveProperty("leaseId");
  });
});
