/**
 * Cursors of the dashboard's pages, by the rules of functions/api/cursor.ts: opaque
 * base64url JSON for the caller; anything we did not issue (cut, edited, from another
 * sort) is InvalidCursorError, a 400.
 */
import { decodeCursorFields, encodeCursorFields, InvalidCursorError } from "../api/cursor.ts";
import { type ListPosition, SORTS, type Sort } from "./customers.ts";
import type { AlertPosition } from "./reads.ts";

const MAX_VALUE_BYTES = 900;
/** An alert feed position: ISO time, `#`, event id. */
const ALERT_POSITION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z#[^\s]{1,200}$/;

const shortString = (v: unknown): v is string =>
  typeof v === "string" && v.length > 0 && Buffer.byteLength(v) <= MAX_VALUE_BYTES;

export const encodeListCursor = (p: ListPosition) =>
  encodeCursorFields([p.sort, p.value, p.accountId]);

/** The position of a customers-table cursor issued for `sort`. */
export function decodeListCursor(raw: string, sort: Sort): ListPosition {
  const [cursorSort, value, accountId] = decodeCursorFields(raw, 3);
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

export const encodeAlertCursor = (p: AlertPosition) => encodeCursorFields([p]);

export function decodeAlertCursor(raw: string): AlertPosition {
  const [position] = decodeCursorFields(raw, 1);
  if (typeof position !== "string" || !ALERT_POSITION.test(position)) {
    throw new InvalidCursorError();
  }
  return position;
}
