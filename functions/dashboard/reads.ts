/**
 * Storage port of the dashboard's reads: the summary of a scope, the rows, a customer's
 * score, history, event log and alerts, and the alert feed.
 */
import type { DailyScore } from "../api/customers.ts";
import type { StoredScore } from "../scoring/score-accounts.ts";
import type { AlertItem, CustomerPage } from "./contract.ts";
import type { DashboardRow } from "./summary.ts";

/** Counter values of one summary item, by counter name. */
export type Counters = Readonly<Record<string, number>>;

export interface ScopeSummary {
  /** The scope's totals now (empty when nothing was ever counted in it). */
  readonly totals: Counters;
  /** Its days from `fromDay`, by ISO day. */
  readonly days: ReadonlyMap<string, Counters>;
}

export interface FilterValues {
  readonly segments: readonly string[];
  readonly owners: readonly string[];
  readonly currency: string | null;
}

/** A score as the customer page shows it, with the fields newer scores carry. */
export interface ScoreDetail {
  readonly score: StoredScore;
  readonly holdingDown: CustomerPage["holdingDown"];
  readonly flags: CustomerPage["flags"];
}

/** A place in the alert feed (newest first); opaque to callers. */
export type AlertPosition = string;

export interface DashboardReads {
  /** The totals and the days from `fromDay` of one scope: one Query. */
  summary(scope: string, fromDay: string): Promise<ScopeSummary>;
  /** Segments, owners and currency seen. */
  filterValues(): Promise<FilterValues>;
  /** The rows of the lowest-scored customers of each tier, up to `perTier` each. */
  lowestOf(tiers: readonly ("critical" | "at-risk")[], perTier: number): Promise<DashboardRow[]>;
  /** Every customer's row (it may be up to a few seconds old while rows keep changing). */
  rows(): Promise<DashboardRow[]>;
  row(accountId: string): Promise<DashboardRow | null>;
  /** Each customer's score on `day` (its daily snapshot), when it has one. */
  scoresOn(accountIds: readonly string[], day: string): Promise<Map<string, number | null>>;
  history(accountId: string, fromDay: string, toDay: string): Promise<DailyScore[]>;
  scoreDetail(accountId: string): Promise<ScoreDetail | null>;
  events(accountId: string, limit: number): Promise<CustomerPage["events"]>;
  accountAlerts(accountId: string, limit: number): Promise<AlertItem[]>;
  alerts(
    limit: number,
    after: AlertPosition | null,
  ): Promise<{ items: AlertItem[]; next: AlertPosition | null }>;
}
