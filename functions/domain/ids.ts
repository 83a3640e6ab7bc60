/**
 * The one rule for identifiers (account ids, provider event ids, tool ids such as Stripe
 * customers, Zendesk organizations, Segment users and groups, tickets, invoices). Ingestion,
 * aliases and the read API all apply it, so an id accepted by a webhook can always be read
 * back, and no id can break a DynamoDB key (keys are built as `KIND#…#id`, so `#` is out;
 * a sort key holds at most 1,024 bytes, and ids sit inside longer keys).
 *
 * The rule: 1 to 200 bytes in UTF-8; letters and digits of any script, and `. _ - : @ + = ~`.
 * No spaces, no `#` or `/`, no control characters, no emoji.
 */
import * as z from "zod/mini";

export const MAX_ID_BYTES = 200;

const ID_CHARACTERS = /^[\p{L}\p{M}\p{N}._\-:@+=~]+$/u;

export const ID_RULE_TEXT = `1-${MAX_ID_BYTES} bytes of letters, digits and . _ - : @ + = ~`;

/** Why `value` is not a valid identifier, or undefined when it is. */
export function identifierProblem(value: string): string | undefined {
  if (value.length === 0) return "is empty";
  if (Buffer.byteLength(value, "utf8") > MAX_ID_BYTES) {
    return `is longer than ${MAX_ID_BYTES} bytes`;
  }
  if (!ID_CHARACTERS.test(value)) {
    return "holds a character that is not allowed";
  }
  return undefined;
}

export const isIdentifier = (value: string): boolean => identifierProblem(value) === undefined;

/** A zod/mini schema for an identifier field; its issue message names what is wrong. */
export const Identifier = z.string().check(
  z.refine((value) => isIdentifier(value), {
    error: (issue) =>
      typeof issue.input === "string"
        ? `${identifierProblem(issue.input) ?? "is invalid"} (ids are ${ID_RULE_TEXT})`
        : "must be a string",
  }),
);
