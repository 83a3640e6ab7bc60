/**
 * Email for the LOCAL runtime only (in AWS, email goes out through the SNS topic with the
 * same text layout). With `SMTP_URL` set (e.g. a local Mailpit at smtp://127.0.0.1:1025)
 * the message is sent over SMTP; without it, it is printed, framed, to stdout.
 *
 * A failed send says whether trying again is safe (`isRetryableEmailError`), by the same
 * rule as Slack: only when the server said no for now (SMTP 4xx) or refused the
 * connection, as then nothing was accepted. After a timeout or a broken connection the
 * message may have been accepted, so it is never sent again.
 */
import nodemailer from "nodemailer";
import {
  type EmailMessage,
  type EmailTemplateOptions,
  emailMessage,
} from "../../functions/alerts/email-message.ts";
import { DASHBOARD_URL_ENV } from "../../functions/alerts/settings.ts";
import type { HealthEvent } from "../../functions/events/health-events.ts";
import { ALERT_DELIVERY } from "../topology.ts";

export const SMTP_URL_ENV = "SMTP_URL";
export const ALERT_EMAIL_TO_ENV = "ALERT_EMAIL_TO";
export const ALERT_EMAIL_FROM_ENV = "ALERT_EMAIL_FROM";
export const DEFAULT_ALERT_EMAIL_FROM = "customer-health <alerts@customer-health.local>";

/** The local email settings are incomplete (fails loudly, with the setting's name). */
export class LocalEmailConfigError extends Error {
  override readonly name = "LocalEmailConfigError";
}

export interface LocalEmailOptions {
  /** SMTP connection URL; defaults to `SMTP_URL`. Unset: print instead of sending. */
  readonly smtpUrl?: string;
  /** Recipient(s), comma-separated; defaults to `ALERT_EMAIL_TO`. Required with SMTP. */
  readonly to?: string;
  /** Defaults to `ALERT_EMAIL_FROM`, else DEFAULT_ALERT_EMAIL_FROM. */
  readonly from?: string;
  /** Where printed messages go; defaults to stdout. */
  readonly print?: (text: string) => void;
  /** Limit on connecting, the greeting and each wait for the server. @default ALERT_DELIVERY.requestTimeoutMs */
  readonly requestTimeoutMs?: number;
  /**
   * The dashboard the email links to, read at each send (locally the port may be known only
   * later); defaults to `DASHBOARD_URL`. No link without one.
   */
  readonly dashboardUrl?: () => string | undefined;
}

/** The SMTP server answered no: nothing was accepted. 4xx means try later, 5xx never. */
export class EmailRejectedError extends Error {
  override readonly name = "EmailRejectedError";
  constructor(
    readonly responseCode: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`the SMTP server rejected the email: ${message}`, options);
  }
}

/** The SMTP server refused the connection: nothing was sent. */
export class EmailUnreachableError extends Error {
  override readonly name = "EmailUnreachableError";
}

/** Timed out or cut off mid-exchange: the email may have been accepted, so it is not re-sent. */
export class EmailOutcomeUnknownError extends Error {
  override readonly name = "EmailOutcomeUnknownError";
}

/** True when sending the same email again cannot make a duplicate. */
export function isRetryableEmailError(error: unknown): boolean {
  if (error instanceof EmailRejectedError) return error.responseCode < 500;
  return error instanceof EmailUnreachableError;
}

/** Reads a nodemailer error as one of the three outcomes above. */
function classifySmtpError(error: unknown): Error {
  const e = error as { responseCode?: unknown; code?: unknown; originalCode?: unknown };
  const message = error instanceof Error ? error.message : String(error);
  if (typeof e.responseCode === "number" && e.code !== "ETIMEDOUT") {
    return new EmailRejectedError(e.responseCode, message, { cause: error });
  }
  if (e.code === "ECONNREFUSED" || e.originalCode === "ECONNREFUSED") {
    return new EmailUnreachableError(`the SMTP server refused the connection: ${message}`, {
      cause: error,
    });
  }
  return new EmailOutcomeUnknownError(`the SMTP exchange did not complete: ${message}`, {
    cause: error,
  });
}

/** What `send` did with one event. */
export type LocalEmailResult =
  | { readonly via: "smtp"; readonly messageId: string; readonly message: EmailMessage }
  | { readonly via: "stdout"; readonly message: EmailMessage };

export interface LocalEmailSender {
  /** "smtp" or "stdout", decided once at creation. */
  readonly mode: "smtp" | "stdout";
  send(event: HealthEvent): Promise<LocalEmailResult>;
  /** Closes the SMTP connection pool, if any. */
  close(): void;
}

/** Frames a printed email so it stands out among the local runtime's log lines. */
export function framedEmail(message: EmailMessage, to: string | undefined): string {
  const rule = "═".repeat(72);
  return [
    `╔${rule}`,
    `║ EMAIL (not sent: ${SMTP_URL_ENV} is not set)`,
    `║ To: ${to ?? "(ALERT_EMAIL_TO not set)"}`,
    `║ Subject: ${message.subject}`,
    "║",
    ...message.text.split("\n").map((line) => `║ ${line}`.trimEnd()),
    `╚${rule}`,
    "",
  ].join("\n");
}

/** Builds the local runtime's email sender from options or the environment. */
export function createLocalEmailSender(options: LocalEmailOptions = {}): LocalEmailSender {
  const smtpUrl = (options.smtpUrl ?? process.env[SMTP_URL_ENV])?.trim() || undefined;
  const to = (options.to ?? process.env[ALERT_EMAIL_TO_ENV])?.trim() || undefined;
  const from =
    options.from ?? (process.env[ALERT_EMAIL_FROM_ENV]?.trim() || DEFAULT_ALERT_EMAIL_FROM);
  const print = options.print ?? ((text: string) => process.stdout.write(text));
  const dashboardUrl = options.dashboardUrl ?? (() => process.env[DASHBOARD_URL_ENV]);
  const template = (): EmailTemplateOptions => ({
    dashboardUrl: dashboardUrl()?.trim() || undefined,
  });

  if (smtpUrl === undefined) {
    return {
      mode: "stdout",
      async send(event) {
        const message = emailMessage(event, template());
        print(framedEmail(message, to));
        return { via: "stdout", message };
      },
      close() {},
    };
  }

  if (to === undefined) {
    throw new LocalEmailConfigError(`${SMTP_URL_ENV} is set but ${ALERT_EMAIL_TO_ENV} is not`);
  }
  const timeoutMs = options.requestTimeoutMs ?? ALERT_DELIVERY.requestTimeoutMs;
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    mode: "smtp",
    async send(event) {
      const message = emailMessage(event, template());
      const info = await transport
        .sendMail({ from, to, subject: message.subject, text: message.text })
        .catch((error: unknown) => {
          throw classifySmtpError(error);
        });
      return { via: "smtp", messageId: info.messageId, message };
    },
    close() {
      transport.close();
    },
  };
}
