/** An in-memory IngestStore for unit tests of the webhook logic (integration tests use DynamoDB Local). */

import type { AggregateUpdate } from "../../domain/aggregate.ts";
import type { EventRecord, IngestStore, WriteOutcome } from "../../webhook/ingest.ts";
import { MemoryAliasStore, recordKey } from "./alias-store.ts";

/** The event writes of ingestion over the in-memory alias store (records, aliases, aggregates). */
export class MemoryStore extends MemoryAliasStore implements IngestStore {
  /** Ignored events counted per `source#type`, as the DynamoDB store counts them. */
  readonly ignoredCounts = new Map<string, number>();

  private put(record: EventRecord): WriteOutcome {
    const key = recordKey(record);
    if (this.records.has(key)) return "duplicate";
    this.records.set(key, record);
    return "stored";
  }

  async recordApplied(record: EventRecord, update: AggregateUpdate | null) {
    const outcome = this.put(record);
    if (outcome === "stored" && update !== null) {
      this.applyToAggregate(record.accountId as string, update);
    }
    return outcome;
  }
  async recordUnmatched(record: EventRecord) {
    return this.put(record);
  }
  async recordIgnored(record: EventRecord) {
    const outcome = this.put(record);
    const key = `${record.source}#${record.type}`;
    if (outcome === "stored") this.ignoredCounts.set(key, (this.ignoredCounts.get(key) ?? 0) + 1);
    return outcome;
  }
}
