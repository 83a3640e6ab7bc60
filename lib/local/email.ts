/**
 * Email for the LOCAL runtime only (in AWS, email goes out through the SNS topic with the
 * same text layout). With `SMTP_URL` set (e.g. a local Mailpit at smtp://127.0.0.1:1025)
 * the message is sent over SMTP; without it, it is printed, framed, to stdout.
 */
import nodemailer from "nodemailer";
import { type EmailMessage, emailMessage } from "../../functions/alerts/message.ts";
import type { HealthEvent } from "../../functions/events/health-events.ts";

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

  if (smtpUrl === undefined) {
    return {
      mode: "stdout",
      async send(event) {
        const message = emailMessage(event);
        print(framedEmail(message, to));
        return { via: "stdout", message };
      },
      close() {},
    };
  }

  if (to === undefined) {
    throw new LocalEmailConfigError(`${SMTP_URL_ENV} is set but ${ALERT_EMAIL_TO_ENV} is not`);
  }
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    mode: "smtp",
    async send(event) {
      const message = emailMessage(event);
      const info = await transport.sendMail({
        from,
        to,
        subject: message.subject,
        text: message.text,
      });
      return { via: "smtp", messageId: info.messageId, message };
    },
    close() {
      transport.close();
    },
  };
}
