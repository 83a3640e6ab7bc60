/**
 * The alert ledger (port in `alerts/deliver-once.ts`) in the single table: one marker per
 * alert and channel, keyed by the event id:
 *
 * | item          | pk                 | sk      | attributes                                   |
 * |---------------|--------------------|---------|----------------------------------------------|
 * | alert marker  | ALERT#{eventId}    | SLACK   | status, leaseId, leaseUntil, sentAt, expiresAt |
 *
 * `status` is "sending" (claimed, with a short lease), "sent" or "sent-unconfirmed". A claim
 * is a conditional put of "sending". A sent marker (either kind) means: do not send again. A
 * "sending" marker whose lease still runs means another invocation is sending right now:
 * fail with a retryable error. A "sending" marker whose lease ran out belongs to an
 * invocation that stopped mid-send: the put takes it over and reports it "abandoned". After
 * the channel refused a message the claim is deleted, so a retry can send at once.
 */
import { randomUUID } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import {
  type AlertClaim,
  AlertInFlightError,
  type AlertLedger,
  type ClaimResult,
  type DeliveryStatus,
} from "../../alerts/deliver-once.ts";
import { TTL_ATTRIBUTE } from "./keys.ts";

export const ALERT_SLACK_SK = "SLACK";
export const alertPk = (eventId: string) => `ALERT#${eventId}`;

/**
 * Longer than the Slack function's 15 s timeout, so a live invocation never loses its lease;
 * shorter than Lambda's first asynchronous retry (about a minute), so the retry of an
 * invocation that died mid-send finds the lease expired (and records the alert abandoned).
 */
export const DEFAULT_LEASE_MS = 30_000;
/** How long a marker is kept (TTL): far beyond any redelivery or DLQ redrive window. */
export const DEFAULT_MARKER_RETENTION_DAYS = 30;

export interface DynamoAlertLedgerOptions {
  readonly tableName: string;
  /** Sort key of the marker, one per channel; "SLACK" by default. */
  readonly channel?: string;
  readonly leaseMs?: number;
  readonly retentionDays?: number;
  /** Epoch milliseconds; injectable for tests. */
  readonly now?: () => number;
  /** A unique id per claim; injectable for tests. */
  readonly newLeaseId?: () => string;
}

const STATUS_SENDING = "sending";
const SENT_STATUSES: readonly string[] = ["sent", "sent-unconfirmed"] satisfies DeliveryStatus[];
const DAY_MS = 86_400_000;

/** DynamoDB implementation of the alert ledger (document client, single table). */
export class DynamoAlertLedger implements AlertLedger {
  private readonly table: string;
  private readonly channel: string;
  private readonly leaseMs: number;
  private readonly retentionMs: number;
  private readonly now: () => number;
  private readonly newLeaseId: () => string;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    options: DynamoAlertLedgerOptions,
  ) {
    this.table = options.tableName;
    this.channel = options.channel ?? ALERT_SLACK_SK;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.retentionMs = (options.retentionDays ?? DEFAULT_MARKER_RETENTION_DAYS) * DAY_MS;
    this.now = options.now ?? Date.now;
    this.newLeaseId = options.newLeaseId ?? randomUUID;
  }

  async claim(eventId: string): Promise<ClaimResult> {
    const now = this.now();
    const leaseId = this.newLeaseId();
    try {
      const { Attributes: previous } = await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...this.key(eventId),
            eventId,
            status: STATUS_SENDING,
            leaseId,
            leaseUntil: now + this.leaseMs,
            claimedAt: new Date(now).toISOString(),
            // An abandoned claim is cleaned up too.
            [TTL_ATTRIBUTE]: this.expiresAt(now),
          },
          ConditionExpression:
            "attribute_not_exists(pk) OR (#status = :sending AND leaseUntil <= :now)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":sending": STATUS_SENDING, ":now": now },
          // The replaced item, if any: an expired claim of an invocation that stopped.
          ReturnValues: "ALL_OLD",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      const claim = { eventId, leaseId };
      return previous ? { outcome: "abandoned", claim } : { outcome: "claimed", claim };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = error.Item ? rawMarker(error.Item) : await this.read(eventId);
      if (existing && SENT_STATUSES.includes(existing.status)) {
        return { outcome: "alreadySent", status: existing.status as DeliveryStatus };
      }
      throw new AlertInFlightError(eventId, existing?.leaseUntil);
    }
  }

  async markSent(claim: AlertClaim, status: DeliveryStatus): Promise<void> {
    const now = this.now();
    // Unconditional: a sent marker is final whoever's lease sent it.
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key(claim.eventId),
        UpdateExpression:
          "SET #status = :sent, sentAt = :sentAt, #ttl = :ttl REMOVE leaseId, leaseUntil",
        ExpressionAttributeNames: { "#status": "status", "#ttl": TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ":sent": status,
          ":sentAt": new Date(now).toISOString(),
          ":ttl": this.expiresAt(now),
        },
      }),
    );
  }

  async release(claim: AlertClaim): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: this.key(claim.eventId),
          // Only our own unfinished claim: never a newer holder's, never a sent marker.
          ConditionExpression: "#status = :sending AND leaseId = :leaseId",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":sending": STATUS_SENDING, ":leaseId": claim.leaseId },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private key(eventId: string) {
    return { pk: alertPk(eventId), sk: this.channel };
  }

  private expiresAt(nowMs: number): number {
    return Math.floor((nowMs + this.retentionMs) / 1000);
  }

  private async read(eventId: string): Promise<Marker | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: this.key(eventId), ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    return {
      status: String(out.Item.status),
      leaseUntil: typeof out.Item.leaseUntil === "number" ? out.Item.leaseUntil : undefined,
    };
  }
}

interface Marker {
  readonly status: string;
  readonly leaseUntil: number | undefined;
}

/** The exception's item is in raw attribute-value form (the document client leaves it). */
function rawMarker(item: Record<string, { S?: string; N?: string }>): Marker {
  const lease = item.leaseUntil?.N;
  return {
    status: item.status?.S ?? "",
    leaseUntil: lease === undefined ? undefined : Number(lease),
  };
}
