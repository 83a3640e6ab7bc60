import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { emailMessage } from "../../../functions/alerts/message.ts";
import { DETAIL_TYPES, type HealthEvent } from "../../../functions/events/health-events.ts";
import {
  createLocalEmailSender,
  EmailOutcomeUnknownError,
  EmailRejectedError,
  EmailUnreachableError,
  framedEmail,
  isRetryableEmailError,
  LocalEmailConfigError,
  type LocalEmailSender,
} from "../../../lib/local/email.ts";

import { tierChangedDetail } from "../../support/health-events.ts";

const EVENT: HealthEvent = {
  detailType: DETAIL_TYPES.tierChanged,
  detail: tierChangedDetail({ eventId: "evt-mail-1" }),
};

interface Received {
  from: string | undefined;
  to: string[];
  raw: string;
}

/**
 * A local SMTP server on 127.0.0.1 that keeps every message it receives; `answer` decides
 * the reply to the message: accept (default), refuse with an SMTP code, or never answer.
 */
async function startSmtp(answer: () => "accept" | "silent" | number = () => "accept") {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    closeTimeout: 50,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        const reply = answer();
        if (reply === "silent") return;
        if (reply === "accept") callback();
        else callback(Object.assign(new Error("not now"), { responseCode: reply }));
      });
    },
  });
  const listener = server.listen(0, "127.0.0.1");
  await once(listener, "listening");
  const { port } = listener.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Undoes quoted-printable soft breaks and escapes (bodies, and Q-encoded header words). */
function decodeQuotedPrintable(text: string): string {
  const bytes = text
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

/** Splits a raw message into decoded headers (RFC 2047 words) and a decoded text body. */
function parseMail(raw: string): { headers: Record<string, string>; body: string } {
  const split = raw.indexOf("\r\n\r\n");
  const headers: Record<string, string> = {};
  const unfolded = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  for (const line of unfolded.split("\r\n")) {
    const colon = line.indexOf(":");
    const value = line
      .slice(colon + 1)
      .trim()
      .replace(/\?=\s+=\?/g, "?==?")
      .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_, encoding: string, word: string) =>
        encoding.toUpperCase() === "B"
          ? Buffer.from(word, "base64").toString("utf8")
          : decodeQuotedPrintable(word.replace(/_/g, " ")),
      );
    headers[line.slice(0, colon).toLowerCase()] = value;
  }
  return { headers, body: decodeQuotedPrintable(raw.slice(split + 4)) };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.unstubAllEnvs();
});

function track(sender: LocalEmailSender) {
  cleanups.push(() => sender.close());
  return sender;
}

describe("createLocalEmailSender (SMTP)", () => {
  it("delivers the alert email with the customer and tier change", async () => {
    // Arrange
    const smtp = await startSmtp();
    cleanups.push(smtp.close);
    const sender = track(
      createLocalEmailSender({
        smtpUrl: smtp.url,
        to: "cs-team@example.test",
        from: "alerts@example.test",
      }),
    );
    // Act
    const result = await sender.send(EVENT);
    // Assert
    expect(sender.mode).toBe("smtp");
    expect(result.via).toBe("smtp");
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0] as Received;
    expect(mail.from).toBe("alerts@example.test");
    expect(mail.to).toEqual(["cs-team@example.test"]);
    const { headers, body } = parseMail(mail.raw);
    expect(headers.subject).toBe("[Customer health] Acme Corp: healthy → critical");
    expect(body).toContain("Customer: Acme Corp");
    expect(body).toContain("Tier: healthy → critical");
    expect(body).toContain("What changed:\r\n• no product usage for 21 days");
    expect(result.via === "smtp" && result.messageId).toBe(headers["message-id"]);
  });

  it("reads SMTP_URL and ALERT_EMAIL_TO from the environment", async () => {
    const smtp = await startSmtp();
    cleanups.push(smtp.close);
    vi.stubEnv("SMTP_URL", smtp.url);
    vi.stubEnv("ALERT_EMAIL_TO", "ops@example.test");
    const sender = track(createLocalEmailSender());

    await sender.send(EVENT);

    expect(smtp.received[0]?.to).toEqual(["ops@example.test"]);
  });

  it("fails loudly when SMTP_URL is set without a recipient", () => {
    vi.stubEnv("ALERT_EMAIL_TO", "");

    expect(() => createLocalEmailSender({ smtpUrl: "smtp://127.0.0.1:2525" })).toThrow(
      LocalEmailConfigError,
    );
  });
});

describe("createLocalEmailSender (stdout)", () => {
  it("prints the framed message when SMTP_URL is not set", async () => {
    // Arrange
    vi.stubEnv("SMTP_URL", "");
    const printed: string[] = [];
    const sender = createLocalEmailSender({
      to: "cs-team@example.test",
      print: (t) => printed.push(t),
    });
    // Act
    const result = await sender.send(EVENT);
    // Assert
    expect(sender.mode).toBe("stdout");
    expect(result).toEqual({ via: "stdout", message: emailMessage(EVENT) });
    expect(printed).toEqual([framedEmail(emailMessage(EVENT), "cs-team@example.test")]);
    expect(printed[0]).toContain("EMAIL (not sent: SMTP_URL is not set)");
    expect(printed[0]).toContain("║ Subject: [Customer health] Acme Corp: healthy → critical");
    expect(printed[0]).toContain("║ Tier: healthy → critical");
  });

  it("writes to stdout by default", async () => {
    vi.stubEnv("SMTP_URL", "");
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    cleanups.push(() => write.mockRestore());

    await createLocalEmailSender().send(EVENT);

    expect(write).toHaveBeenCalledWith(expect.stringContaining("Customer: Acme Corp"));
  });
});

describe("createLocalEmailSender (failures)", () => {
  function sender(url: string, requestTimeoutMs?: number) {
    return track(
      createLocalEmailSender({
        smtpUrl: url,
        to: "cs-team@example.test",
        ...(requestTimeoutMs ? { requestTimeoutMs } : {}),
      }),
    );
  }

  it("reports a 4xx answer as a rejection worth retrying", async () => {
    const smtp = await startSmtp(() => 451);
    cleanups.push(smtp.close);

    const error = await sender(smtp.url)
      .send(EVENT)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EmailRejectedError);
    expect((error as EmailRejectedError).responseCode).toBe(451);
    expect(isRetryableEmailError(error)).toBe(true);
  });

  it("reports a 5xx answer as a rejection not worth retrying", async () => {
    const smtp = await startSmtp(() => 550);
    cleanups.push(smtp.close);

    const error = await sender(smtp.url)
      .send(EVENT)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EmailRejectedError);
    expect(isRetryableEmailError(error)).toBe(false);
  });

  it("reports a refused connection as worth retrying", async () => {
    // A port that was just free: nothing listens there.
    const smtp = await startSmtp();
    await smtp.close();

    const error = await sender(smtp.url)
      .send(EVENT)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EmailUnreachableError);
    expect(isRetryableEmailError(error)).toBe(true);
  });

  it("gives up at the request timeout when the server takes the message and never answers, and never calls that retryable", async () => {
    // Arrange
    const smtp = await startSmtp(() => "silent");
    cleanups.push(smtp.close);
    const started = Date.now();
    // Act
    const error = await sender(smtp.url, 300)
      .send(EVENT)
      .catch((e: unknown) => e);
    // Assert
    expect(error).toBeInstanceOf(EmailOutcomeUnknownError);
    expect(isRetryableEmailError(error)).toBe(false);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(smtp.received).toHaveLength(1);
  });
});
