/**
 * Reads a backtest's inputs: events (one generic webhook payload per line, `.jsonl` or
 * `.jsonl.gz`), normalized through the real generic mapping, and the churn labels CSV.
 * A line that does not map is counted and named (first few), never silently dropped.
 */
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { createGunzip, gunzipSync } from "node:zlib";
import { type CompiledModel, parseEventLine, type Signal } from "../domain.ts";

/** One applied event: its account, its source time and its normalized signals. */
export interface ReplayEvent {
  readonly accountId: string;
  readonly occurredAt: number;
  readonly signals: readonly Signal[];
}

export interface LoadedEvents {
  /** Applied events, in time order. */
  readonly events: ReplayEvent[];
  readonly lines: number;
  readonly malformed: number;
  /** Lines of a type the generic webhook does not apply (acknowledged, not applied). */
  readonly ignored: number;
  /** Lines whose `id` was seen before: applied once, as the webhook does. */
  readonly duplicates: number;
  /** The first few problems, `line N: reason`. */
  readonly problems: readonly string[];
}

const MAX_PROBLEMS = 5;

/** Files up to this size are read at once (several times faster than line streaming). */
const READ_AT_ONCE_BYTES = 128 * 1024 * 1024;

function* splitLines(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    yield text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
  }
}

/** The lines of a `.jsonl` or `.jsonl.gz` file: read at once when small, streamed otherwise. */
export async function openLines(path: string): Promise<Iterable<string> | AsyncIterable<string>> {
  const gzipped = path.endsWith(".gz");
  if ((await stat(path)).size <= (gzipped ? READ_AT_ONCE_BYTES / 10 : READ_AT_ONCE_BYTES)) {
    const bytes = await readFile(path);
    return splitLines((gzipped ? gunzipSync(bytes) : bytes).toString("utf8"));
  }
  let input: Readable = createReadStream(path);
  if (gzipped) input = input.pipe(createGunzip());
  return createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
}

/** One of `count` disjoint parts of the accounts, for replaying them in parallel. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** The shard of an account id: a cheap string hash, stable across runs and processes. */
export function shardOf(accountId: unknown, count: number): number {
  if (typeof accountId !== "string" && typeof accountId !== "number") return 0;
  const text = String(accountId);
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return (h >>> 0) % count;
}

const ACCOUNT_KEY = '"account_id"';
const BLANK = /^\s*$/;

/**
 * The shard of one line: the shard of its `data.account_id`, found without parsing the
 * JSON when the line names `"account_id"` once, followed by a string value without
 * escapes, as every line a tool writes does. (A key's quotes are never escaped and a
 * quote inside a string always is, so in a line with `data.account_id` that one
 * occurrence is it.) Any other line is parsed to find it; without one, shard 0. A line
 * that names `account_id` elsewhere but not in `data` applies to no account, and lands
 * in exactly one shard all the same, which reports it.
 */
export function shardOfLine(line: string, count: number): number {
  const at = line.indexOf(ACCOUNT_KEY);
  if (at >= 0 && line.indexOf(ACCOUNT_KEY, at + ACCOUNT_KEY.length) < 0) {
    let i = at + ACCOUNT_KEY.length;
    while (line.charCodeAt(i) === 32) i++;
    if (line.charCodeAt(i) === 58 /* : */) {
      i++;
      while (line.charCodeAt(i) === 32) i++;
      const end = line.indexOf('"', i + 1);
      if (line.charCodeAt(i) === 34 /* " */ && end > i) {
        const value = line.slice(i + 1, end);
        if (!value.includes("\\")) return shardOf(value, count);
      }
    }
  }
  try {
    const body = JSON.parse(line) as { data?: { account_id?: unknown } } | null;
    return shardOf(body?.data?.account_id, count);
  } catch {
    return 0;
  }
}

/**
 * Loads and normalizes every line of `path`; lines without an `id` get `line-N`. With a
 * `shard`, only lines whose `data.account_id` falls in it are mapped (lines without one
 * fall in shard 0, so each problem is reported once); `lines` still counts every line.
 */
