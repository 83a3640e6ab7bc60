import "aws-sdk-client-mock-vitest/extend";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Context, EventBridgeEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryAlertLedger } from "../../../functions/adapters/memory/alert-ledger.ts";
import { MemoryDigestStore } from "../../../functions/adapters/memory/digest-store.ts";
import {
  AlertInFlightError,
  DeliveryOutcomeUnknownError,
} from "../../../functions/alerts/deliver-once.ts";
import { type SlackMessage, slackMessage } from "../../../functions/alerts/message.ts";
import { parseOwnerIds, slackUserOf } from "../../../functions/alerts/settings.ts";
import {
  type AlertLog,
  type AlertMetric,
  type BusEvent,
  createSlackAlerter,
  type PostBudget,
  RECORD_MARGIN_MS,
  SlackPermanentError,
  SlackUnavailableError,
} from "../../../functions/alerts/slack-alerter.ts";
import {
  DETAIL_TYPES,
  EVENT_SOURCE,
  parseHealthEvent,
} from "../../../functions/events/health-events.ts";
import { tierChangedDetail } from "../../support/health-events.ts";

const HOOK = "https://hooks.slack.test/services/T/B/X";

function busEvent(detail: unknown, detailType: string = DETAIL_TYPES.tierChanged) {
  return {
    version: "0",
    id: "eb-1",
    "detail-type": detailType,
    source: EVENT_SOURCE,
    account: "123456789012",
    time: "2025-06-01T09:00:00Z",
    region: "eu-west-1",
    resources: [],
    detail,
  } satisfies EventBridgeEvent<string, unknown>;
}

function setup(
  options: { url?: string | undefined; post?: () => Promise<void>; now?: () => number } = {},
) {
  const ledger = new MemoryAlertLedger(options.now ? { now: options.now } : {});
  const posted: { url: string; message: SlackMessage }[] = [];
  const post = vi.fn(async (url: string, message: SlackMessage, _budget: PostBudget) => {
    await options.post?.();
    posted.push({ url, message });
  });
  const webhookUrl = vi.fn(async () => ("url" in options ? options.url : HOOK));
  const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() } satisfies AlertLog;
  const counts: AlertMetric[] = [];
  const alert = createSlackAlerter({
    ledger,
    post,
    webhookUrl,
    log,
    count: (metric) => counts.push(metric),
    ...(options.now ? { now: options.now } : {}),
  });
  return { alert, ledger, post, posted, webhookUrl, log, counts };
}

