/**
 * Importing history from before deployment. Primary course:
 * 1. each line (a generic webhook payload) is normalized by the generic webhook's mapping
 *    (event-line.ts), with its `id` or a hash of the line as the dedupe key;
 * 2. it is ingested as a webhook is (`ingestEvent`: identity resolution, dedupe), without a
 *    signature (the caller runs with the deployer's credentials), but only its event record
 *    is written, not the aggregate update;
 * 3. the accounts it touched are rebuilt from their event logs (replay.ts): a customer
 *    imported with a year of events has a year of daily history, and its aggregate is
 *    written once, so the score function scores it once, from all of that year. Scored at
 *    every line, it would have been scored from its first weeks alone (silent for months:
 *    critical, an alert), then again as the rest came in.
 * A bad line is reported with its number and counted; the others are imported. Lines of
 * one account are ingested one after the other, accounts side by side: the lines without
 * an account (types not applied) share the ignored-type counter, whose transactions would
 * conflict if run at once.
 */
import type { Model } from "../domain/model.ts";
import { type IngestOutcome, type IngestStore, ingestEvent } from "../webhook/ingest.ts";
import { lineHashId, parseEventLine } from "./event-line.ts";

export interface ImportDeps {
  readonly store: IngestStore;
  readonly model: Model;
  /** Accounts ingested at the same time. @default 8 */
  readonly concurrency?: number;
  /** Lines read ahead before they are ingested. @default 2,000 */
  readonly batchLines?: number;
  /** Called after each batch with the lines read so far. */
  readonly onProgress?: (linesRead: number, report: ImportReport) => void;
}

export interface LineProblem {
  readonly line: number;
  readonly reason: string;
}

export interface ImportReport {
  lines: number;
  readonly outcomes: Record<IngestOutcome, number>;
  /** Lines that could not be imported, with their numbers (all of them are counted). */
  failed: number;
  /** The first problems, in line order. */
  readonly problems: LineProblem[];
  /** Accounts to rebuild, each with the keys (`source#eventId`) of the events this run applied. */
  readonly touched: Map<string, Set<string>>;
}

const MAX_PROBLEMS = 50;

interface Pending {
  readonly line: number;
  readonly event: Parameters<typeof ingestEvent>[2];
}

/** Imports every line of `lines` as of `now`; never throws for a bad line. */
export async function importLines(
  deps: ImportDeps,
  lines: Iterable<string> | AsyncIterable<string>,
  now: number,
): Promise<ImportReport> {
  const report: ImportReport = {
    lines: 0,
    outcomes: { accepted: 0, duplicate: 0, ignored: 0, unmatched: 0, stale: 0 },
    failed: 0,
    problems: [],
    touched: new Map(),
  };
  const problem = (line: number, reason: string) => {
    report.failed += 1;
    if (report.problems.length < MAX_PROBLEMS) report.problems.push({ line, reason });
  };
  let batch: Pending[] = [];
  const flush = async () => {
    await ingestBatch(deps, batch, now, report, problem);
    batch = [];
    deps.onProgress?.(report.lines, report);
  };
  for await (const text of lines) {
    report.lines += 1;
    const parsed = parseEventLine(text, deps.model.mapping, lineHashId);
    if (parsed.kind === "blank") continue;
    if (parsed.kind === "problem") {
      problem(report.lines, parsed.reason);
      continue;
    }
    for (const event of parsed.events) batch.push({ line: report.lines, event });
    if (batch.length >= (deps.batchLines ?? 2_000)) await flush();
  }
  await flush();
  report.problems.sort((a, b) => a.line - b.line);
  return report;
}

/** Ingests a batch: one lane per account, lanes side by side. */
async function ingestBatch(
  deps: ImportDeps,
  batch: readonly Pending[],
  now: number,
  report: ImportReport,
  problem: (line: number, reason: string) => void,
) {
  const lanes = new Map<string, Pending[]>();
  for (const item of batch) {
    const key = item.event.accountId ?? "";
    const lane = lanes.get(key);
    if (lane) lane.push(item);
    else lanes.set(key, [item]);
  }
  const queue = [...lanes.values()];
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      for (const { line, event } of queue[next++] as Pending[]) {
        let outcome: IngestOutcome;
        try {
          outcome = await ingestEvent(deps.store, deps.model, event, now, { recordOnly: true });
        } catch (error) {
          // Storage gave up (after the store's own retries): this line is not imported.
          problem(line, `not stored: ${(error as Error).message}`);
          continue;
        }
        report.outcomes[outcome] += 1;
        // A duplicate's account is rebuilt too (an earlier import may have stopped before
        // its rebuild), but only what this run applied must show in the log first.
        if ((outcome === "accepted" || outcome === "duplicate") && event.accountId !== null) {
          const keys = report.touched.get(event.accountId) ?? new Set<string>();
          if (outcome === "accepted") keys.add(`${event.source}#${event.eventId}`);
          report.touched.set(event.accountId, keys);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency ?? 8) }, worker));
}
