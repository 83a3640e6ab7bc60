/**
 * Single-table key layout. Everything about one customer shares `pk = ACCOUNT#id`, so a
 * customer's aggregate, score and history are one Query away.
 *
 * | item            | pk                          | sk              |
 * |-----------------|-----------------------------|-----------------|
 * | aggregate       | ACCOUNT#{accountId}         | AGG, AGG#…, TKT#…, INV#… (aggregate-layout.ts) |
 * | current score   | ACCOUNT#{accountId}         | SCORE           |
 * | daily history   | ACCOUNT#{accountId}         | DAY#{yyyy-mm-dd}|
 * | event record    | EVENT#{source}#{eventId}    | EVENT           |
 * | alias           | ALIAS#{kind}#{externalId}   | ALIAS           |
 * | unmatched event | UNMATCHED#{kind}#{externalId}| EVENT#{source}#{eventId} |
 */
/** The aggregate's state item; its other items are listed in aggregate-layout.ts. */
export const AGGREGATE_SK = "AGG";
export const SCORE_SK = "SCORE";
export const EVENT_SK = "EVENT";
export const ALIAS_SK = "ALIAS";

export const accountPk = (accountId: string) => `ACCOUNT#${accountId}`;
export const accountIdFromPk = (pk: string) => pk.slice("ACCOUNT#".length);
export const daySk = (isoDay: string) => `DAY#${isoDay}`;
export const eventPk = (source: string, eventId: string) => `EVENT#${source}#${eventId}`;
export const aliasPk = (kind: string, externalId: string) => `ALIAS#${kind}#${externalId}`;
export const unmatchedPk = (kind: string, externalId: string) => `UNMATCHED#${kind}#${externalId}`;

/** GSI listing current scores by tier, ordered by score ascending. */
export const TIER_INDEX = "byTier";
export const tierPk = (tier: string) => `TIER#${tier}`;
/** Zero-padded so that string order is score order; unknown scores sort first. */
export const tierSk = (score: number | null, accountId: string) =>
  `${score === null ? "000.00" : score.toFixed(2).padStart(6, "0")}#${accountId}`;

/**
 * Sparse GSI of the score items due again within the day they were looked at, or looked at
 * in its last minutes (`dueAt`, epoch ms, a number; `duePk` is set only then: due.ts
 * `inDueIndex`), KEYS_ONLY: the rescore queries each shard for `dueAt <= now`. A score due
 * at the next day start, as most are, stays out of it, so moving that due time every day
 * writes nothing to the index: the day's sweep finds it. Shards give the rescore's parallel
 * readers (and the sweep's Scan segments) one each.
 */
export const DUE_INDEX = "byDue";
export const DUE_SHARDS = 4;
/** A customer's shard of the due index: a stable hash of its id. */
export function dueShard(accountId: string): number {
  let hash = 0;
  for (let i = 0; i < accountId.length; i++) hash = (hash * 31 + accountId.charCodeAt(i)) >>> 0;
  return hash % DUE_SHARDS;
}
export const duePk = (shard: number) => `DUE#${shard}`;
/** The rescore's record of its last complete sweep: model and time (one small item). */
export const SWEEP_KEY = { pk: "RESCORE", sk: "MODEL_SWEPT" } as const;

/** GSI listing every unmatched event, oldest first. */
export const UNMATCHED_INDEX = "unmatched";
export const UNMATCHED_GSI_PK = "UNMATCHED";
/** Sort key of an unmatched event in that GSI: time received, then the event's own key. */
export const unmatchedSk = (receivedAt: number, source: string, eventId: string) =>
  `${new Date(receivedAt).toISOString()}#${source}#${eventId}`;

export const TTL_ATTRIBUTE = "expiresAt";

/** GSI of applied event records by account, in event time order: the event log replay reads. */
export const EVENT_LOG_INDEX = "eventLog";
export const eventLogKeys = (
  accountId: string,
  record: { readonly occurredAt: number; readonly source: string; readonly eventId: string },
) => ({
  logPk: accountPk(accountId),
  logSk: `${new Date(record.occurredAt).toISOString()}#${record.source}#${record.eventId}`,
});
