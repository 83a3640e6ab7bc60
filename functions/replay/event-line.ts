/**
 * One line of an events file (design decision 12): a generic webhook payload
 * `{"type","timestamp","data":{"account_id",…},"id"?}`, normalized by the generic
 * webhook's own mapping. Import reads this format, and so does the backtest
 * (lib/quality/backtest/load.ts): one parser for both.
 */
import { createHash } from "node:crypto";
import { ID_RULE_TEXT, identifierProblem } from "../domain/ids.ts";
import {
  type InboundEvent,
  MalformedPayloadError,
  type MappingConfig,
} from "../webhook/inbound.ts";
import { parse as parseGeneric } from "../webhook/providers/generic/map.ts";

export type ParsedLine =
  | { readonly kind: "blank" }
  | { readonly kind: "events"; readonly events: readonly InboundEvent[] }
  | { readonly kind: "problem"; readonly reason: string };

const BLANK = /^\s*$/;

/** A stable event id for a line without `id`: the same line always dedupes with itself. */
export function lineHashId(line: string): string {
  return `line-${createHash("sha256").update(line.trim()).digest("hex").slice(0, 40)}`;
}

/**
 * Parses one line. The event id is the line's `id` when it has one (the dedupe key, as a
 * webhook's `webhook-id`), else `fallbackId(line)`. A line that does not map is a
 * `problem` with a short reason, never an exception.
 */
export function parseEventLine(
  line: string,
  mapping: MappingConfig,
  fallbackId: (line: string) => string,
): ParsedLine {
  if (BLANK.test(line)) return { kind: "blank" };
  let body: unknown;
  try {
    body = JSON.parse(line);
  } catch {
    return { kind: "problem", reason: "not valid JSON" };
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return { kind: "problem", reason: "not a JSON object" };
  }
  const given = (body as { id?: unknown }).id;
  if (given !== undefined && given !== null && typeof given !== "string") {
    return { kind: "problem", reason: "id must be a string" };
  }
  if (typeof given === "string" && given !== "") {
    const problem = identifierProblem(given);
    if (problem !== undefined) {
      return { kind: "problem", reason: `id ${problem} (ids are ${ID_RULE_TEXT})` };
    }
  }
  const id = typeof given === "string" && given !== "" ? given : fallbackId(line);
  try {
    return { kind: "events", events: parseGeneric(body, mapping, id) };
  } catch (error) {
    if (!(error instanceof MalformedPayloadError)) throw error;
    return { kind: "problem", reason: error.message };
  }
}
