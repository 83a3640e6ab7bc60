/**
 * Helpers the provider adapters share: validation with short reasons, timestamps, ids,
 * and signal construction checked against the domain schema.
 */
import * as z from "zod/mini";
import { ID_RULE_TEXT, Identifier, identifierProblem } from "../../domain/ids.ts";
import { SignalValues } from "../../domain/signals.ts";
import { type InboundEvent, MalformedPayloadError } from "../inbound.ts";
import type { Provider } from "./registry.ts";

/** Longest free text a signal may carry (matches `text` in the signal schema). */
export const TEXT_MAX = 20_000;

/**
 * An id a provider may send as a JSON string or number, read with `idOf`. A string follows
 * the one id rule (`functions/domain/ids.ts`): ids end up in DynamoDB keys and the read API.
 */
export const Id = z.union([Identifier, z.number().check(z.int(), z.gte(0))]);

/** An id that is always a string (event ids, message ids): the one id rule. */
export { Identifier } from "../../domain/ids.ts";

/** A lower- or upper-case three-letter ISO currency code; read with `currencyOf`. */
export const Currency = z.string().check(z.regex(/^[a-zA-Z]{3}$/));

/** Money in minor units. */
export const MinorUnits = z.number().check(z.int(), z.gte(0));

/** An ISO 8601 date-time with a zone, any number of fraction digits; read with `isoMillis`. */
export const IsoDateTime = z
  .string()
  .check(z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/));

/** An `Id` as the string our refs and signals carry. */
export function idOf(id: string | number): string {
  return typeof id === "number" ? String(id) : id;
}

/** A `Currency` in the lower case signals carry. */
export function currencyOf(code: string): string {
  return code.toLowerCase();
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The JSON a body holds (UTF-8, a leading BOM dropped); MalformedPayloadError if none. */
export function parseJson(rawBody: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(rawBody);
  } catch {
    throw new MalformedPayloadError("body is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedPayloadError("body is not valid JSON");
  }
}

/**
 * Epoch milliseconds of an `IsoDateTime`; fractions below a millisecond are dropped. A day
 * the month does not have (Sep 31, Feb 29 of 2026) is malformed: Date.parse would roll it
 * into the next month.
 */
export function isoMillis(value: string, field: string): number {
  // Date.parse takes at most millisecond precision reliably: cut longer fractions first.
  const millis = Date.parse(value.replace(/(\.\d{3})\d+/, "$1"));
  const [year, month, day] = value.slice(0, 10).split("-").map(Number) as [number, number, number];
  if (!Number.isFinite(millis) || day > daysInMonth(year, month)) {
    throw new MalformedPayloadError(`${field}: not a valid date-time`);
  }
  return millis;
}

/** Days in `month` (1-12) of `year`, proleptic Gregorian (years 0-99 too, unlike Date.UTC). */
function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

/** The last second an ISO date-time with a four-digit year can name: 9999-12-31T23:59:59Z. */
const MAX_SECONDS = 253_402_300_799;

/**
 * Epoch milliseconds of a Unix timestamp in seconds, `field` naming it when it is beyond the
 * year 9999 (no date can show it, and nothing real is dated so).
 */
export function secondsMillis(seconds: number, field: string): number {
  if (seconds > MAX_SECONDS) {
    throw new MalformedPayloadError(`${field}: not a valid Unix time (after the year 9999)`);
  }
  return seconds * 1000;
}

/**
 * The lower-cased domain of an email address, or null when it does not look like one or
 * could not be an id (a hint to resolve the customer, never a reason to reject the event).
 */
export function emailDomain(email: unknown): string | null {
  if (typeof email !== "string") return null;
  const match = /^[^@\s]+@([^@\s]+\.[^@\s]+)$/.exec(email.trim());
  const domain = match?.[1]?.toLowerCase();
  return domain && identifierProblem(domain) === undefined ? domain : null;
}

/**
 * An optional account id from a free-form field (metadata, hidden fields, traits): null
 * when absent or empty; an id breaking the id rule is malformed, named by `field`.
 */
export function accountIdOf(value: string | null | undefined, what: string, field: string) {
  if (value == null || value === "") return null;
  const problem = identifierProblem(value);
  if (problem !== undefined) {
    throw new MalformedPayloadError(`${what}: ${field} ${problem} (ids are ${ID_RULE_TEXT})`);
  }
  return value;
}

/** A non-empty string id, or null for absent, empty and non-string values. */
export function nonEmptyString(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 && value.length <= 512 ? value : null;
}

/** Free text cut to what a signal may carry. */
export function truncate(text: string, max = TEXT_MAX): string {
  return text.length > max ? text.slice(0, max) : text;
}

/**
 * Validates `input` or throws MalformedPayloadError naming the first bad field, as a
 * path below `at` (where `input` sits in the body; empty for the body itself).
 */
export function parseWith<T>(schema: z.ZodMiniType<T>, input: unknown, what: string, at = ""): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new MalformedPayloadError(issue ? `${what}: ${describeIssue(issue, at)}` : what);
}

function describeIssue(issue: z.core.$ZodIssue, at: string): string {
  const where = [at, ...issue.path.map(String)].filter((part) => part !== "").join(".") || "body";
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((key) => JSON.stringify(key)).join(", ");
    return `${where} has unknown ${issue.keys.length === 1 ? "field" : "fields"} ${keys}`;
  }
  // zod/mini ships no locale: its default message is "Invalid input"; ours are custom.
  if (issue.message && issue.message !== "Invalid input") return `${where} ${issue.message}`;
  switch (issue.code) {
    case "invalid_type": {
      const expected = issue.expected === "int" ? "integer" : issue.expected;
      return `${where} must be ${/^[aeiou]/.test(expected) ? "an" : "a"} ${expected}`;
    }
    case "too_small":
      return `${where} must be at least ${String(issue.minimum)}${issue.origin === "string" ? " characters" : ""}`;
    case "too_big":
      return `${where} must be at most ${String(issue.maximum)}${issue.origin === "string" ? " characters" : ""}`;
    case "invalid_value":
      return `${where} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_format":
      return `${where} has an invalid format`;
    case "invalid_union":
      return `${where} has an unexpected type`;
    default:
      return `${where} is invalid`;
  }
}

/** Drops keys whose value is undefined: stored items must not carry them. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The signal, validated against the domain schema; a payload value out of range is malformed. */
export function signal<T extends SignalValues>(values: T): T {
  const clean = compact(values);
  parseWith(SignalValues, clean, `${values.kind} signal`);
  return clean;
}

/** An event we acknowledge and count but do not apply. */
export function ignoredEvent(
  source: Provider,
  eventId: string,
  type: string,
  occurredAt: number,
): InboundEvent {
  return {
    source,
    eventId,
    type,
    occurredAt,
    accountId: null,
    refs: [],
    signals: [],
    ignored: true,
  };
}
