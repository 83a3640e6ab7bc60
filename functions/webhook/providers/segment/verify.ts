/** Segment signature check. */
import {
  anyMatches,
  fail,
  header,
  hmac,
  NO_MATCH,
  NOT_CONFIGURED,
  OK,
  usable,
  type Verifier,
} from "../signature.ts";

/** Segment: `x-signature` = hex HMAC-SHA1 of the raw body; no timestamp. */
export const verifySegment: Verifier = (rawBody, headers, secrets) => {
  const signature = header(headers, "x-signature");
  if (signature === undefined) return fail("missing X-Signature header");
  const keys = usable(secrets);
  if (keys.length === 0) return NOT_CONFIGURED;

  const expected = keys.map((k) => hmac("sha1", k, rawBody).toString("hex"));
  return anyMatches(expected, [signature]) ? OK : NO_MATCH;
};
