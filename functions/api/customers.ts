/**
 * Reading customers' health: one customer's current score with its daily history, and
 * customers listed lowest score first (the ones to look at), of one tier or of all.
 * Use cases over the CustomerReads port.
 */
import { TIERS, type Tier } from "../domain/tiers.ts";
import { isoDay } from "../domain/time.ts";
import type { StoredScore } from "../scoring/score-accounts.ts";

/** One day's snapshot of a customer's score. */
export interface DailyScore {
  readonly day: string;
  readonly score: number | null;
  readonly tier: Tier;
  readonly coverage: number;
  readonly modelVersion: string;
}

/**
 * A place in the listing order: score ascending to the hundredth (no score counts as 0),
 * then account id in UTF-8 byte order. A page starts after the position it is given.
 */
export interface CustomerPosition {
  readonly score: number | null;
  readonly accountId: string;
}

export interface CustomerPage {
  readonly customers: readonly StoredScore[];
  /** Where the next page starts; null when this page is the last. */
  readonly next: CustomerPosition | null;
}

/** Storage port of the customer reads. */
export interface CustomerReads {
  /** The current score, or null when the customer was never scored. */
  currentScore(accountId: string): Promise<StoredScore | null>;
  /** True when events were applied to the customer (it may not be scored yet). */
  hasAggregate(accountId: string): Promise<boolean>;
  /** Daily snapshots from `fromDay` to `toDay` (ISO days, inclusive), oldest first. */
  dailyHistory(accountId: string, fromDay: string, toDay: string): Promise<DailyScore[]>;
  /** Up to `limit` scored customers of `tiers`, in listing order, after `after`. */
  listByScore(
    tiers: readonly Tier[],
    limit: number,
    after: CustomerPosition | null,
  ): Promise<CustomerPage>;
}

export const HISTORY_DAYS = 90;
const DAY_MS = 86_400_000;

export type CustomerView =
  | (Omit<StoredScore, "outbox" | "computedAt"> & {
      readonly computedAt: string;
      readonly history: readonly DailyScore[];
    })
  | {
      readonly accountId: string;
      readonly score: null;
      readonly tier: "unknown";
      readonly pending: "not scored yet";
      readonly history: readonly DailyScore[];
    };

/** A customer's score, components, drivers and 90 days of history; null if unknown. */
export async function getCustomer(
  reads: CustomerReads,
  accountId: string,
  now: number,
): Promise<CustomerView | null> {
  const [current, history] = await Promise.all([
    reads.currentScore(accountId),
    reads.dailyHistory(accountId, isoDay(now - HISTORY_DAYS * DAY_MS), isoDay(now)),
  ]);
  if (current === null) {
    if (!(await reads.hasAggregate(accountId))) return null;
    return { accountId, score: null, tier: "unknown", pending: "not scored yet", history: [] };
  }
  const { outbox: _outbox, ...score } = current;
  return { ...score, computedAt: new Date(score.computedAt).toISOString(), history };
}

/** One line of a customer listing. */
export interface CustomerSummary {
  readonly accountId: string;
  readonly accountName: string | null;
  readonly score: number | null;
  readonly tier: Tier;
  readonly coverage: number;
  readonly topDriver: string | null;
  readonly computedAt: string;
}

/** Customers of `tier` (every tier when absent), lowest score first, a page at a time. */
export async function listCustomers(
  reads: CustomerReads,
  query: { readonly tier?: Tier; readonly limit: number; readonly after: CustomerPosition | null },
): Promise<{ customers: CustomerSummary[]; next: CustomerPosition | null }> {
  const page = await reads.listByScore(query.tier ? [query.tier] : TIERS, query.limit, query.after);
  return {
    customers: page.customers.map((s) => ({
      accountId: s.accountId,
      accountName: s.accountName,
      score: s.score,
      tier: s.tier,
      coverage: s.coverage,
      topDriver: s.drivers[0]?.reason ?? null,
      computedAt: new Date(s.computedAt).toISOString(),
    })),
    next: page.next,
  };
}
