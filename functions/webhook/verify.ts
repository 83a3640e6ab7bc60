/**
 * Webhook signature verification over the exact bytes received, with `node:crypto` only
 * (the `stripe` and `standardwebhooks` packages would add weight to the Lambda bundle;
 * tests check equivalence against their signers instead).
 *
 * Every verifier returns a Verification and never throws on what a sender controls:
 * a missing or garbage header is a failed verification, not an exception.
 */

import { createHmac, timingSafeEqual } from "node:crypto";
import type { Source } from "../domain/signals.ts";

/** The providers we verify: every signal source. */
export type Provider = Source;
export type Verification = { ok: true } | { ok: false; reason: string };

/** Request headers with lower-cased names (API Gateway HTTP API v2). */
export type WebhookHeaders = Readonly<Record<string, string | undefined>>;

/** A verifier for one provider's scheme. */
export type Verifier = (
  rawBody: Buffer,
  headers: WebhookHeaders,
  secrets: readonly string[],
  nowMs: number,
) => Verification;

/** Stripe's libraries reject events older than this (stripe-node `DEFAULT_TOLERANCE`). */
export const STRIPE_TOLERANCE_SECONDS = 300;
/** Zendesk and Standard Webhooks: maximum distance between the signed timestamp and now. */
export const TIMESTAMP_TOLERANCE_SECONDS = 300;

const OK: Verification = { ok: true };
const fail = (reason: string): Verification => ({ ok: false, reason });

const NOT_CONFIGURED = fail("webhook secret not configured");
const NO_MATCH = fail("no matching signature");
const OUTSIDE_TOLERANCE = fail("timestamp outside tolerance");

const DIGITS = /^\d{1,15}$/;
// Zendesk sends e.g. `2021-03-25T05:09:27Z`; fractions and offsets are tolerated.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const STANDARD_WEBHOOKS_PREFIX = "whsec_";

