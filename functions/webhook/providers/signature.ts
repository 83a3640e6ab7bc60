/**
 * What every provider's signature check shares: the Verifier shape, HMAC over the exact
 * bytes received, constant-time comparison and the standard failures. `node:crypto` only
 * (the `stripe` and `standardwebhooks` packages would add weight to the Lambda bundle;
 * tests check equivalence against their signers instead).
 *
 * A verifier returns a Verification and never throws on what a sender controls: a missing
 * or garbage header is a failed verification, not an exception.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export type Verification = { ok: true } | { ok: false; reason: string };

/** Request headers with lower-cased names (API Gateway HTTP API v2). */
export type WebhookHeaders = Readonly<Record<string, string | undefined>>;

/** A verifier for one provider's scheme; `secrets` are the active ones (two during rotation). */
export type Verifier = (
  rawBody: Buffer,
  headers: WebhookHeaders,
  secrets: readonly string[],
  nowMs: number,
) => Verification;

/** Zendesk and Standard Webhooks: maximum distance between the signed timestamp and now. */
export const TIMESTAMP_TOLERANCE_SECONDS = 300;

export const OK: Verification = { ok: true };
export const fail = (reason: string): Verification => ({ ok: false, reason });

export const NOT_CONFIGURED = fail("webhook secret not configured");
export const NO_MATCH = fail("no matching signature");
export const OUTSIDE_TOLERANCE = fail("timestamp outside tolerance");

/** A Unix timestamp in seconds as a header carries it. */
export const DIGITS = /^\d{1,15}$/;

/** HMAC over the parts in order; the body stays bytes and is never decoded to a string. */
export function hmac(
  algorithm: "sha256" | "sha1",
  key: string | Buffer,
  ...parts: (string | Buffer)[]
): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Constant-time comparison of two encoded signatures; a length difference is a mismatch. */
function sameSignature(expected: string, received: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(received, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True when any received signature equals any expected one (all compared, in constant time). */
export function anyMatches(expected: readonly string[], received: readonly string[]): boolean {
  let found = false;
  for (const e of expected) {
    for (const r of received) {
      if (sameSignature(e, r)) found = true;
    }
  }
  return found;
}

/** Secrets with blanks removed: an empty key must never verify anything. */
export function usable(secrets: readonly string[]): string[] {
  return secrets.filter((s) => typeof s === "string" && s.length > 0);
}

/** A header's trimmed value; absent and blank are both undefined. */
export function header(headers: WebhookHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}
