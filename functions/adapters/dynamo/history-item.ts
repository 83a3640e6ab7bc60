/**
 * The stored form of a daily history point (`DAY#{yyyy-mm-dd}` under the account), one
 * encoding for the score function's snapshot and for a replay's rebuilt days.
 */
import { isoDay } from "../../domain/time.ts";
import type { HistoryPoint } from "../../replay/ports.ts";
import { accountPk, daySk, TTL_ATTRIBUTE } from "./keys.ts";

/** Days a daily history point is kept (TTL), by default. */
export const HISTORY_DAYS = 400;

/** The item of `point`, filed under the UTC day of its `computedAt`, expiring `historyDays` later. */
export function historyItem(
  point: HistoryPoint,
  historyDays: number = HISTORY_DAYS,
): Record<string, unknown> {
  return {
    pk: accountPk(point.accountId),
    sk: daySk(isoDay(point.computedAt)),
    score: point.score,
    tier: point.tier,
    coverage: point.coverage,
    modelVersion: point.modelVersion,
    computedAt: point.computedAt,
    [TTL_ATTRIBUTE]: Math.floor(point.computedAt / 1000) + historyDays * 86_400,
  };
}
