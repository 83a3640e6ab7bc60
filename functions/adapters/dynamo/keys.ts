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
