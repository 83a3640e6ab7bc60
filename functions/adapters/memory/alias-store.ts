/**
 * In-memory alias store, for unit tests and as the reference the DynamoDB store is checked
 * against (one contract suite runs on both). Each method runs without awaiting in between,
 * so it is as atomic as a DynamoDB transaction.
 */
import type {
  AliasChange,
  AliasOwner,
  AliasStore,
  ApplyWaitingResult,
  SaveAliasesResult,
  UnmatchedPage,
  UnmatchedPosition,
  WaitingEvent,
} from "../../aliases/aliases.ts";
import {
  type Aggregate,
  type AggregateUpdate,
  applyUpdate,
  emptyAggregate,
} from "../../domain/aggregate.ts";
import { type ExternalRef, refKey, uniqueRefs } from "../../webhook/inbound.ts";
import type { EventRecord } from "../../webhook/ingest.ts";

/** Key of an event record: provider and the provider's event id. */
export const recordKey = (record: Pick<EventRecord, "source" | "eventId">) =>
  `${record.source}#${record.eventId}`;

/** Unmatched events in list order: oldest first, then by provider and event id. */
function compareWaiting(a: UnmatchedPosition, b: UnmatchedPosition): number {
  if (a.receivedAt !== b.receivedAt) return a.receivedAt - b.receivedAt;
  const x = `${a.source}#${a.eventId}`;
  const y = `${b.source}#${b.eventId}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

export class MemoryAliasStore implements AliasStore {
  /** Event records by `recordKey`. */
  readonly records = new Map<string, EventRecord>();
  /** Account of each alias, by `refKey`. */
  readonly aliases = new Map<string, string>();
  readonly aggregates = new Map<string, Aggregate>();

  async resolveAliases(refs: readonly ExternalRef[]) {
    const found = new Map<string, string>();
    for (const ref of refs) {
      const account = this.aliases.get(refKey(ref));
      if (account !== undefined) found.set(refKey(ref), account);
    }
    return found;
  }

  async saveAliases(
    accountId: string,
    refs: readonly ExternalRef[],
    options: { readonly move?: boolean } = {},
  ): Promise<SaveAliasesResult> {
    const unique = uniqueRefs(refs);
    const conflicts: AliasOwner[] = [];
    const changes: AliasChange[] = unique.map((ref) => {
      const owner = this.aliases.get(refKey(ref));
      if (owner === undefined) return { ref, change: "registered" };
      if (owner === accountId) return { ref, change: "unchanged" };
      conflicts.push({ ref, accountId: owner });
      return { ref, change: "moved", from: owner };
    });
    if (conflicts.length > 0 && options.move !== true) return { saved: false, conflicts };
    for (const ref of unique) this.aliases.set(refKey(ref), accountId);
    return { saved: true, changes };
  }

  async unmatchedFor(ref: ExternalRef, limit: number) {
    return this.#waitingFor(ref).slice(0, limit);
  }

  async countUnmatchedFor(ref: ExternalRef) {
    return this.#waitingFor(ref).length;
  }

  async applyWaiting(
    ref: ExternalRef,
    accountId: string,
    events: readonly WaitingEvent[],
  ): Promise<ApplyWaitingResult> {
    if (events.length === 0) return { applied: 0 };
    const owner = this.aliases.get(refKey(ref));
    if (owner !== accountId) return { applied: 0, ownerNow: owner ?? null };
    let applied = 0;
    for (const { record, update } of events) {
      if (this.#apply(record, accountId, update)) applied++;
    }
    return { applied };
  }

  async applyUnmatched(record: EventRecord, accountId: string, update: AggregateUpdate) {
    return this.#apply(record, accountId, update);
  }

  async listUnmatched(limit: number, after?: UnmatchedPosition | null): Promise<UnmatchedPage> {
    const waiting = [...this.records.values()]
      .filter((r) => r.status === "unmatched" && (!after || compareWaiting(r, after) > 0))
      .sort(compareWaiting);
    const records = waiting.slice(0, limit);
    const last = records[records.length - 1];
    return {
      records,
      next:
        waiting.length > limit && last
          ? { receivedAt: last.receivedAt, source: last.source, eventId: last.eventId }
          : null,
    };
  }

  /** Adds `update` to an account's aggregate, as the DynamoDB update expression does. */
  protected applyToAggregate(accountId: string, update: AggregateUpdate): void {
    this.aggregates.set(
      accountId,
      applyUpdate(this.aggregates.get(accountId) ?? emptyAggregate(accountId), update),
    );
  }

  #waitingFor(ref: ExternalRef): EventRecord[] {
    return [...this.records.values()].filter(
      (r) => r.status === "unmatched" && r.refs.some((x) => refKey(x) === refKey(ref)),
    );
  }

  #apply(record: EventRecord, accountId: string, update: AggregateUpdate): boolean {
    const key = recordKey(record);
    if (this.records.get(key)?.status !== "unmatched") return false;
    this.records.set(key, { ...record, accountId, status: "applied" });
    this.applyToAggregate(accountId, update);
    return true;
  }
}
