import "aws-sdk-client-mock-vitest/extend";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { clearCaches } from "@aws-lambda-powertools/parameters";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { postToSlack, retryAfterMs } from "../../../functions/adapters/slack/webhook-client.ts";
import {
  createWebhookUrlSource,
  SlackConfigError,
} from "../../../functions/adapters/slack/webhook-url.ts";
import { DeliveryOutcomeUnknownError } from "../../../functions/alerts/deliver-once.ts";
import { ALERT_DELIVERY } from "../../../functions/alerts/delivery-policy.ts";
import type { SlackMessage } from "../../../functions/alerts/message.ts";
import {
  SlackPermanentError,
  SlackUnavailableError,
} from "../../../functions/alerts/slack-alerter.ts";

const MESSAGE: SlackMessage = {
  text: "🔴 Acme Corp needs attention",
  blocks: [{ type: "section", text: { type: "mrkdwn", text: "*Score*\n72 → 48" } }],
};

type Reply = (res: ServerResponse) => void;
const reply =
  (status: number, body = status < 300 ? "ok" : "error", headers: Record<string, string> = {}) =>
  (res: ServerResponse) => {
    res.writeHead(status, { "content-type": "text/plain", ...headers });
    res.end(body);
  };

/** A stand-in Slack webhook on 127.0.0.1: answers with `replies` in order, then 200. */
async function fakeSlack(replies: Reply[]) {
  const received: { headers: IncomingMessage["headers"]; body: string }[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
    (replies.shift() ?? reply(200))(res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  servers.push(server);
  return { url: `http://127.0.0.1:${port}/services/T000/B000/XXXX`, received };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve).closeAllConnections())),
  );
});

