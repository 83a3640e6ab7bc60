/**
 * In-memory implementation of the scoring ports (ScoreStore, DueScores), with the same
 * semantics as the DynamoDB adapter (the contract suite in
 * test/integration/score-store.contract.test.ts runs against both): versioned conditional
 * writes, the outbox cleared only for the version it belongs to, one history snapshot per
 * day (never overwritten by an older version), due scores listed in disjoint shards, page by
 * page. Values are copied in and out, so a caller never shares state with the store.
 */
import {
  type Aggregate,
  type AggregateUpdate,
  applyUpdate,
  emptyAggregate,
} from "../../domain/aggregate.ts";
import { inDueIndex, nextDayStart } from "../../domain/due.ts";
import { isoDay } from "../../domain/time.ts";
import type { DueScores, Sweep } from "../../scoring/rescore.ts";
import type { AccountState, ScoreStore, StoredScore } from "../../scoring/score-accounts.ts";

const DAY_MS = 86_400_000;

interface DaySnapshot {
  readonly score: number | null;
  readonly tier: StoredScore["tier"];
  readonly computedAt: number;
  readonly version: number;
}

export class MemoryScoreStore implements ScoreStore, DueScores {
  readonly aggregates = new Map<string, Aggregate>();
  readonly scores = new Map<string, StoredScore>();
  /** When each score is next due (epoch ms), by account id. */
  readonly dueAt = new Map<string, number>();
  /** The ids in the due index (due.ts `inDueIndex`). */
  readonly indexedDue = new Set<string>();
  /** Daily snapshots by `accountId|yyyy-mm-dd`. */
  readonly history = new Map<string, DaySnapshot>();
  readonly shards = 3;
  /** The last complete sweep (see DueScores). */
  swept: Sweep | null = null;

  /** @param pageSize ids per page of `dueAccounts`, small enough for tests to see paging */
  constructor(private readonly pageSize = 2) {}

  /** Applies an aggregate update, as the ingestion side does. */
  applyAggregateUpdate(accountId: string, update: AggregateUpdate): void {
    const current = this.aggregates.get(accountId) ?? emptyAggregate(accountId);
    this.aggregates.set(accountId, applyUpdate(current, update));
  }

  async load(accountIds: readonly string[], now: number, windowDays: number) {
    const earlierDay = isoDay(now - windowDays * DAY_MS);
    const states = new Map<string, AccountState>();
    for (const id of accountIds) {
      const aggregate = this.aggregates.get(id);
      const current = this.scores.get(id);
      states.set(id, {
        aggregate: aggregate ? structuredClone(aggregate) : null,
        // A score stored before red flags and standing drivers has neither: none.
        current: current ? withStandingDefaults(structuredClone(current)) : null,
        earlierScore: this.history.get(`${id}|${earlierDay}`)?.score ?? null,
      });
    }
    return states;
  }

  async save(
    next: StoredScore,
    expectedVersion: number | null,
    dueAt = nextDayStart(next.computedAt),
  ): Promise<boolean> {
    // As in DynamoDB: today's point first (not over a newer version's), then the score.
    if (!this.writePoint(next, next.computedAt)) return false;
    const current = this.scores.get(next.accountId);
    const allowed = expectedVersion === null ? !current : current?.version === expectedVersion;
    if (!allowed) return false;
    this.scores.set(next.accountId, structuredClone(next));
    this.setDue(next.accountId, dueAt, next.computedAt);
    return true;
  }

  async keep(current: StoredScore, now: number, dueAt: number): Promise<boolean> {
    if (this.scores.get(current.accountId)?.version !== current.version) return false;
    this.setDue(current.accountId, dueAt, now);
    this.writePoint(current, now);
    return true;
  }

  private setDue(accountId: string, at: number, lookedAt: number) {
    this.dueAt.set(accountId, at);
    if (inDueIndex(at, lookedAt)) this.indexedDue.add(accountId);
    else this.indexedDue.delete(accountId);
  }

  /** Today's history point of `score` as of `at`; false when a newer version wrote it. */
  private writePoint(score: StoredScore, at: number): boolean {
    const key = `${score.accountId}|${isoDay(at)}`;
    if ((this.history.get(key)?.version ?? 0) > score.version) return false;
    this.history.set(key, {
      score: score.score,
      tier: score.tier,
      computedAt: at,
      version: score.version,
    });
    return true;
  }

  async clearOutbox(accountId: string, version: number): Promise<void> {
    const current = this.scores.get(accountId);
    // A newer score replaced this one (and its outbox) meanwhile: nothing to clear.
    if (current?.version === version) this.scores.set(accountId, { ...current, outbox: [] });
  }

  async lastSweep() {
    return this.swept;
  }

  async markSwept(sweep: Sweep) {
    this.swept = structuredClone(sweep);
  }

  async *unsweptAccounts(modelVersion: string, now: number, shard: number) {
    const unswept = (s: StoredScore) => {
      const due = this.dueAt.get(s.accountId);
      return due === undefined || due <= now || s.modelVersion !== modelVersion;
    };
    yield* this.paged(
      [...this.scores.values()]
        .filter((s) => unswept(s) && shardOf(s.accountId, this.shards) === shard)
        .map((s) => s.accountId)
        .sort(),
    );
  }

  async *dueAccounts(now: number, shard: number) {
    const due = [...this.dueAt]
      .filter(
        ([id, at]) => this.indexedDue.has(id) && at <= now && shardOf(id, this.shards) === shard,
      )
      .sort(([a, x], [b, y]) => x - y || a.localeCompare(b))
      .map(([id]) => id);
    yield* this.paged(due);
  }

  private *paged(ids: readonly string[]) {
    for (let i = 0; i < ids.length; i += this.pageSize) yield ids.slice(i, i + this.pageSize);
  }
}

/** A stable shard for an id. */
function shardOf(accountId: string, segments: number): number {
  let hash = 0;
  for (let i = 0; i < accountId.length; i++) hash = (hash * 31 + accountId.charCodeAt(i)) >>> 0;
  return hash % segments;
}

/** A score stored before red flags and standing drivers reads as having none (as in DynamoDB). */
function withStandingDefaults(score: StoredScore): StoredScore {
  const partial = score as Partial<Pick<StoredScore, "flags" | "holdingDown">> & StoredScore;
  return { ...score, flags: partial.flags ?? [], holdingDown: partial.holdingDown ?? [] };
}
