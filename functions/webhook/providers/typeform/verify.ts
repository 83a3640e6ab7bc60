/** Typeform signature check. */
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