describe("createSlackAlerter", () => {
  it("posts the event's Block Kit message to the webhook URL", async () => {
    // Arrange
    const { alert, posted } = setup();
    const detail = tierChangedDetail();
    // Act
    const outcome = await alert(busEvent(detail));
    // Assert
    expect(outcome).toBe("posted");
    expect(posted).toEqual([
      {
        url: HOOK,
        message: slackMessage(parseHealthEvent(DETAIL_TYPES.tierChanged, detail)),
      },
    ]);
  });

  it("posts the same event delivered twice only once", async () => {
    const { alert, post, ledger } = setup();
    const event = busEvent(tierChangedDetail());

    const outcomes = [await alert(event), await alert(event)];

    expect(outcomes).toEqual(["posted", "duplicate"]);
    expect(post).toHaveBeenCalledOnce();
    expect(ledger.markers.get("evt-1")?.status).toBe("sent");
  });

  it("posts two different events once each", async () => {
    const { alert, posted, ledger } = setup();
    const a = tierChangedDetail({ eventId: "evt-a", accountName: "Acme Corp" });
    const b = tierChangedDetail({ eventId: "evt-b", accountName: "Globex", displayName: "Globex" });

    const outcomes = [await alert(busEvent(a)), await alert(busEvent(b))];

    expect(outcomes).toEqual(["posted", "posted"]);
    expect(posted.map((p) => p.message.text)).toEqual([
      slackMessage(parseHealthEvent(DETAIL_TYPES.tierChanged, a)).text,
      slackMessage(parseHealthEvent(DETAIL_TYPES.tierChanged, b)).text,
    ]);
    expect(posted[0]?.message.text).not.toBe(posted[1]?.message.text);
    expect([ledger.markers.get("evt-a")?.status, ledger.markers.get("evt-b")?.status]).toEqual([
      "sent",
      "sent",
    ]);
  });

  it("never posts an event with alert level none", async () => {
    const { alert, post, ledger, webhookUrl } = setup();

    await expect(alert(busEvent(tierChangedDetail({ alert: "none" })))).resolves.toBe(
      "not-alerting",
    );
    expect(post).not.toHaveBeenCalled();
    expect(webhookUrl).not.toHaveBeenCalled();
    expect(ledger.markers.size).toBe(0);
  });

  it("posts a report-level event", async () => {
    const { alert, post } = setup();

    await alert(busEvent(tierChangedDetail({ alert: "report", tier: "at-risk" })));

    expect(post).toHaveBeenCalledOnce();
  });

  it("throws on a Slack failure and leaves the event retryable", async () => {
    // Arrange
    let failures = 1;
    const { alert, ledger, posted } = setup({
      post: async () => {
        if (failures-- > 0) throw new SlackUnavailableError("Slack answered HTTP 503", 503);
      },
    });
    const event = busEvent(tierChangedDetail());
    // Act
    const first = await alert(event).catch((e: unknown) => e);
    const markerAfterFailure = ledger.markers.get("evt-1");
    const retry = await alert(event);
    // Assert
    expect(first).toBeInstanceOf(SlackUnavailableError);
    expect(markerAfterFailure).toBeUndefined();
    expect(retry).toBe("posted");
    expect(posted).toHaveLength(1);
  });

  it("records a post that got no answer as sent, warns, and never posts it again", async () => {
    // Arrange
    const { alert, ledger, post, log } = setup({
      post: () => Promise.reject(new DeliveryOutcomeUnknownError("no answer within 4000 ms")),
    });
    const event = busEvent(tierChangedDetail());
    // Act
    const outcomes = [await alert(event), await alert(event)];
    // Assert
    expect(outcomes).toEqual(["unconfirmed", "duplicate"]);
    expect(post).toHaveBeenCalledOnce();
    expect(ledger.markers.get("evt-1")?.status).toBe("sent-unconfirmed");
    expect(log.warn).toHaveBeenCalledWith(
      "Slack did not answer in time; the alert may be in the channel and is not posted again",
      expect.objectContaining({ eventId: "evt-1", accountId: "acct-42" }),
    );
  });

  it("does not post an alert an earlier invocation stopped posting", async () => {
    let now = Date.now();
    const { alert, ledger, post, log } = setup({ now: () => now });
    await ledger.claim("evt-1");
    now += 30_000;

    await expect(alert(busEvent(tierChangedDetail()))).resolves.toBe("unconfirmed");
    expect(post).not.toHaveBeenCalled();
    expect(ledger.markers.get("evt-1")?.status).toBe("sent-unconfirmed");
    expect(log.warn).toHaveBeenCalledWith(
      expect.stringContaining("earlier invocation stopped"),
      expect.objectContaining({ eventId: "evt-1" }),
    );
  });

  it("gives the poster the invocation's time, less the margin to record the outcome", async () => {
    const now = Date.parse("2025-06-01T09:00:00Z");
    const { alert, post } = setup({ now: () => now });

    await alert(busEvent(tierChangedDetail()), { remainingMs: 15_000 });

    expect(post).toHaveBeenCalledWith(HOOK, expect.anything(), {
      deadline: now + 15_000 - RECORD_MARGIN_MS,
    });
  });

  it("throws a permanent Slack error too, so the event reaches the dead-letter queue", async () => {
    const { alert, log } = setup({
      post: () => Promise.reject(new SlackPermanentError(404, "no_service")),
    });

    await expect(alert(busEvent(tierChangedDetail()))).rejects.toBeInstanceOf(SlackPermanentError);
    expect(log.error).toHaveBeenCalledWith(
      "Slack rejected the alert; check the webhook URL",
      expect.objectContaining({ eventId: "evt-1", error: expect.stringContaining("no_service") }),
    );
  });

  it("throws a retryable error while another invocation is posting the same event", async () => {
    const { alert, ledger, post } = setup();
    await ledger.claim("evt-1");

    await expect(alert(busEvent(tierChangedDetail()))).rejects.toBeInstanceOf(AlertInFlightError);
    expect(post).not.toHaveBeenCalled();
  });

  it.each([
    ["a detail of the wrong shape", busEvent({ eventId: "evt-1", alert: "page" })],
    ["an unknown detail type", busEvent(tierChangedDetail(), "HealthSomethingElse")],
    ["a newer schema version", busEvent({ ...tierChangedDetail(), schemaVersion: 2 })],
  ])("logs and drops %s without retrying", async (_, event) => {
    const { alert, post, log } = setup();

    await expect(alert(event)).resolves.toBe("malformed");
    expect(post).not.toHaveBeenCalled();
    expect(log.error).toHaveBeenCalledWith(
      "dropping malformed health event",
      expect.objectContaining({ busEventId: "eb-1", detailType: event["detail-type"] }),
    );
  });

  it("skips, warning once, when no webhook URL is configured", async () => {
    const { alert, post, log, ledger } = setup({ url: undefined });

    const outcomes = [
      await alert(busEvent(tierChangedDetail({ eventId: "evt-a" }))),
      await alert(busEvent(tierChangedDetail({ eventId: "evt-b" }))),
    ];

    expect(outcomes).toEqual(["not-configured", "not-configured"]);
    expect(post).not.toHaveBeenCalled();
    expect(ledger.markers.size).toBe(0);
    expect(log.warn).toHaveBeenCalledOnce();
  });

  it("takes a bus event typed as the alerter's own BusEvent", async () => {
    const { alert } = setup();
    const event: BusEvent = {
      "detail-type": DETAIL_TYPES.tierChanged,
      detail: tierChangedDetail(),
    };

    await expect(alert(event)).resolves.toBe("posted");
  });
});