export async function loadEvents(
  path: string,
  model: CompiledModel,
  shard: Shard = { index: 0, count: 1 },
): Promise<LoadedEvents> {
  const mapping = model.model.mapping;
  const events: ReplayEvent[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  let lines = 0;
  let malformed = 0;
  let ignored = 0;
  let duplicates = 0;
  let sorted = true;
  const problem = (reason: string) => {
    malformed++;
    if (problems.length < MAX_PROBLEMS) problems.push(`line ${lines}: ${reason}`);
  };
  const handleLine = (line: string) => {
    lines++;
    if (BLANK.test(line)) return;
    // Lines of other shards are skipped before the costly part, the JSON parse.
    if (shard.count > 1 && shardOfLine(line, shard.count) !== shard.index) return;
    const parsed = parseEventLine(line, mapping, () => `line-${lines}`);
    if (parsed.kind === "problem") {
      problem(parsed.reason);
      return;
    }
    if (parsed.kind === "blank") return;
    for (const event of parsed.events) {
      if (event.ignored || event.accountId === null) {
        ignored++;
        continue;
      }
      if (seen.has(event.eventId)) {
        duplicates++;
        continue;
      }
      seen.add(event.eventId);
      const { accountId, occurredAt, eventId } = event;
      const signals = event.signals.map(
        (values): Signal => ({
          accountId,
          source: "generic",
          sourceEventId: eventId,
          occurredAt,
          values,
        }),
      );
      const previous = events[events.length - 1];
      if (previous !== undefined && previous.occurredAt > occurredAt) sorted = false;
      events.push({ accountId, occurredAt, signals });
    }
  };
  const source = await openLines(path);
  if (Symbol.asyncIterator in source) {
    for await (const line of source) handleLine(line);
  } else {
    for (const line of source) handleLine(line);
  }
  // Stable: events of equal time keep file order.
  if (!sorted) events.sort((a, b) => a.occurredAt - b.occurredAt);
  return { events, lines, malformed, ignored, duplicates, problems };
}

/** A labels file that cannot be read as `account_id,churned_at`. */
export class LabelsError extends Error {
  override readonly name = "LabelsError";
}

/** A small CSV without quoting: the columns its header names, and its data rows' cells. */
export interface CsvTable {
  /** The index of the header's column `name`, or -1. */
  column(name: string): number;
  /** Each non-blank data row: its cells, trimmed, and its line number in the file. */
  readonly rows: readonly { readonly cells: readonly string[]; readonly line: number }[];
}

export function csvTable(text: string): CsvTable {
  const lines = text.split(/\r?\n/).filter((row) => row.trim() !== "");
  const header = (lines[0] ?? "").split(",").map((h) => h.trim());
  return {
    column: (name) => header.indexOf(name),
    rows: lines.slice(1).map((row, i) => ({
      cells: row.split(",").map((c) => c.trim()),
      line: i + 2,
    })),
  };
}

/**
 * 00:00 UTC of a `YYYY-MM-DD` cell, null when empty; `what` names it when it is not a real
 * date (Date.parse would roll 2026-02-30 over to March).
 */
export function dayCell(cell: string | undefined, what: string): number | null {
  if (!cell) return null;
  const at = Date.parse(`${cell}T00:00:00Z`);
  const valid =
    /^\d{4}-\d{2}-\d{2}$/.test(cell) &&
    Number.isFinite(at) &&
    new Date(at).toISOString().slice(0, 10) === cell;
  if (!valid) throw new LabelsError(`${what} "${cell}" is not a date (YYYY-MM-DD)`);
  return at;
}

/**
 * Parses a CSV with a header naming `account_id` and `churned_at` (other columns are
 * ignored). Returns each account's churn time (00:00 UTC of the date, or the date-time
 * given), null when empty.
 */
export function parseLabels(text: string): Map<string, number | null> {
  const table = csvTable(text);
  const idColumn = table.column("account_id");
  const dateColumn = table.column("churned_at");
  if (idColumn < 0 || dateColumn < 0) {
    throw new LabelsError("labels: the header must name account_id and churned_at");
  }
  const labels = new Map<string, number | null>();
  for (const { cells, line } of table.rows) {
    const accountId = cells[idColumn];
    const date = cells[dateColumn] ?? "";
    if (!accountId) throw new LabelsError(`labels line ${line}: account_id is empty`);
    const what = `labels line ${line}: churned_at`;
    if (date.length <= 10) {
      labels.set(accountId, dayCell(date, what));
      continue;
    }
    const churnedAt = Date.parse(date);
    if (!Number.isFinite(churnedAt)) throw new LabelsError(`${what} "${date}" is not a date`);
    labels.set(accountId, churnedAt);
  }
  return labels;
}

/** Parses `account_id,archetype` (the simulator's accounts.csv) for per-archetype figures. */
export function parseArchetypes(text: string): Map<string, string> {
  const table = csvTable(text);
  const idColumn = table.column("account_id");
  const kindColumn = table.column("archetype");
  if (idColumn < 0 || kindColumn < 0) {
    throw new LabelsError("archetypes: the header must name account_id and archetype");
  }
  const out = new Map<string, string>();
  for (const { cells } of table.rows) {
    if (cells[idColumn]) out.set(cells[idColumn] as string, cells[kindColumn] ?? "");
  }
  return out;
}
