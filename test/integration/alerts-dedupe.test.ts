import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ALERT_SLACK_SK,
  alertPk,
  DynamoAlertLedger,
} from "../../functions/adapters/dynamo/alert-ledger.ts";
import { postToSlack } from "../../functions/adapters/slack/webhook-client.ts";
import { AlertInFlightError } from "../../functions/alerts/deliver-once.ts";
import {
  type AlertLog,
  createSlackAlerter,
  type SlackAlertOutcome,
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

/** A stand-in Slack webhook that answers slowly, so concurrent deliveries overlap. */
async function slowSlack(delayMs: number) {
  const received: unknown[] = [];
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    received.push(JSON.parse(body));
    setTimeout(() => res.end("ok"), delayMs);
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

describe("Slack alert dedupe against DynamoDB Local", () => {
  let tableName: string;
  beforeAll(async () => {
    ({ tableName } = await freshTable("alerts"));
  });

  function alerter(url: string) {
    return createSlackAlerter({
      ledger: new DynamoAlertLedger(doc, { tableName }),
      post: (target, message) => postToSlack(target, message, { baseDelayMs: 10 }),
      webhookUrl: async () => url,
      log: silent,
    });
  }

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

    const { Item } = await doc.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: alertPk("evt-marker"), sk: ALERT_SLACK_SK },
        ConsistentRead: true,
      }),
    );
    expect(Item).toMatchObject({ status: "sent", eventId: "evt-marker" });
    expect(Item?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 29 * 86_400);
    expect(Item).not.toHaveProperty("leaseUntil");
    expect(Item).not.toHaveProperty("leaseId");
  });
});
