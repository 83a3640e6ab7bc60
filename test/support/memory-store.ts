/** An in-memory IngestStore for unit tests of the webhook logic (integration tests use DynamoDB Local). */
import {
  type Aggregate,
  type AggregateUpdate,
  applyUpdate,
  emptyAggregate,
} from "../../functions/domain/aggregate.ts";
import type { ExternalRef } from "../../functions/webhook/inbound.ts";
import {
  type EventRecord,
  type IngestStore,
  refKey,
  type WriteOutcome,
} from "../../functions/webhook/ingest.ts";

export class MemoryStore implements IngestStore {
  readonly records = new Map<string, EventRecord>();
  readonly aliases = new Map<string, string>();
  readonly aggregates = new Map<string, Aggregate>();
  /** Ignored events counted per `source#type`, as the DynamoDB store counts them. */
  readonly ignoredCounts = new Map<string, number>();

  private put(record: EventRecord): WriteOutcome {
    const key = `${record.source}#${record.eventId}`;
    if (this.records.has(key)) return "duplicate";
    this.records.set(key, record);
    return "stored";
  }

  async resolveAliases(refs: readonly ExternalRef[]) {
    const found = new Map<string, string>();
    for (const ref of refs) {
      const account = this.aliases.get(refKey(ref));
      if (account) found.set(refKey(ref), account);
    }
    return found;
  }
  async saveAliases(accountId: string, refs: readonly ExternalRef[]) {
    for (const ref of refs) this.aliases.set(refKey(ref), accountId);
  }
  async recordApplied(record: EventRecord, update: AggregateUpdate) {
    const outcome = this.put(record);
    if (outcome === "stored") this.apply(record.accountId as string, update);
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
  async unmatchedFor(ref: ExternalRef) {
    return [...this.records.values()].filter(
      (r) => r.status === "unmatched" && r.refs.some((x) => refKey(x) === refKey(ref)),
    );
  }
  async applyUnmatched(record: EventRecord, accountId: string, update: AggregateUpdate) {
    const key = `${record.source}#${record.eventId}`;
    if (this.records.get(key)?.status !== "unmatched") return false;
    this.records.set(key, { ...record, accountId, status: "applied" });
    this.apply(accountId, update);
    return true;
  }
  private apply(accountId: string, update: AggregateUpdate) {
    this.aggregates.set(
      accountId,
      applyUpdate(this.aggregates.get(accountId) ?? emptyAggregate(accountId), update),
    );
  }
}
