/**
 * Cursors of the dashboard's pages, by the rules of functions/api/cursor.ts: opaque
 * base64url JSON for the caller; anything we did not issue (cut, edited, from another
 * sort) is InvalidCursorError, a 400.
 */
import { InvalidCursorError } from "../api/cursor.ts";
import { type ListPosition, SORTS, type Sort } from "./customers.ts";
import type { AlertPosition } from "./reads.ts";

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAX_VALUE_BYTES = 900;
/** An alert feed position: ISO time, `#`, event id. */
const ALERT_POSITION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z#[^\s]{1,200}$/;

const encode = (fields: readonly unknown[]) =>
  Buffer.from(JSON.stringify(fields)).toString("base64url");

function decode(raw: string, length: number): unknown[] {
  if (raw.length > 2_000 || !BASE64URL.test(raw)) throw new InvalidCursorError();
  const bytes = Buffer.from(raw, "base64url");
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

const shortString = (v: unknown): v is string =>
  typeof v === "string" && v.length > 0 && Buffer.byteLength(v) <= MAX_VALUE_BYTES;

export const encodeListCursor = (p: ListPosition) => encode([p.sort, p.value, p.accountId]);

/** The position of a customers-table cursor issued for `sort`. */
export function decodeListCursor(raw: string, sort: Sort): ListPosition {
  const [cursorSort, value, accountId] = decode(raw, 3);
  const validValue =
    value === null || (typeof value === "number" && Number.isFinite(value)) || shortString(value);
  if (
    cursorSort !== sort ||
    !(SORTS as readonly unknown[]).includes(cursorSort) ||
    !validValue ||
    !shortString(accountId)
  ) {
    throw new InvalidCursorError();
  }
  return { sort, value: value as ListPosition["value"], accountId };
}

export const encodeAlertCursor = (p: AlertPosition) => encode([p]);

export function decodeAlertCursor(raw: string): AlertPosition {
  const [position] = decode(raw, 1);
  if (typeof position !== "string" || !ALERT_POSITION.test(position)) {
    throw new InvalidCursorError();
  }
  return position;
}
