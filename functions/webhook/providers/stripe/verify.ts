/** Stripe signature check. */
import {
  anyMatches,
  DIGITS,
  fail,
  header,
  hmac,
  NO_MATCH,
  NOT_CONFIGURED,
  OK,
  OUTSIDE_TOLERANCE,
  usable,
  type Verifier,
} from "../signature.ts";

/** Stripe's libraries reject events older than this (stripe-node `DEFAULT_TOLERANCE`). */
export const STRIPE_TOLERANCE_SECONDS = 300;

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
