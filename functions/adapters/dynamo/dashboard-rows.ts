/**
 * Reading stored dashboard items back (no writes here, so the read function's bundle holds
 * only the reads): rows, and the score and history items in the dashboard's shapes.
 */
import type { DailyScore } from "../../api/customers.ts";
import type { DashboardRow } from "../../dashboard/summary.ts";
import type { Tier } from "../../domain/tiers.ts";
import type { StoredScore } from "../../scoring/score-accounts.ts";
import { accountIdFromPk } from "./keys.ts";

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

/** A score item as the customer page reads it (the fields of score-store.ts's toStoredScore). */
export function scoreFromItem(item: Record<string, unknown>): StoredScore {
  return {
    accountId: accountIdFromPk(String(item.pk)),
    score: typeof item.score === "number" ? item.score : null,
    tier: item.tier as Tier,
    components: (item.components as StoredScore["components"]) ?? [],
    coverage: Number(item.coverage ?? 0),
    drivers: (item.drivers as StoredScore["drivers"]) ?? [],
    modelVersion: String(item.modelVersion ?? ""),
    segment: String(item.segment ?? ""),
    computedAt: Number(item.computedAt ?? 0),
    version: Number(item.version ?? 0),
    inDrop: item.inDrop === true,
    accountName: (item.accountName as string | null) ?? null,
    owner: (item.owner as string | null) ?? null,
    outbox: [],
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
