/**
 * The portfolio summary, kept as scores are written (issue 12 item 5): pure rules from one
 * customer's previous dashboard row and its new score to the counters that change.
 *
 * Each customer has a row (tier, score, MRR, segment, owner, the day its score counts in).
 * A score moves the customer's count and MRR from its old tier to its new one, in every
 * scope it belongs to ("all", its segment, its owner, segment and owner together), so the
 * filters read counters too. Per day and scope: the sum and count of each customer's last
 * score that day (the day's average), and the tier moves that day. Counters are only ever
 * changed by the difference between the row before and the row after, so the summary is
 * always the sum of the rows; applying a score version at most once keeps it exact.
 */
import type { Tier } from "../domain/tiers.ts";

/** What a score write tells the dashboard (read from the score item). */
export interface ScoreWritten {
  readonly accountId: string;
  readonly version: number;
  readonly score: number | null;
  readonly tier: Tier;
  readonly computedAt: number;
  readonly accountName: string | null;
  readonly owner: string | null;
  readonly segment: string;
  /** Its red flag, else what holds it down most, else what moved it, in words. */
  readonly reason: string | null;
  readonly inDrop: boolean;
  /**
   * When a rescore last found it showing the same and kept it (epoch ms), if after
   * `computedAt`: it counts in that day's average too.
   */
  readonly lookedAt?: number;
}

/** The customer's subscription as the aggregate knows it when the score is projected. */
export interface Billing {
  readonly mrr: number;
  readonly currency: string | null;
  readonly renewsAt: string | null;
}

/** One customer as the dashboard lists it; the last score version applied. */
export interface DashboardRow {
  readonly accountId: string;
  readonly displayName: string;
  readonly tier: Tier;
  readonly score: number | null;
  readonly mrr: number;
  readonly currency: string | null;
  readonly segment: string;
  readonly owner: string | null;
  readonly renewsAt: string | null;
  readonly reason: string | null;
  readonly inDrop: boolean;
  /** computedAt of the score, epoch ms. */
  readonly updatedAt: number;
  readonly version: number;
  /** The ISO day whose average counts this row's score (when it has one): written or kept. */
  readonly day: string;
}

export const ALL_SCOPE = "all";
export const segmentScope = (segment: string) => `segment:${segment}`;
export const ownerScope = (owner: string) => `owner:${owner}`;
export const segmentOwnerScope = (segment: string, owner: string) =>
  `segment:${segment}|owner:${owner}`;

/** The scope a portfolio filter reads. */
export function scopeOf(filter: { segment?: string; owner?: string }): string {
  if (filter.segment !== undefined && filter.owner !== undefined) {
    return segmentOwnerScope(filter.segment, filter.owner);
  }
  if (filter.segment !== undefined) return segmentScope(filter.segment);
  if (filter.owner !== undefined) return ownerScope(filter.owner);
  return ALL_SCOPE;
}

/** Every scope a row counts in. */
export function scopesOf(row: Pick<DashboardRow, "segment" | "owner">): string[] {
  const scopes = [ALL_SCOPE, segmentScope(row.segment)];
  if (row.owner !== null) {
    scopes.push(ownerScope(row.owner), segmentOwnerScope(row.segment, row.owner));
  }
  return scopes;
}

/** Counter names. */
export const counter = {
  customers: (tier: Tier) => `n:${tier}`,
  mrr: (tier: Tier) => `m:${tier}`,
  scoreSum: "sum",
  scoreCount: "count",
  worse: "worse",
  better: "better",
} as const;

/** Where a counter lives: a scope's totals (`day` null) or one of its days. */
export interface CounterItem {
  readonly scope: string;
  readonly day: string | null;
}

const itemKey = (scope: string, day: string | null) => `${scope}\u0000${day ?? ""}`;

/** Counter changes, summed over any number of transitions; zeros dropped. */
export class SummaryDelta {
  readonly #items = new Map<string, { item: CounterItem; add: Map<string, number> }>();
  /** Filter values and the currency seen (set once, never decremented). */
  readonly segments = new Set<string>();
  readonly owners = new Set<string>();
  currency: string | null = null;

