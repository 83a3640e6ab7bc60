/**
 * The local EventBridge with its real email target (an SMTP server on 127.0.0.1): routing
 * by the topology's rules, EventBridge's retry policy from ALERT_DELIVERY (at a test time
 * scale), and no second email after a timeout whose outcome is unknown.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { DETAIL_TYPES, EVENT_SOURCE } from "../../../functions/events/health-events.ts";
import { createLocalEmailSender, isRetryableEmailError } from "../../../lib/local/email.ts";
import { type BusTarget, startLocalEventBus } from "../../../lib/local/event-bus.ts";
import { ALERT_DELIVERY } from "../../../lib/topology.ts";
import { tierChangedDetail } from "../../support/health-events.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An SMTP server whose reply to each message is chosen by `answer` (call number from 1). */
async function startSmtp(answer: (call: number) => "accept" | "silent" | number) {
  let calls = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    closeTimeout: 50,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on("end", () => {
        calls += 1;
        const reply = answer(calls);
        if (reply === "silent") return;
        if (reply === "accept") callback();
        else callback(Object.assign(new Error("not now"), { responseCode: reply }));
      });
    },
  });
  const listener = server.listen(0, "127.0.0.1");
  await once(listener, "listening");
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return {
    url: `smtp://127.0.0.1:${(listener.address() as AddressInfo).port}`,
    calls: () => calls,
  };
}

/** A bus whose email target is the real local sender; Slack is a counter that succeeds. */
async function startBus(smtpUrl: string, slack?: BusTarget) {
  const email = createLocalEmailSender({ smtpUrl, to: "cs@example.test", requestTimeoutMs: 300 });
  const lines: string[] = [];
  const slackCalls: string[] = [];
  const bus = await startLocalEventBus({
    log: (line) => lines.push(line),
    // 6 h of event age in 3.6 s; retries 10 ms apart at first.
    retry: { timeScale: 1 / 6000 },
    targets: {
      emailTopic: {
        send: async (_event, health) => {
          await email.send(health);
        },
        retryable: isRetryableEmailError,
      },
      slack: slack ?? {
        send: async (event) => {
          slackCalls.push(event.id);
        },
        retryable: () => true,
      },
    },
  });
  cleanups.push(
    () => email.close(),
    () => bus.close(),
  );
  return { bus, lines, slackCalls };
}

async function putEvent(endpoint: string, alert: "page" | "report" = "page") {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "x-amz-target": "AWSEvents.PutEvents",
      "content-type": "application/x-amz-json-1.1",
    },
    body: JSON.stringify({
      Entries: [
        {
          Source: EVENT_SOURCE,
          DetailType: DETAIL_TYPES.tierChanged,
          Detail: JSON.stringify(tierChangedDetail({ alert })),
        },
      ],
    }),
  });
  expect(response.status).toBe(200);
}

describe("local event bus", () => {
  it("routes a page to email and Slack and a report to Slack only", async () => {
    const smtp = await startSmtp(() => "accept");
    const { bus, slackCalls } = await startBus(smtp.url);

    await putEvent(bus.endpoint, "page");
    await putEvent(bus.endpoint, "report");
    await bus.idle();

    expect(smtp.calls()).toBe(1);
    expect(slackCalls).toHaveLength(2);
    expect(bus.events).toHaveLength(2);
  });

  it("retries an email the SMTP server refused for now, and delivers it", async () => {
    const smtp = await startSmtp((call) => (call < 3 ? 451 : "accept"));
    const { bus } = await startBus(smtp.url);

    await putEvent(bus.endpoint);
    await bus.idle();

    expect(smtp.calls()).toBe(3);
    expect(bus.deadLetters.emailTopic).toEqual([]);
  });

  it("sends an email once when the server times out, and dead-letters it", async () => {
    // Arrange: the server takes the message and never answers.
    const smtp = await startSmtp(() => "silent");
    const { bus, lines } = await startBus(smtp.url);
    // Act
    await putEvent(bus.endpoint);
    await bus.idle();
    // Assert
    expect(smtp.calls()).toBe(1);
    expect(bus.deadLetters.emailTopic).toHaveLength(1);
    expect(lines.join("\n")).toMatch(
      /emailTopic: .*dead-letter queue after 1 attempt\(s\) \(NotRetryable\)/,
    );
  });

  it("retries a failing Slack invocation as Lambda's async config says, then dead-letters the alert", async () => {
    const smtp = await startSmtp(() => "accept");
    let calls = 0;
    const { bus } = await startBus(smtp.url, {
      send: async () => {
        calls += 1;
        throw new Error("slack function failed");
      },
      retryable: () => true,
    });

    await putEvent(bus.endpoint);
    await bus.idle();

    expect(calls).toBe(ALERT_DELIVERY.invocationRetryAttempts + 1);
    expect(bus.deadLetters.slack).toHaveLength(1);
  });

  it("answers a malformed PutEvents with 400 instead of failing", async () => {
    const smtp = await startSmtp(() => "accept");
    const { bus } = await startBus(smtp.url);

    const response = await fetch(bus.endpoint, {
      method: "POST",
      headers: { "x-amz-target": "AWSEvents.PutEvents" },
      body: "{not json",
    });

    expect(response.status).toBe(400);
    expect(bus.events).toEqual([]);
  });
});
