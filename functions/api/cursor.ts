/**
 * Page cursors: an opaque base64url string for the caller, a position in the listing order
 * for us. A cursor is read back only if it decodes to a well-formed position; anything
 * else (cut, edited, forged, from another listing) is the caller's mistake: 400, never a
 * storage error.
 */
import type { UnmatchedPosition } from "../aliases/aliases.ts";
import { Source } from "../domain/signals.ts";
import type { CustomerPosition } from "./customers.ts";

/** A cursor that is not one we issued. */
export class InvalidCursorError extends Error {
  override readonly name = "InvalidCursorError";
  constructor() {
    super("invalid cursor: pass back the cursor of the previous page unchanged");
  }
}

/** Longest id a position may carry: well inside DynamoDB's 1,024-byte sort key. */
const MAX_POSITION_ID_BYTES = 900;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** The last millisecond `Date` can show as a four-digit year. */
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const isPositionId = (value: unknown): value is string =>
  typeof value === "string" &&
  value.length > 0 &&
  Buffer.byteLength(value, "utf8") <= MAX_POSITION_ID_BYTES;

/** Fields as an opaque cursor: base64url of their JSON. */
export function encodeCursorFields(fields: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(fields)).toString("base64url");
}

/** The `length` fields of a cursor we issued; anything else is InvalidCursorError. */
export function decodeCursorFields(raw: string, length: number): unknown[] {
  if (raw.length > 2_000 || !BASE64URL.test(raw)) throw new InvalidCursorError();
  const bytes = Buffer.from(raw, "base64url");
  // Node skips characters it cannot decode; a cursor we issued re-encodes to itself.
  if (bytes.toString("base64url") !== raw) throw new InvalidCursorError();
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(value) || value.length !== length) throw new InvalidCursorError();
  return value;
}

/** The cursor of a customer listing page. */
export const encodeCustomerCursor = (position: CustomerPosition): string =>
  encodeCursorFields([position.score, position.accountId]);

/** The position a customer listing cursor stands for; InvalidCursorError if it is not one. */
export function decodeCustomerCursor(raw: string): CustomerPosition {
  const [score, accountId] = decodeCursorFields(raw, 2);
  const validScore =
    score === null ||
    (typeof score === "number" && Number.isFinite(score) && score >= 0 && score <= 100);
  if (!validScore || !isPositionId(accountId)) throw new InvalidCursorError();
  return { score: score as number | null, accountId };
}

/** The cursor of an unmatched events page. */
export const encodeUnmatchedCursor = (position: UnmatchedPosition): string =>
  encodeCursorFields([position.receivedAt, position.source, position.eventId]);

/** The position an unmatched events cursor stands for; InvalidCursorError if it is not one. */
export function decodeUnmatchedCursor(raw: string): UnmatchedPosition {
  const [receivedAt, source, eventId] = decodeCursorFields(raw, 3);
  const validTime =
    typeof receivedAt === "number" &&
    Number.isSafeInteger(receivedAt) &&
    receivedAt >= 0 &&
    receivedAt <= MAX_TIME;
  if (!validTime || !Source.safeParse(source).success || !isPositionId(eventId)) {
    throw new InvalidCursorError();
  }
  return { receivedAt, source: source as Source, eventId };
}
