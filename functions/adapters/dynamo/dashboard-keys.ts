/**
 * Keys of the dashboard's items in the single table (keys.ts holds the scoring ones).
 *
 * | item                         | pk                      | sk                                 |
 * |------------------------------|-------------------------|------------------------------------|
 * | customer row (listing)       | DASHROWS#{0..7}         | {accountId}                        |
 * | portfolio totals of a scope  | DASHSUM#{scope}         | NOW                                |
 * | one day of a scope           | DASHSUM#{scope}         | DAY#{yyyy-mm-dd}                   |
 * | event log line of a customer | ACCOUNT#{accountId}     | FEED#{occurredAt ISO}#{source}#{id}|
 * | alert sent, per customer     | ACCOUNT#{accountId}     | ALERT#{occurredAt ISO}#{eventId}   |
 * | alert sent, feed of all      | DASHALERTS              | {occurredAt ISO}#{eventId}         |
 * | live connection              | WSCONN                  | {connectionId}                     |
 *
 * A scope's totals and its days share a partition, so the portfolio is one Query.
 */
import { createHash } from "node:crypto";

/** Rows are spread over this many partitions, so row writes never meet one partition's limit. */
export const ROW_SHARDS = 8;

export const rowShard = (accountId: string) =>
  createHash("sha1").update(accountId).digest().readUInt32BE(0) % ROW_SHARDS;
export const rowPk = (shard: number) => `DASHROWS#${shard}`;
export const rowKey = (accountId: string) => ({ pk: rowPk(rowShard(accountId)), sk: accountId });
/**
 * Attribute of the "all" scope's item of a day: how many rows the projection wrote that day.
 * A reader keeps the rows it read while that count (and the day) holds.
 */
export const ROW_WRITES = "rowWrites";

export const summaryPk = (scope: string) => `DASHSUM#${scope}`;
export const SUMMARY_NOW_SK = "NOW";
export const summaryDaySk = (day: string) => `DAY#${day}`;

export const FEED_PREFIX = "FEED#";
export const feedSk = (occurredAt: number, source: string, eventId: string) =>
  `${FEED_PREFIX}${new Date(occurredAt).toISOString()}#${source}#${eventId}`;

export const ALERT_PREFIX = "ALERT#";
export const accountAlertSk = (occurredAt: string, eventId: string) =>
  `${ALERT_PREFIX}${occurredAt}#${eventId}`;
export const ALERTS_PK = "DASHALERTS";
export const alertFeedSk = (occurredAt: string, eventId: string) => `${occurredAt}#${eventId}`;

export const CONNECTIONS_PK = "WSCONN";