  add(scope: string, day: string | null, name: string, amount: number): void {
    if (amount === 0) return;
    const key = itemKey(scope, day);
    let entry = this.#items.get(key);
    if (!entry) {
      entry = { item: { scope, day }, add: new Map() };
      this.#items.set(key, entry);
    }
    entry.add.set(name, (entry.add.get(name) ?? 0) + amount);
  }

  /** Each item with its non-zero changes. */
  items(): { item: CounterItem; add: ReadonlyMap<string, number> }[] {
    const out: { item: CounterItem; add: ReadonlyMap<string, number> }[] = [];
    for (const { item, add } of this.#items.values()) {
      const nonZero = new Map([...add].filter(([, n]) => Math.abs(n) > 1e-9));
      if (nonZero.size > 0) out.push({ item, add: nonZero });
    }
    return out;
  }

  /** Keys of the items touched (for sizing a transaction). */
  keys(): string[] {
    return this.items().map(({ item }) => itemKey(item.scope, item.day));
  }

  merge(other: SummaryDelta): void {
    for (const { item, add } of other.items()) {
      for (const [name, n] of add) this.add(item.scope, item.day, name, n);
    }
    for (const s of other.segments) this.segments.add(s);
    for (const o of other.owners) this.owners.add(o);
    this.currency = other.currency ?? this.currency;
  }
}

const RANK: Readonly<Record<Tier, number>> = { critical: 0, "at-risk": 1, healthy: 2, unknown: -1 };

/** "worse" or "better" between two known tiers; null for no move or a move to or from unknown. */
export function moveOf(from: Tier, to: Tier): "worse" | "better" | null {
  if (from === to || from === "unknown" || to === "unknown") return null;
  return RANK[to] < RANK[from] ? "worse" : "better";
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The row a score gives, with the billing read for it. */
export function rowOf(score: ScoreWritten, billing: Billing): DashboardRow {
  return {
    accountId: score.accountId,
    displayName: score.accountName ?? score.accountId,
    tier: score.tier,
    score: score.score,
    mrr: billing.mrr,
    currency: billing.currency,
    segment: score.segment,
    owner: score.owner,
    renewsAt: billing.renewsAt,
    reason: score.reason,
    inDrop: score.inDrop,
    updatedAt: score.computedAt,
    version: score.version,
    day: isoDay(Math.max(score.computedAt, score.lookedAt ?? 0)),
  };
}

/**
 * Adds to `delta` what replacing `previous` (null: a customer new to the dashboard) by
 * `next` changes. Applying every row of a customer in order gives the summary of its last.
 */
export function addTransition(
  delta: SummaryDelta,
  previous: DashboardRow | null,
  next: DashboardRow,
): void {
  if (previous) {
    for (const scope of scopesOf(previous)) {
      delta.add(scope, null, counter.customers(previous.tier), -1);
      delta.add(scope, null, counter.mrr(previous.tier), -previous.mrr);
      // A later score the same day replaces the earlier one in that day's average.
      if (previous.day === next.day && previous.score !== null) {
        delta.add(scope, previous.day, counter.scoreSum, -previous.score);
        delta.add(scope, previous.day, counter.scoreCount, -1);
      }
    }
  }
  const move = previous ? moveOf(previous.tier, next.tier) : null;
  for (const scope of scopesOf(next)) {
    delta.add(scope, null, counter.customers(next.tier), 1);
    delta.add(scope, null, counter.mrr(next.tier), next.mrr);
    if (next.score !== null) {
      delta.add(scope, next.day, counter.scoreSum, next.score);
      delta.add(scope, next.day, counter.scoreCount, 1);
    }
    if (move) delta.add(scope, next.day, counter[move], 1);
  }
  delta.segments.add(next.segment);
  if (next.owner !== null) delta.owners.add(next.owner);
  if (next.currency !== null) delta.currency = next.currency;
}

/** True when two rows show the same thing (only the version or time differ): no write needed. */
export function sameView(a: DashboardRow, b: DashboardRow): boolean {
  return (
    a.displayName === b.displayName &&
    a.tier === b.tier &&
    a.score === b.score &&
    a.mrr === b.mrr &&
    a.currency === b.currency &&
    a.segment === b.segment &&
    a.owner === b.owner &&
    a.renewsAt === b.renewsAt &&
    a.reason === b.reason &&
    a.inDrop === b.inDrop &&
    a.day === b.day
  );
}