describe("createSlackAlerter metrics", () => {
  it("counts a posted alert as sent and its redelivery as deduplicated", async () => {
    const { alert, counts } = setup();
    const event = busEvent(tierChangedDetail());

    await alert(event);
    await alert(event);

    expect(counts).toEqual(["AlertsSent", "AlertsDeduplicated"]);
  });

  it("counts an unconfirmed post as sent: it is never posted again", async () => {
    const { alert, counts } = setup({
      post: () => Promise.reject(new DeliveryOutcomeUnknownError("no answer")),
    });

    await alert(busEvent(tierChangedDetail()));

    expect(counts).toEqual(["AlertsSent"]);
  });

  it.each([
    ["Slack refused it", new SlackUnavailableError("Slack answered HTTP 503", 503)],
    ["the webhook is broken", new SlackPermanentError(404, "no_service")],
  ])("counts a failed delivery when %s, once per invocation", async (_, failure) => {
    const { alert, counts } = setup({ post: () => Promise.reject(failure) });

    await expect(alert(busEvent(tierChangedDetail()))).rejects.toBe(failure);

    expect(counts).toEqual(["AlertsFailed"]);
  });

  it("counts a malformed event as failed: it is dropped", async () => {
    const { alert, counts } = setup();

    await alert(busEvent({ eventId: "evt-1", alert: "page" }));

    expect(counts).toEqual(["AlertsFailed"]);
  });

  it("counts nothing for an event another invocation is posting, or that needs no post", async () => {
    const { alert, ledger, counts } = setup();
    await ledger.claim("evt-1");

    await expect(alert(busEvent(tierChangedDetail()))).rejects.toBeInstanceOf(AlertInFlightError);
    await alert(busEvent(tierChangedDetail({ eventId: "evt-2", alert: "none" })));

    expect(counts).toEqual([]);
  });

  it("counts nothing while no webhook is configured", async () => {
    const { alert, counts } = setup({ url: undefined });

    await alert(busEvent(tierChangedDetail()));

    expect(counts).toEqual([]);
  });
});

