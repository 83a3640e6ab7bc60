/** Zendesk signature check. */
import {
  anyMatches,
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

// Zendesk sends e.g. `2021-03-25T05:09:27Z`; fractions and offsets are tolerated.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

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