/** HMAC over the parts in order; the body stays bytes and is never decoded to a string. */
function hmac(algorithm: "sha256" | "sha1", key: string | Buffer, ...parts: (string | Buffer)[]) {
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
function anyMatches(expected: readonly string[], received: readonly string[]): boolean {
  let found = false;
  for (const e of expected) {
    for (const r of received) {
      if (sameSignature(e, r)) found = true;
    }
  }
  return found;
}

/** Secrets with blanks removed: an empty key must never verify anything. */
function usable(secrets: readonly string[]): string[] {
  return secrets.filter((s) => typeof s === "string" && s.length > 0);
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/**
 * Stripe: `stripe-signature: t=<seconds>,v1=<hex>[,v1=<hex>][,v0=…]`, HMAC-SHA256 of
 * `"{t}.{rawBody}"` keyed with the whole `whsec_…` string.
 */
export const verifyStripe: Verifier = (rawBody, headers, secrets, nowMs) => {
  const value = header(headers, "stripe-signature");
  if (value === undefined) return fail("missing Stripe-Signature header");
  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const item of value.split(",")) {
    const eq = item.indexOf("=");
    if (eq < 0) continue;
    const key = item.slice(0, eq).trim();
    const val = item.slice(eq + 1).trim();
    if (key === "t") timestamp = val;
    else if (key === "v1") signatures.push(val);
  }
  if (timestamp === undefined || !DIGITS.test(timestamp)) {
    return fail("malformed Stripe-Signature header: no timestamp");
  }
  if (signatures.length === 0) return fail("malformed Stripe-Signature header: no v1 signature");
  const keys = usable(secrets);
  if (keys.length === 0) return NOT_CONFIGURED;

  const expected = keys.map((k) => hmac("sha256", k, `${timestamp}.`, rawBody).toString("hex"));
  if (!anyMatches(expected, signatures)) return NO_MATCH;
  // Like stripe-node: only age is bounded. A future `t` is signed by Stripe, so it means
  // our clock is behind, not a replay.
  const ageSeconds = Math.floor(nowMs / 1000) - Number(timestamp);
  if (ageSeconds > STRIPE_TOLERANCE_SECONDS) return OUTSIDE_TOLERANCE;
  return OK;
};

/**
 * Zendesk: `x-zendesk-webhook-signature` = base64 HMAC-SHA256 of `timestamp + rawBody`
 * (no separator), with `x-zendesk-webhook-signature-timestamp` an ISO 8601 instant.
 */
export const verifyZendesk: Verifier = (rawBody, headers, secrets, nowMs) => {
  const signature = header(headers, "x-zendesk-webhook-signature");
  if (signature === undefined) return fail("missing X-Zendesk-Webhook-Signature header");
  const timestamp = header(headers, "x-zendesk-webhook-signature-timestamp");
  if (timestamp === undefined) return fail("missing X-Zendesk-Webhook-Signature-Timestamp header");
  const signedAtMs = ISO_8601.test(timestamp) ? Date.parse(timestamp) : Number.NaN;
  if (!Number.isFinite(signedAtMs)) return fail("malformed X-Zendesk-Webhook-Signature-Timestamp");
  const keys = usable(secrets);
  if (keys.length === 0) return NOT_CONFIGURED;

  const expected = keys.map((k) => hmac("sha256", k, timestamp, rawBody).toString("base64"));
  if (!anyMatches(expected, [signature])) return NO_MATCH;
  if (Math.abs(nowMs - signedAtMs) > TIMESTAMP_TOLERANCE_SECONDS * 1000) return OUTSIDE_TOLERANCE;
  return OK;
};

/** Typeform: `typeform-signature: sha256=<base64 HMAC-SHA256 of the raw body>`; no timestamp. */
export const verifyTypeform: Verifier = (rawBody, headers, secrets) => {
  const value = header(headers, "typeform-signature");
  if (value === undefined) return fail("missing Typeform-Signature header");
  if (!value.startsWith("sha256=")) return fail("malformed Typeform-Signature header");
  const keys = usable(secrets);
  if (keys.length === 0) return NOT_CONFIGURED;

  const expected = keys.map((k) => `sha256=${hmac("sha256", k, rawBody).toString("base64")}`);
  return anyMatches(expected, [value]) ? OK : NO_MATCH;
};

/** Segment: `x-signature` = hex HMAC-SHA1 of the raw body; no timestamp. */
export const verifySegment: Verifier = (rawBody, headers, secrets) => {
  const signature = header(headers, "x-signature");
  if (signature === undefined) return fail("missing X-Signature header");
  const keys = usable(secrets);
  if (keys.length === 0) return NOT_CONFIGURED;

  const expected = keys.map((k) => hmac("sha1", k, rawBody).toString("hex"));
  return anyMatches(expected, [signature]) ? OK : NO_MATCH;
};

/** The HMAC key of a Standard Webhooks secret: base64 after the optional `whsec_` prefix. */
function standardWebhooksKey(secret: string): Buffer {
  const encoded = secret.startsWith(STANDARD_WEBHOOKS_PREFIX)
    ? secret.slice(STANDARD_WEBHOOKS_PREFIX.length)
    : secret;
  return Buffer.from(encoded, "base64");
}

/**
 * Standard Webhooks: `webhook-signature: v1,<base64> [v1,<base64> …]` over
 * `"{webhook-id}.{webhook-timestamp}.{rawBody}"`, keyed with the decoded secret.
 */
export const verifyStandardWebhook: Verifier = (rawBody, headers, secrets, nowMs) => {
  const id = header(headers, "webhook-id");
  if (id === undefined) return fail("missing webhook-id header");
  const timestamp = header(headers, "webhook-timestamp");
  if (timestamp === undefined) return fail("missing webhook-timestamp header");
  const value = header(headers, "webhook-signature");
  if (value === undefined) return fail("missing webhook-signature header");
  if (!DIGITS.test(timestamp)) return fail("malformed webhook-timestamp header");
  const signatures = value
    .split(" ")
    .filter((s) => s.startsWith("v1,"))
    .map((s) => s.slice("v1,".length));
  if (signatures.length === 0) return fail("malformed webhook-signature header: no v1 signature");
  const keys = usable(secrets)
    .map(standardWebhooksKey)
    .filter((k) => k.length > 0);
  if (keys.length === 0) return NOT_CONFIGURED;

  const expected = keys.map((k) =>
    hmac("sha256", k, `${id}.${timestamp}.`, rawBody).toString("base64"),
  );
  if (!anyMatches(expected, signatures)) return NO_MATCH;
  const skewSeconds = Math.floor(nowMs / 1000) - Number(timestamp);
  if (Math.abs(skewSeconds) > TIMESTAMP_TOLERANCE_SECONDS) return OUTSIDE_TOLERANCE;
  return OK;
};

const VERIFIERS: Readonly<Record<Provider, Verifier>> = {
  stripe: verifyStripe,
  zendesk: verifyZendesk,
  typeform: verifyTypeform,
  segment: verifySegment,
  generic: verifyStandardWebhook,
};

/**
 * Verifies a delivery against the provider's scheme. `headers` have lower-cased names;
 * `secrets` are the provider's active secrets (two during rotation); `nowMs` is the current time.
 */
export function verifySignature(
  provider: Provider,
  rawBody: Buffer,
  headers: WebhookHeaders,
  secrets: readonly string[],
  nowMs: number,
): Verification {
  const verifier = Object.hasOwn(VERIFIERS, provider) ? VERIFIERS[provider] : undefined;
  if (verifier === undefined) return fail("unknown provider");
  return verifier(rawBody, headers, secrets, nowMs);
}
