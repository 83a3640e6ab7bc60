/**
 * End to end: the local stack as `npm start` runs it, driven over HTTP with signed
 * webhooks; alerts must reach a local Slack receiver and a local SMTP server.
 */
import { createServer, type Server } from "node:http";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../lib/local/runtime.ts";
import { testModelInput } from "../support/test-model.ts";
import { genericPayload, signedHeaders } from "../support/webhooks.ts";

const DAY = 86_400_000;
const slackMessages: { text: string; blocks: unknown[] }[] = [];
const emails: string[] = [];
let slack: Server;
let smtp: SMTPServer;
let stack: LocalStack;

function listen(
  server: { listen: (port: number, host: string, cb: () => void) => unknown },
  address: () => unknown,
) {
  return new Promise<number>((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve((address() as { port: number }).port));
  });
}

beforeAll(async () => {
  slack = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      slackMessages.push(JSON.parse(body));
      res.end("ok");
    });
  });
  const slackPort = await listen(slack, () => slack.address());
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, _session, callback) {
      let data = "";
      stream.on("data", (c) => {
        data += c;
      });
      stream.on("end", () => {
        emails.push(data);
        callback();
      });
    },
  });
  const smtpPort = await listen(smtp, () => smtp.server.address());
  Object.assign(process.env, {
    SLACK_WEBHOOK_URL: `http://127.0.0.1:${slackPort}/hook`,
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    ALERT_EMAIL_TO: "cs-team@example.com",
    GENERIC_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    // The stack scores with the test model, as a deployment would with its own model file:
    // the default model belongs to its owner (its common sense is npm run demo's test).
    HEALTH_MODEL_JSON: JSON.stringify(testModelInput()),
  });
  const { startLocalStack } = await import("../../lib/local/runtime.ts");
  stack = await startLocalStack({ port: 0, log: () => {} });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await new Promise((r) => slack?.close(r));
  await new Promise<void>((r) => smtp?.close(() => r()));
});

let sequence = 0;
async function post(provider: string, body: string, headers: Record<string, string>) {
  const response = await fetch(`${stack.baseUrl}/webhooks/${provider}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown> & { error?: string },
  };
}
async function sendGeneric(
  type: string,
  accountId: string,
  data: Record<string, unknown>,
  at: number,
  id?: string,
) {
  sequence += 1;
  const body = JSON.stringify(genericPayload(type, accountId, data, new Date(at)));
  return post(
    "generic",
    body,
    signedHeaders("generic", body, Date.now(), undefined, id ?? `msg_e2e_${sequence}`),
  );
}

describe("local stack end to end", () => {
  it("alerts Slack and email when a customer falls from healthy to at-risk", async () => {
    const now = Date.now();
    await sendGeneric(
      "subscription",
      "acme",
      { status: "active", mrr: 50_000, seats: 10, plan: "pro" },
      now - 60 * DAY,
    );
    await sendGeneric("nps", "acme", { score: 3 }, now - 20 * DAY);
    for (let d = 14; d >= 0; d--)
      await sendGeneric("usage", "acme", { event: "report_viewed", count: 40 }, now - d * DAY);
    await stack.settle();
    const before = (await (await fetch(`${stack.baseUrl}/customers/acme`)).json()) as {
      tier: string;
    };
    expect(before.tier).toBe("healthy");
    // Reaching healthy may itself be reported to Slack (an improvement, never paged, so no
    // email); how many such reports depends on how the stream batched the ramp-up.
    expect(emails).toHaveLength(0);
    for (const message of slackMessages) {
      expect(JSON.stringify(message)).not.toMatch(/healthy[^"]*at-risk/);
    }
    const slackBefore = slackMessages.length;
    const emailsBefore = emails.length;

    // Past due: the pastDue red flag makes a customer at most at-risk, however busy.
    const cancel = await sendGeneric(
      "subscription",
      "acme",
      { status: "past_due", mrr: 50_000, seats: 10 },
      now,
    );
    expect(cancel.status).toBe(200);
    await stack.settle();

    const after = (await (await fetch(`${stack.baseUrl}/customers/acme`)).json()) as {
      tier: string;
    };
    expect(after.tier).toBe("at-risk");
    const fall = slackMessages.slice(slackBefore);
    expect(fall).toHaveLength(1);
    expect(JSON.stringify(fall[0])).toContain("acme");
    expect(JSON.stringify(fall[0])).toMatch(/healthy[^"]*at-risk/);
    // The alert links to the customer's page on this stack's own dashboard.
    expect(JSON.stringify(fall[0])).toContain(`<${stack.baseUrl}/customers/acme|`);
    await expect.poll(() => emails.length, { timeout: 5000 }).toBe(emailsBefore + 1);
    expect(emails.at(-1)).toContain("cs-team@example.com");
    expect(emails.at(-1)).toMatch(/acme/);
    const listed = (await (await fetch(`${stack.baseUrl}/customers?tier=at-risk`)).json()) as {
      customers: { accountId: string }[];
    };
    expect(listed.customers.map((c: { accountId: string }) => c.accountId)).toContain("acme");
  });

  it("answers 401, 400, 413 and a duplicate 200 over HTTP", async () => {
    const body = JSON.stringify(genericPayload("usage", "globex", { event: "login" }));
    const headers = signedHeaders("generic", body, Date.now(), undefined, "msg_e2e_dup");

    const unsigned = await post("generic", body, {});
    const tampered = await post("generic", body.replace("login", "logout"), headers);
    const first = await post("generic", body, headers);
    const again = await post("generic", body, headers);
    const malformedBody = JSON.stringify({
      type: "nps",
      timestamp: new Date().toISOString(),
      data: { account_id: "globex", score: 11 },
    });
    const malformed = await post("generic", malformedBody, signedHeaders("generic", malformedBody));
    const big = JSON.stringify({ pad: "x".repeat(1024 * 1024 + 10) });
    const tooLarge = await post("generic", big, signedHeaders("generic", big));
    const unknown = await post("intercom", body, {});
    const badPath = await fetch(`${stack.baseUrl}/customers/%E0%A4%A`);

    expect(unsigned.status).toBe(401);
    expect(tampered.status).toBe(401);
    expect(first).toMatchObject({ status: 200, body: { results: [{ outcome: "accepted" }] } });
    expect(again).toMatchObject({ status: 200, body: { results: [{ outcome: "duplicate" }] } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatch(/score/);
    expect(tooLarge.status).toBe(413);
    expect(unknown.status).toBe(404);
    expect(badPath.status).toBe(400);
    expect(await badPath.json()).toEqual({ error: "malformed percent-encoding in the path" });
    for (const r of [unsigned, tampered, malformed, tooLarge])
      expect(JSON.stringify(r.body)).not.toMatch(/\.ts:\d+/);
  });
});
