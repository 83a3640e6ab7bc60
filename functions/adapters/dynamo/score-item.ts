/**
 * The stored score item read back as the scoring use case sees it. Apart from the store
 * itself so that read-only bundles (API, dashboard, preview) do not carry its writes.
 */
import type { StoredScore } from "../../scoring/score-accounts.ts";
import { accountIdFromPk } from "./keys.ts";

/** The stored score item as the use case sees it. */
export function toStoredScore(item: Record<string, unknown>): StoredScore {
  return {
    accountId: accountIdFromPk(String(item.pk)),
    score: (item.score as number | null) ?? null,
    tier: item.tier as StoredScore["tier"],
    components: (item.components as StoredScore["components"]) ?? [],
    coverage: Number(item.coverage ?? 0),
    drivers: (item.drivers as StoredScore["drivers"]) ?? [],
    // A score stored before red flags and standing drivers has neither: none.
    flags: (item.flags as StoredScore["flags"]) ?? [],
    holdingDown: (item.holdingDown as StoredScore["holdingDown"]) ?? [],
    modelVersion: String(item.modelVersion ?? ""),
    segment: String(item.segment ?? ""),
    computedAt: Number(item.computedAt ?? 0),
    version: Number(item.version ?? 0),
    inDrop: item.inDrop === true,
    accountName: (item.accountName as string | null) ?? null,
    owner: (item.owner as string | null) ?? null,
    outbox: (item.outbox as StoredScore["outbox"]) ?? [],
  };
}
