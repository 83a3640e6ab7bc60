/**
 * In-memory implementation of the scoring ports (ScoreStore, StaleScores), with the same
 * semantics as the DynamoDB adapter (the contract suite in
 * test/integration/score-store-contract.test.ts runs against both): versioned conditional
 * writes, the outbox cleared only for the version it belongs to, one history snapshot per
 * day, stale scores listed in disjoint segments, page by page. Values are copied in and out,
 * so a caller never shares state with the store.
 */
import {
  type Aggregate,
  type AggregateUpdate,
  applyUpdate,
  emptyAggregate,
} from "../../domain/aggregate.ts";
import { isoDay } from "../../domain/time.ts";
import type { StaleScores } from "../../scoring/rescore.ts";
import type { AccountState, ScoreStore, StoredScore } from "../../scoring/score-accounts.ts";

const DAY_MS = 86_400_000;

interface DaySnapshot {
  readonly score: number | null;
  readonly tier: StoredScore["tier"];
  readonly computedAt: number;
}

export class MemoryScoreStore implements ScoreStore, StaleScores {
  readonly aggregates = new Map<string, Aggregate>();
  readonly scores = new Map<string, StoredScore>();
  /** Daily snapshots by `accountId|yyyy-mm-dd`. */
  readonly history = new Map<string, DaySnapshot>();

  /** @param pageSize ids per page of `staleAccounts`, small enough for tests to see paging */
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

  async save(next: StoredScore, expectedVersion: number | null): Promise<boolean> {
    const current = this.scores.get(next.accountId);
    const allowed = expectedVersion === null ? !current : current?.version === expectedVersion;
    if (!allowed) return false;
    this.scores.set(next.accountId, structuredClone(next));
    this.history.set(`${next.accountId}|${isoDay(next.computedAt)}`, {
      score: next.score,
      tier: next.tier,
      computedAt: next.computedAt,
    });
    return true;
  }

  async clearOutbox(accountId: string, version: number): Promise<void> {
    const current = this.scores.get(accountId);
    // A newer score replaced this one (and its outbox) meanwhile: nothing to clear.
    if (current?.version === version) this.scores.set(accountId, { ...current, outbox: [] });
  }

  async *staleAccounts(cutoff: number, segment: number, segments: number) {
    const stale = [...this.scores.values()]
      .filter((s) => s.computedAt < cutoff && segmentOf(s.accountId, segments) === segment)
      .map((s) => s.accountId)
      .sort();
    for (let i = 0; i < stale.length; i += this.pageSize) {
      yield stale.slice(i, i + this.pageSize);
    }
  }
}

/** A stable segment for an id, as DynamoDB spreads items over a parallel Scan's segments. */
function segmentOf(accountId: string, segments: number): number {
  let hash = 0;
  for (let i = 0; i < accountId.length; i++) hash = (hash * 31 + accountId.charCodeAt(i)) >>> 0;
  return hash % segments;
}

/** A score stored before red flags and standing drivers reads as having none (as in DynamoDB). */
function withStandingDefaults(score: StoredScore): StoredScore {
  const partial = score as Partial<Pick<StoredScore, "flags" | "holdingDown">> & StoredScore;
  return { ...score, flags: partial.flags ?? [], holdingDown: partial.holdingDown ?? [] };
}