/** Records requested waits and returns at once, so retries cost no wall-clock time. */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe("postToSlack", () => {
  it("posts the message as JSON and returns on 2xx", async () => {
    // Arrange
    const slack = await fakeSlack([]);
    // Act
    await postToSlack(slack.url, MESSAGE);
    // Assert
    expect(slack.received).toHaveLength(1);
    expect(slack.received[0]?.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(slack.received[0]?.body ?? "")).toEqual(MESSAGE);
  });

  it("retries a 500 and then succeeds", async () => {
    const slack = await fakeSlack([reply(500)]);
    const { waits, sleep } = recordingSleep();

    await postToSlack(slack.url, MESSAGE, { baseDelayMs: 100, sleep });

    expect(slack.received).toHaveLength(2);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[0]).toBeLessThanOrEqual(100);
  });

  it("backs off exponentially and gives up after the given attempts", async () => {
    const slack = await fakeSlack([reply(503), reply(502), reply(500)]);
    const { waits, sleep } = recordingSleep();

    const error = await postToSlack(slack.url, MESSAGE, { baseDelayMs: 100, sleep }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(SlackUnavailableError);
    expect(error).toMatchObject({ status: 500 });
    expect(slack.received).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
  });

  it("honours a 429's Retry-After seconds", async () => {
    const slack = await fakeSlack([reply(429, "rate_limited", { "retry-after": "2" })]);
    const { waits, sleep } = recordingSleep();

    await postToSlack(slack.url, MESSAGE, { baseDelayMs: 1, sleep });

    expect(waits).toEqual([2000]);
    expect(slack.received).toHaveLength(2);
  });

  it("waits for a real Retry-After before retrying", async () => {
    const slack = await fakeSlack([reply(429, "rate_limited", { "retry-after": "1" })]);
    const started = Date.now();

    await postToSlack(slack.url, MESSAGE, { baseDelayMs: 1 });

    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(slack.received).toHaveLength(2);
  });

  it("caps a long Retry-After", async () => {
    const slack = await fakeSlack([reply(429, "rate_limited", { "retry-after": "120" })]);
    const { waits, sleep } = recordingSleep();

    await postToSlack(slack.url, MESSAGE, { maxRetryAfterMs: 3000, sleep });

    expect(waits).toEqual([3000]);
  });

  it("does not retry a 404 and reports Slack's reason", async () => {
    const slack = await fakeSlack([reply(404, "no_service")]);
    const { waits, sleep } = recordingSleep();

    const error = await postToSlack(slack.url, MESSAGE, { sleep }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SlackPermanentError);
    expect(error).toMatchObject({ status: 404, reason: "no_service" });
    expect(slack.received).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it.each([400, 403, 410])("treats HTTP %i as permanent", async (status) => {
    const slack = await fakeSlack([reply(status, "invalid_payload")]);

    await expect(postToSlack(slack.url, MESSAGE)).rejects.toBeInstanceOf(SlackPermanentError);
    expect(slack.received).toHaveLength(1);
  });

  it("backs off after a 429 without Retry-After", async () => {
    const slack = await fakeSlack([reply(429, "rate_limited")]);
    const { waits, sleep } = recordingSleep();

    await postToSlack(slack.url, MESSAGE, { baseDelayMs: 100, sleep });

    expect(slack.received).toHaveLength(2);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[0]).toBeLessThanOrEqual(100);
  });

  it("retries a refused connection, and posts once Slack listens", async () => {
    // Arrange: a port with nothing listening, where Slack starts during the backoff.
    const down = await fakeSlack([]);
    const { port } = new URL(down.url);
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const received: string[] = [];
    const sleep = async () => {
      const server = createServer(async (req, res) => {
        for await (const chunk of req) received.push(String(chunk));
        res.end("ok");
      });
      servers.push(server);
      server.listen(Number(port), "127.0.0.1");
      await once(server, "listening");
    };
    // Act
    await postToSlack(down.url, MESSAGE, { sleep });
    // Assert
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0] ?? "")).toEqual(MESSAGE);
  });

  it("fails with a retryable error, without the URL, when Slack cannot be reached at all", async () => {
    const slack = await fakeSlack([]);
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const { waits, sleep } = recordingSleep();

    const error = await postToSlack(slack.url, MESSAGE, { attempts: 2, sleep }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(SlackUnavailableError);
    expect(waits).toHaveLength(1);
    expect(String((error as Error).message)).not.toContain("/services/");
  });

  it("never retries a request that got no answer in time: its outcome is unknown", async () => {
    // Arrange: Slack reads the message and answers too late.
    const slack = await fakeSlack([(res) => setTimeout(() => res.end("ok"), 500)]);
    const { waits, sleep } = recordingSleep();
    // Act
    const error = await postToSlack(slack.url, MESSAGE, { timeoutMs: 100, sleep }).catch(
      (e: unknown) => e,
    );
    // Assert
    expect(error).toBeInstanceOf(DeliveryOutcomeUnknownError);
    expect(String((error as Error).message)).toContain("100 ms");
    expect(String((error as Error).message)).not.toContain("/services/");
    expect(slack.received).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("never retries a request whose connection closed without an answer", async () => {
    const slack = await fakeSlack([(res) => res.socket?.destroy()]);
    const { sleep } = recordingSleep();

    await expect(postToSlack(slack.url, MESSAGE, { sleep })).rejects.toBeInstanceOf(
      DeliveryOutcomeUnknownError,
    );
    expect(slack.received).toHaveLength(1);
  });

  it("takes a 2xx status as delivered even if the body never completes", async () => {
    const slack = await fakeSlack([(res) => res.writeHead(200).write("o")]);

    await postToSlack(slack.url, MESSAGE, { timeoutMs: 200 });

    expect(slack.received).toHaveLength(1);
  });

  it("does not start an attempt that could not finish by the deadline", async () => {
    const slack = await fakeSlack([reply(503), reply(503)]);
    const { sleep } = recordingSleep();
    const now = () => 10_000;

    const error = await postToSlack(slack.url, MESSAGE, {
      timeoutMs: 1_000,
      baseDelayMs: 100,
      deadline: 11_040,
      now,
      sleep,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SlackUnavailableError);
    expect(error).toMatchObject({ status: 503 });
    expect(slack.received).toHaveLength(1);
  });

  it("posts nothing when no attempt fits before the deadline", async () => {
    const slack = await fakeSlack([]);

    const error = await postToSlack(slack.url, MESSAGE, {
      timeoutMs: 1_000,
      deadline: Date.now() + 500,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SlackUnavailableError);
    expect(slack.received).toHaveLength(0);
  });

  it("takes its timeout and attempts from ALERT_DELIVERY by default", async () => {
    const slack = await fakeSlack([reply(503), reply(503), reply(503), reply(503)]);
    const { sleep } = recordingSleep();

    await expect(postToSlack(slack.url, MESSAGE, { sleep })).rejects.toBeInstanceOf(
      SlackUnavailableError,
    );

    expect(slack.received).toHaveLength(ALERT_DELIVERY.attemptsPerInvocation);
  });
});

describe("retryAfterMs", () => {
  it.each([
    ["3", 3000],
    ["0", 0],
    [" 1.5 ", 1500],
  ])("reads %j seconds as %i ms", (header, ms) => {
    expect(retryAfterMs(header)).toBe(ms);
  });

  it("reads an HTTP date", () => {
    const now = Date.parse("2025-06-01T09:00:00Z");
    expect(retryAfterMs("Sun, 01 Jun 2025 09:00:05 GMT", now)).toBe(5000);
  });

  it.each([null, "", "soon"])("ignores %j", (header) => {
    expect(retryAfterMs(header)).toBeUndefined();
  });
});

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-webhook-AbCdEf";
const HOOK = "https://hooks.slack.com/services/T000/B000/XXXX";

describe("createWebhookUrlSource", () => {
  it("reads SLACK_WEBHOOK_URL locally", async () => {
    const source = createWebhookUrlSource({ env: { SLACK_WEBHOOK_URL: ` ${HOOK} ` } });

    await expect(source()).resolves.toBe(HOOK);
  });

  it("returns undefined when nothing is configured", async () => {
    await expect(createWebhookUrlSource({ env: {} })()).resolves.toBeUndefined();
  });

  it.each([
    ["a plain URL", HOOK],
    ["JSON with a url", JSON.stringify({ url: HOOK })],
    ["bytes", new TextEncoder().encode(HOOK)],
  ])("reads the secret when its ARN is set: %s", async (_, value) => {
    const fetchSecret = vi.fn().mockResolvedValue(value);
    const source = createWebhookUrlSource({
      env: { SLACK_WEBHOOK_SECRET_ARN: ARN, SLACK_WEBHOOK_URL: "http://ignored.test" },
      fetchSecret,
    });

    await expect(source()).resolves.toBe(HOOK);
    expect(fetchSecret).toHaveBeenCalledWith(ARN);
  });

  it.each([
    ["not a URL", "hooks.slack.com/services/x"],
    ["JSON without a string url", JSON.stringify({ url: 42 })],
    ["broken JSON", "{url:"],
    ["a non-http URL", "ftp://hooks.slack.com/x"],
  ])("fails loudly on a secret that is %s", async (_, value) => {
    const source = createWebhookUrlSource({
      env: { SLACK_WEBHOOK_SECRET_ARN: ARN },
      fetchSecret: async () => value,
    });

    await expect(source()).rejects.toBeInstanceOf(SlackConfigError);
  });
});

describe("createWebhookUrlSource (Secrets Manager)", () => {
  const secretsManager = mockClient(SecretsManagerClient);

  beforeEach(() => {
    vi.stubEnv("SLACK_WEBHOOK_SECRET_ARN", ARN);
  });
  afterEach(() => {
    secretsManager.reset();
    clearCaches();
    vi.unstubAllEnvs();
  });

  it("fetches the secret once and reuses it across calls", async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: HOOK });
    const source = createWebhookUrlSource();

    const first = await source();
    const second = await source();

    expect([first, second]).toEqual([HOOK, HOOK]);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });
});
