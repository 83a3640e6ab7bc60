/**
 * DynamoDB's size and request-unit rules, as AWS's "DynamoDB item sizes and formats" and
 * "DynamoDB read and write operations" pages state them (the meter in aws-billing.ts applies
 * them to real requests).
 */

type Item = Record<string, unknown>;
const KB = 1024;
const READ_UNIT_BYTES = 4 * KB;

const utf8 = (text: string) => Buffer.byteLength(text, "utf8");

/** Significant digits of a number's decimal text: sign, point, exponent, edge zeros dropped. */
function significantDigits(text: string): number {
  const mantissa = text.replace(/^[-+]/, "").replace(/[eE].*$/, "");
  return mantissa.replace(".", "").replace(/^0+/, "").replace(/0+$/, "").length;
}

/** Size of one attribute value (without its name), as AWS counts it. */
export function valueBytes(value: unknown): number {
  if (value === null || typeof value === "boolean") return 1;
  if (typeof value === "string") return utf8(value);
  if (typeof value === "number" || typeof value === "bigint") {
    return 1 + Math.ceil(significantDigits(String(value)) / 2);
  }
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((n: number, v) => n + valueBytes(v), 0);
  if (Array.isArray(value)) {
    return 3 + value.reduce((n: number, v) => n + 1 + valueBytes(v), 0);
  }
  if (typeof value === "object") {
    // util-dynamodb's NumberValue keeps a number's exact text.
    if (value.constructor?.name === "NumberValue") {
      return 1 + Math.ceil(significantDigits(String((value as { value: string }).value)) / 2);
    }
    return 3 + attributesBytes(value as Item, 1);
  }
  return 0; // undefined: not stored
}

function attributesBytes(item: Item, perEntry: number): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    total += utf8(name) + perEntry + valueBytes(value);
  }
  return total;
}

/** Size of an item (document-client values): its attributes' names and values. */
export function itemBytes(item: unknown): number {
  return item && typeof item === "object" ? attributesBytes(item as Item, 0) : 0;
}

/** Write units of one item write: ceil(larger of before and after / 1 KB), at least 1. */
export const writeUnits = (beforeBytes: number, afterBytes: number) =>
  Math.max(1, Math.ceil(Math.max(beforeBytes, afterBytes) / KB));

export type ReadKind = "strong" | "eventual" | "transactional";
const READ_FACTOR: Record<ReadKind, number> = { strong: 1, eventual: 0.5, transactional: 2 };

/** Read units of bytes read by one item read or one Query/Scan request. */
export const readUnits = (bytes: number, kind: ReadKind) =>
  Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES)) * READ_FACTOR[kind];

/** Index write units of one table write, given the index projections before and after. */
export function indexWriteUnits(
  before: { key: string; bytes: number } | null,
  after: { key: string; bytes: number } | null,
): number {
  if (before === null && after === null) return 0;
  if (before === null) return writeUnits(0, (after as { bytes: number }).bytes);
  if (after === null) return writeUnits(before.bytes, 0);
  if (before.key !== after.key) return writeUnits(before.bytes, 0) + writeUnits(0, after.bytes);
  return writeUnits(before.bytes, after.bytes);
}
