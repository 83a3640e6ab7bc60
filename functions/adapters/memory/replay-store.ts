/** In-memory replay ports for unit tests (integration tests use DynamoDB Local). */
import type { Aggregate } from "../../domain/aggregate.ts";
import { isoDay } from "../../domain/time.ts";
import type { Checkpoint, EventLog, HistoryPoint, RebuildTarget } from "../../replay/ports.ts";
import type { EventRecord } from "../../webhook/ingest.ts";

/** An event log over records held elsewhere (e.g. MemoryStore's), paged like a Query. */
export class MemoryEventLog implements EventLog {
  constructor(
    private readonly records: () => Iterable<EventRecord>,
    private readonly pageSize = 100,
  ) {}

  async *eventsOf(accountId: string): AsyncIterable<readonly EventRecord[]> {
    const mine = [...this.records()]
      .filter((r) => r.status === "applied" && r.accountId === accountId)
      .sort((a, b) => a.occurredAt - b.occurredAt);
    for (let i = 0; i < mine.length; i += this.pageSize) yield mine.slice(i, i + this.pageSize);
  }

  async *accounts(): AsyncIterable<readonly string[]> {
    const ids = new Set<string>();
    for (const r of this.records()) {
      if (r.status === "applied" && r.accountId !== null) ids.add(r.accountId);
    }
    const all = [...ids];
    for (let i = 0; i < all.length; i += this.pageSize) yield all.slice(i, i + this.pageSize);
  }
}

/** History points by account and day, and aggregates by account, with a write count. */
export class MemoryRebuildTarget implements RebuildTarget {
  readonly history = new Map<string, Map<string, HistoryPoint>>();
  readonly aggregates = new Map<string, Aggregate>();
  /** Calls of replaceAggregate, per account. */
  readonly replaced = new Map<string, number>();

  async currentAggregate(accountId: string): Promise<Aggregate | null> {
    return this.aggregates.get(accountId) ?? null;
  }

  async writeHistory(accountId: string, points: readonly HistoryPoint[]): Promise<void> {
    const days = this.history.get(accountId) ?? new Map<string, HistoryPoint>();
    for (const point of points) days.set(isoDay(point.computedAt), point);
    this.history.set(accountId, days);
  }

  async replaceAggregate(accountId: string, aggregate: Aggregate): Promise<void> {
    this.aggregates.set(accountId, aggregate);
    this.replaced.set(accountId, (this.replaced.get(accountId) ?? 0) + 1);
  }
}

/** A checkpoint in memory; `failAfter` makes `markFinished` throw (an interrupted run). */
export class MemoryCheckpoint implements Checkpoint {
  readonly done = new Set<string>();
  cleared = false;

  async finished(): Promise<ReadonlySet<string>> {
    return new Set(this.done);
  }
  async markFinished(accountId: string): Promise<void> {
    this.done.add(accountId);
  }
  async clear(): Promise<void> {
    this.done.clear();
    this.cleared = true;
  }
}
