/**
 * Ingests events-file lines as the generic webhook would (record and aggregate update), for
 * tests that need what live ingestion stores; `npm run import` writes records only.
 */
import type { Model } from "../../functions/domain/model.ts";
import { lineHashId, parseEventLine } from "../../functions/replay/event-line.ts";
import { type IngestStore, ingestEvent } from "../../functions/webhook/ingest.ts";

export async function ingestLinesAsWebhooks(
  store: IngestStore,
  model: Model,
  lines: readonly string[],
  now: number,
): Promise<void> {
  for (const line of lines) {
    const parsed = parseEventLine(line, model.mapping, lineHashId);
    if (parsed.kind !== "events") throw new Error(`test line does not map: ${line}`);
    for (const event of parsed.events) await ingestEvent(store, model, event, now);
  }
}
