/**
 * The DynamoDB-stream side of the dashboard: a batch of stream records (score items and
 * event records, as the dashboard stream filter passes them) becomes the changes the
 * projection use case takes, each score with the alerts its outbox decided.
 */
import type { AttributeValue, DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import { eventLine } from "../../dashboard/event-text.ts";
import {
  type AlertRecord,
  type LiveFeed,
  type ProjectionResult,
  type ProjectionStore,
  projectChanges,
  type StreamChange,
} from "../../dashboard/project.ts";
import type { ScoreWritten } from "../../dashboard/summary.ts";
import type { Tier } from "../../domain/tiers.ts";
import { DETAIL_TYPES } from "../../events/health-events.ts";
import { accountIdFromPk, EVENT_SK, SCORE_SK } from "./keys.ts";
import { explanationOf } from "./score-item.ts";

/** A stream image's attribute as a plain value (the document client's shapes). */
export function fromAttribute(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.M !== undefined) return fromImage(value.M);
  if (value.L !== undefined) return value.L.map(fromAttribute);
  if (value.SS !== undefined) return new Set(value.SS);
  if (value.NS !== undefined) return new Set(value.NS.map(Number));
  return undefined;
}

export function fromImage(image: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(image)) out[key] = fromAttribute(value);
  return out;
}

interface Reasoned {
  readonly reason?: unknown;
}
const firstReason = (list: unknown): string | null => {
  if (!Array.isArray(list)) return null;
  const reason = (list[0] as Reasoned | undefined)?.reason;
  return typeof reason === "string" ? reason : null;
};

/** What the dashboard reads from a score item (flags and holdingDown may be absent: older scores). */
export function scoreWrittenOf(item: Record<string, unknown>): ScoreWritten {
  const { flags, holdingDown, drivers } = explanationOf(item);
  return {
    accountId: accountIdFromPk(String(item.pk)),
    version: Number(item.version ?? 0),
    score: typeof item.score === "number" ? item.score : null,
    tier: item.tier as Tier,
    computedAt: Number(item.computedAt ?? 0),
    accountName: typeof item.accountName === "string" ? item.accountName : null,
    owner: typeof item.owner === "string" ? item.owner : null,
    segment: String(item.segment ?? ""),
    reason: (flags[0] ?? holdingDown[0] ?? drivers[0])?.reason ?? null,
    inDrop: item.inDrop === true,
    ...(typeof item.lookedAt === "number" ? { lookedAt: item.lookedAt } : {}),
  };
}

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
const fmt = (n: number | null | undefined) =>
  typeof n === "number" ? String(Math.round(n)) : "no score";

/** The alerts a score's outbox carries (those that go to people: not `none`). */
export function alertsOf(item: Record<string, unknown>, score: ScoreWritten): AlertRecord[] {
  const outbox = Array.isArray(item.outbox) ? (item.outbox as Record<string, unknown>[]) : [];
  const alerts: AlertRecord[] = [];
  for (const event of outbox) {
    const detail = event.detail as Record<string, unknown> | undefined;
    if (!detail || detail.alert === "none") continue;
    const name = String(detail.displayName ?? score.accountId);
    const reason = firstReason(detail.drivers);
    const base = {
      eventId: String(detail.eventId),
      at: String(detail.occurredAt),
      accountId: score.accountId,
      displayName: name,
    };
    if (event.detailType === DETAIL_TYPES.tierChanged) {
      const previous = detail.previousTier as Tier;
      const tier = detail.tier as Tier;
      const change =
        typeof detail.score === "number" && typeof detail.previousScore === "number"
          ? ` (${signed(Math.round(detail.score - detail.previousScore))})`
          : "";
      alerts.push({
        ...base,
        kind: "tier",
        previousTier: previous,
        tier,
        score: typeof detail.score === "number" ? detail.score : null,
        text: `${name}: ${previous} → ${tier}, score ${fmt(detail.score as number)}${change}${reason ? `: ${reason}` : ""}`,
      });
    } else if (event.detailType === DETAIL_TYPES.scoreDropped) {
      alerts.push({
        ...base,
        kind: "drop",
        previousTier: null,
        tier: score.tier,
        score: typeof detail.toScore === "number" ? detail.toScore : score.score,
        text: `${name}: score dropped ${fmt(detail.fromScore as number)} → ${fmt(detail.toScore as number)} in ${detail.windowDays} days${reason ? `: ${reason}` : ""}`,
      });
    } else {
      // A detail type added later (e.g. a red flag raised): shown with what it says.
      alerts.push({
        ...base,
        kind: "flag",
        previousTier: (detail.previousTier as Tier | undefined) ?? null,
        tier: (detail.tier as Tier | undefined) ?? score.tier,
        score: score.score,
        text: `${name}: ${reason ?? String(event.detailType)}`,
      });
    }
  }
  return alerts;
}

/** The changes a stream batch carries, in order; records of other items are skipped. */
export function streamChanges(records: readonly DynamoDBRecord[]): StreamChange[] {
  const changes: StreamChange[] = [];
  for (const record of records) {
    const image = record.dynamodb?.NewImage;
    if (!image) continue;
    const item = fromImage(image as Record<string, AttributeValue>);
    if (item.sk === SCORE_SK && String(item.pk).startsWith("ACCOUNT#")) {
      const score = scoreWrittenOf(item);
      changes.push({ kind: "score", score, alerts: alertsOf(item, score) });
    } else if (
      item.sk === EVENT_SK &&
      item.status === "applied" &&
      typeof item.accountId === "string"
    ) {
      changes.push({
        kind: "event",
        entry: {
          accountId: item.accountId,
          occurredAt: Number(item.occurredAt ?? 0),
          source: String(item.source),
          eventId: String(item.eventId),
          text: eventLine(item.type, item.signals),
        },
      });
    }
  }
  return changes;
}

/** Projects a stream batch and pushes its scores live; a failed projection retries the batch. */
export async function handleDashboardStream(
  deps: { readonly store: ProjectionStore; readonly live: LiveFeed | null },
  records: readonly DynamoDBRecord[],
  onLiveError: (error: unknown) => void,
): Promise<DynamoDBBatchResponse> {
  const first = records[0]?.dynamodb?.SequenceNumber;
  let result: ProjectionResult;
  try {
    result = await projectChanges(deps.store, streamChanges(records));
  } catch (error) {
    // Nothing is lost by retrying the whole batch: every write is idempotent.
    if (first === undefined) throw error;
    onLiveError(error);
    return { batchItemFailures: [{ itemIdentifier: first }] };
  }
  // Live is best effort: a page that misses a message catches up when it reconnects.
  if (deps.live) await deps.live.send(result.live).catch(onLiveError);
  return { batchItemFailures: [] };
}
