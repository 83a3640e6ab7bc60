/**
 * In-memory customer reads, for unit tests and as the reference the DynamoDB reads are
 * checked against (one contract suite runs on both). `save` stores a score the way the
 * score store does: the current score plus that day's snapshot.
 */
import type {
  CustomerPage,
  CustomerPosition,
  CustomerReads,
  DailyScore,
} from "../../api/customers.ts";
import type { Tier } from "../../domain/tiers.ts";
import { isoDay } from "../../domain/time.ts";
import type { StoredScore } from "../../scoring/score-accounts.ts";

/** The listing order of the port: score to the hundredth (none counts as 0), then id bytes. */
function compare(a: CustomerPosition, b: CustomerPosition): number {
  const x = Number((a.score ?? 0).toFixed(2));
  const y = Number((b.score ?? 0).toFixed(2));
  if (x !== y) return x - y;
  return Buffer.compare(Buffer.from(a.accountId), Buffer.from(b.accountId));
}

export class MemoryCustomerReads implements CustomerReads {
  readonly scores = new Map<string, StoredScore>();
  /** Daily snapshots by account, then by ISO day. */
  readonly days = new Map<string, Map<string, DailyScore>>();
  /** Accounts with an aggregate (events applied). */
  readonly aggregates = new Set<string>();

  /** Stores a score and its day's snapshot, as the score function does. */
  save(score: StoredScore): void {
    this.scores.set(score.accountId, score);
    this.aggregates.add(score.accountId);
    const days = this.days.get(score.accountId) ?? new Map<string, DailyScore>();
    const day = isoDay(score.computedAt);
    days.set(day, {
      day,
      score: score.score,
      tier: score.tier,
      coverage: score.coverage,
      modelVersion: score.modelVersion,
    });
    this.days.set(score.accountId, days);
  }

  async currentScore(accountId: string) {
    return this.scores.get(accountId) ?? null;
  }

  async hasAggregate(accountId: string) {
    return this.aggregates.has(accountId);
  }

  async dailyHistory(accountId: string, fromDay: string, toDay: string) {
    return [...(this.days.get(accountId)?.values() ?? [])]
      .filter((d) => d.day >= fromDay && d.day <= toDay)
      .sort((a, b) => (a.day < b.day ? -1 : 1));
  }

  async listByScore(
    tiers: readonly Tier[],
    limit: number,
    after: CustomerPosition | null,
  ): Promise<CustomerPage> {
    const listed = [...this.scores.values()]
      .filter((s) => tiers.includes(s.tier) && (!after || compare(s, after) > 0))
      .sort(compare);
    const customers = listed.slice(0, limit);
    const last = customers[customers.length - 1];
    return {
      customers,
      next: listed.length > limit && last ? { score: last.score, accountId: last.accountId } : null,
    };
  }
}
