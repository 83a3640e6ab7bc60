/** Standard Webhooks signature check (the generic webhook). */
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
  TIMESTAMP_TOLERANCE_SECONDS,
  usable,
  type Verifier,
} from "../signature.ts";

const STANDARD_WEBHOOKS_PREFIX = "whsec_";

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
