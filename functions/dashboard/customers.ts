/**
 * The customers table (search, filters, sorts, pages) and a customer's page, over the
 * DashboardReads port.
 */

import type { CompiledModel, Model } from "../domain/model.ts";
import type { Tier } from "../domain/tiers.ts";
import { isoDay } from "../domain/time.ts";
import type { CustomerPage, CustomerRow } from "./contract.ts";
import type { DashboardReads } from "./reads.ts";
import type { DashboardRow } from "./summary.ts";

const DAY_MS = 86_400_000;
export const SPARKLINE_DAYS = 30;
export const PAGE_HISTORY_DAYS = 90;
export const PAGE_EVENTS = 20;
export const PAGE_ALERTS = 20;

export const SORTS = ["score", "-score", "mrr", "-mrr", "name", "renewal"] as const;
export type Sort = (typeof SORTS)[number];

/** A place in a listing: the sort it belongs to, the sort value and the account id. */
export interface ListPosition {
  readonly sort: Sort;
  readonly value: number | string | null;
  readonly accountId: string;
}

export interface CustomerQuery {
  /** Prefix of the name or the account id, any case. */
  readonly q?: string;
  readonly tier?: Tier;
  readonly segment?: string;
  readonly owner?: string;
  readonly renewalWithinDays?: number;
  readonly sort: Sort;
  readonly limit: number;
  readonly after: ListPosition | null;
}

export function sortValue(sort: Sort, row: DashboardRow): number | string | null {
  switch (sort) {
    case "score":
    case "-score":
      return row.score;
    case "mrr":
    case "-mrr":
      return row.mrr;
    case "name":
      return row.displayName.toLowerCase();
    case "renewal":
      return row.renewsAt;
  }
}

/** Listing order: by value (descending for `-…`), missing values last, then account id. */
export function comparePositions(
  sort: Sort,
  a: { value: number | string | null; accountId: string },
  b: { value: number | string | null; accountId: string },
): number {
  if (a.value === null || b.value === null) {
    if (a.value !== b.value) return a.value === null ? 1 : -1;
  } else if (a.value !== b.value) {
    const up = a.value < b.value ? -1 : 1;
    return sort.startsWith("-") ? -up : up;
  }
  return a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0;
}

function matches(row: DashboardRow, query: CustomerQuery, now: number): boolean {
  if (query.tier !== undefined && row.tier !== query.tier) return false;
  if (query.segment !== undefined && row.segment !== query.segment) return false;
  if (query.owner !== undefined && row.owner !== query.owner) return false;
  if (query.renewalWithinDays !== undefined) {
    if (row.renewsAt === null) return false;
    const until = Date.parse(row.renewsAt) - now;
    if (until < 0 || until > query.renewalWithinDays * DAY_MS) return false;
  }
  if (query.q !== undefined && query.q !== "") {
    const q = query.q.toLowerCase();
    const hit =
      row.accountId.toLowerCase().startsWith(q) || row.displayName.toLowerCase().startsWith(q);
    if (!hit) return false;
  }
  return true;
}

/** Daily scores of `days` days to `now`, oldest first, null where none. */
async function sparkline(
  reads: DashboardReads,
  accountId: string,
  now: number,
  count: number,
): Promise<(number | null)[]> {
  const days = Array.from({ length: count }, (_, i) => isoDay(now - (count - 1 - i) * DAY_MS));
  const history = await reads.history(accountId, days[0] as string, days[count - 1] as string);
  const byDay = new Map(history.map((h) => [h.day, h.score]));
  return days.map((day) => byDay.get(day) ?? null);
}

const rowView = (row: DashboardRow, spark: (number | null)[]): CustomerRow => ({
  accountId: row.accountId,
  displayName: row.displayName,
  tier: row.tier,
  score: row.score,
  mrr: row.mrr,
  segment: row.segment,
  owner: row.owner,
  renewsAt: row.renewsAt,
  updatedAt: new Date(row.updatedAt).toISOString(),
  sparkline: spark,
});

/** One page of the customers table; `next` is where the following page starts. */
export async function listCustomerRows(
  reads: DashboardReads,
  query: CustomerQuery,
  now: number,
): Promise<{ items: CustomerRow[]; next: ListPosition | null }> {
  const rows = (await reads.rows())
    .filter((row) => matches(row, query, now))
    .map((row) => ({ row, value: sortValue(query.sort, row), accountId: row.accountId }))
    .filter((p) => query.after === null || comparePositions(query.sort, p, query.after) > 0)
    .sort((a, b) => comparePositions(query.sort, a, b));
  const page = rows.slice(0, query.limit);
  const sparks = await Promise.all(
    page.map(({ row }) => sparkline(reads, row.accountId, now, SPARKLINE_DAYS)),
  );
  const last = page[page.length - 1];
  return {
    items: page.map(({ row }, i) => rowView(row, sparks[i] ?? [])),
    next:
      rows.length > query.limit && last
        ? { sort: query.sort, value: last.value, accountId: last.accountId }
        : null,
  };
}

const thresholdsOf = (compiled: CompiledModel, segment: string): Model["tiers"] =>
  (compiled.bySegment.get(segment) ?? compiled.model).tiers;

/** A customer's page; null when it has no score yet. */
export async function getCustomerPage(
  reads: DashboardReads,
  model: CompiledModel,
  accountId: string,
  now: number,
): Promise<CustomerPage | null> {
  const [detail, row, history, events, alerts] = await Promise.all([
    reads.scoreDetail(accountId),
    reads.row(accountId),
    reads.history(accountId, isoDay(now - (PAGE_HISTORY_DAYS - 1) * DAY_MS), isoDay(now)),
    reads.events(accountId, PAGE_EVENTS),
    reads.accountAlerts(accountId, PAGE_ALERTS),
  ]);
  if (detail === null) return null;
  const s = detail.score;
  const byDay = new Map(history.map((h) => [h.day, h.score]));
  const spark = Array.from(
    { length: SPARKLINE_DAYS },
    (_, i) => byDay.get(isoDay(now - (SPARKLINE_DAYS - 1 - i) * DAY_MS)) ?? null,
  );
  const thresholds = thresholdsOf(model, s.segment);
  return {
    accountId,
    displayName: s.accountName ?? accountId,
    tier: s.tier,
    score: s.score,
    mrr: row?.mrr ?? 0,
    segment: s.segment,
    owner: s.owner,
    renewsAt: row?.renewsAt ?? null,
    updatedAt: new Date(s.computedAt).toISOString(),
    sparkline: spark,
    modelVersion: s.modelVersion,
    coverage: s.coverage,
    thresholds: { healthy: thresholds.healthy, atRisk: thresholds.atRisk },
    components: s.components.map((c) => ({
      name: c.name,
      available: c.available,
      normalized: c.normalized,
      weight: c.weight,
      contribution: c.contribution,
    })),
    drivers: s.drivers.map((d) => ({ component: d.component, impact: d.impact, reason: d.reason })),
    holdingDown: detail.holdingDown,
    flags: detail.flags,
    history: history.map((h) => ({
      day: h.day,
      score: h.score,
      tier: h.tier,
      modelVersion: h.modelVersion,
    })),
    events,
    alerts,
  };
}
