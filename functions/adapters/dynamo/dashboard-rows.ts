/**
 * Reading stored dashboard items back (no writes here, so the read function's bundle holds
 * only the reads): rows, and the score and history items in the dashboard's shapes.
 */
import type { DailyScore } from "../../api/customers.ts";
import type { DashboardRow } from "../../dashboard/summary.ts";
import type { Tier } from "../../domain/tiers.ts";

/** A stored row item as the projection sees it. */
export function rowFromItem(item: Record<string, unknown>): DashboardRow {
  return {
    accountId: String(item.accountId),
    displayName: String(item.displayName ?? item.accountId),
    tier: item.tier as DashboardRow["tier"],
    score: typeof item.score === "number" ? item.score : null,
    mrr: Number(item.mrr ?? 0),
    currency: (item.currency as string | null) ?? null,
    segment: String(item.segment ?? ""),
    owner: (item.owner as string | null) ?? null,
    renewsAt: (item.renewsAt as string | null) ?? null,
    reason: (item.reason as string | null) ?? null,
    inDrop: item.inDrop === true,
    updatedAt: Number(item.updatedAt ?? 0),
    version: Number(item.version ?? 0),
    day: String(item.day ?? ""),
  };
}

/** A daily history item. */
export function dayFromItem(item: Record<string, unknown>): DailyScore {
  return {
    day: String(item.sk).slice("DAY#".length),
    score: typeof item.score === "number" ? item.score : null,
    tier: item.tier as Tier,
    coverage: Number(item.coverage ?? 0),
    modelVersion: String(item.modelVersion ?? ""),
  };
}