describe("slack handler (wiring)", () => {
  const db = mockClient(DynamoDBDocumentClient);
  const servers: Server[] = [];

  afterEach(async () => {
    db.reset();
    vi.unstubAllEnvs();
    vi.resetModules();
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it("claims in TABLE_NAME, posts to SLACK_WEBHOOK_URL and marks the alert sent", async () => {
    // Arrange
    const bodies: string[] = [];
    const server = createServer(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      bodies.push(body);
      res.end("ok");
    });
    servers.push(server);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    vi.stubEnv("TABLE_NAME", "health-wiring");
    vi.stubEnv("SLACK_WEBHOOK_SECRET_ARN", "");
    vi.stubEnv("SLACK_WEBHOOK_URL", `http://127.0.0.1:${port}/hook`);
    db.on(PutCommand).resolves({});
    db.on(UpdateCommand).resolves({});
    const { handler } = await import("../../../functions/slack/handler.ts");
    const { metrics } = await import("../../../functions/adapters/powertools.ts");
    const addMetric = vi.spyOn(metrics, "addMetric");
    // Act
    await handler(busEvent(tierChangedDetail()), {} as Context);
    // Assert
    expect(bodies).toHaveLength(1);
    expect(JSON.parse(bodies[0] ?? "").text).toContain("Acme Corp");
    expect(db).toHaveReceivedCommandWith(PutCommand, {
      TableName: "health-wiring",
      Item: expect.objectContaining({ pk: "ALERT#evt-1", sk: "SLACK", status: "sending" }),
    });
    expect(db).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: "health-wiring",
      Key: { pk: "ALERT#evt-1", sk: "SLACK" },
    });
    expect(db).not.toHaveReceivedCommand(DeleteCommand);
    expect(addMetric).toHaveBeenCalledWith("AlertsSent", "Count", 1);
  });
});

describe("createSlackAlerter: dashboard link, owner mention and the daily digest", () => {
  it("links to the customer's page and mentions the owner by Slack id", async () => {
    const posted: SlackMessage[] = [];
    const alert = createSlackAlerter({
      ledger: new MemoryAlertLedger(),
      post: async (_url, message) => {
        posted.push(message);
      },
      webhookUrl: async () => HOOK,
      log: { info: vi.fn(), warn: vi.fn(), error: vi.fn() },
      count: () => {},
      message: {
        dashboardUrl: "http://127.0.0.1:3000",
        slackUserOf: (owner) => slackUserOf(owner, parseOwnerIds('{"jane": "U024BE7LH"}')),
      },
    });

    await alert(busEvent(tierChangedDetail()));

    const text = JSON.stringify(posted[0]?.blocks);
    expect(text).toContain(
      "<http://127.0.0.1:3000/customers/acct-42|Open Acme Corp in the dashboard>",
    );
    expect(text).toContain("Owner: <@U024BE7LH>");
  });

  it("records alerts in the day's digest instead of posting when the digest is on", async () => {
    const store = new MemoryDigestStore();
    const post = vi.fn(async () => {});
    const alert = createSlackAlerter({
      ledger: new MemoryAlertLedger(),
      post,
      webhookUrl: async () => HOOK,
      log: { info: vi.fn(), warn: vi.fn(), error: vi.fn() },
      count: () => {},
      digest: { store, channel: "slack" },
    });
    const detail = tierChangedDetail({ occurredAt: "2026-11-28T23:59:00.000Z" });

    expect(await alert(busEvent(detail))).toBe("digested");
    expect(await alert(busEvent(detail))).toBe("digested");

    expect(post).not.toHaveBeenCalled();
    expect((await store.entries("slack", "2026-11-28")).map((e) => e.eventId)).toEqual(["evt-1"]);
  });
});

describe("owner directory (SLACK_OWNER_IDS)", () => {
  const directory = parseOwnerIds({ "Aisha Okafor": "U024BE7LH", "sam@acme.test": "W0123ABCDE" });

  it.each([
    ["a Slack user id from the tool itself", "U0G9QF9C6", "U0G9QF9C6"],
    ["a name, in any case", "aisha okafor", "U024BE7LH"],
    ["an @handle of a known name", "@Aisha Okafor", "U024BE7LH"],
    ["an email", "Sam@Acme.test", "W0123ABCDE"],
    ["an unknown owner", "Jane Roe", undefined],
    ["a name that only looks like an id", "Uwe", undefined],
  ])("resolves %s", (_, owner, id) => {
    expect(slackUserOf(owner, directory)).toBe(id);
  });

  it("refuses a mapping to something that is not a Slack user id, naming the owner", () => {
    expect(() => parseOwnerIds('{"Aisha": "@aisha"}')).toThrow(
      /"Aisha" must map to a Slack user id/,
    );
    expect(() => parseOwnerIds("not json")).toThrow(/SLACK_OWNER_IDS must be a JSON object/);
  });
});
