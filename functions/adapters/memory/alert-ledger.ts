/**
 * An in-memory AlertLedger with the DynamoDB ledger's semantics (lease, sent, release), for
 * unit tests of the alerter. `test/integration/alert-ledger.contract.test.ts` holds both to
 * the same contract.
 */
import {
  type AlertClaim,
  AlertInFlightError,
  type AlertLedger,
  type ClaimResult,
  type DeliveryStatus,
} from "../../alerts/deliver-once.ts";

export interface MemoryMarker {
  readonly status: "sending" | DeliveryStatus;
  readonly leaseId?: string;
  readonly leaseUntil?: number;
}

export interface MemoryAlertLedgerOptions {
  readonly leaseMs?: number;
  /** Epoch milliseconds; injectable for tests. */
  readonly now?: () => number;
}

export class MemoryAlertLedger implements AlertLedger {
  readonly markers = new Map<string, MemoryMarker>();
  private readonly leaseMs: number;
  private readonly now: () => number;
  private next = 0;

  constructor(options: MemoryAlertLedgerOptions = {}) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  async claim(eventId: string): Promise<ClaimResult> {
    const now = this.now();
    const marker = this.markers.get(eventId);
    if (marker && marker.status !== "sending")
      return { outcome: "alreadySent", status: marker.status };
    if (marker && (marker.leaseUntil ?? 0) > now) {
      throw new AlertInFlightError(eventId, marker.leaseUntil);
    }
    this.next += 1;
    const claim = { eventId, leaseId: `memory-lease-${this.next}` };
    this.markers.set(eventId, {
      status: "sending",
      leaseId: claim.leaseId,
      leaseUntil: now + this.leaseMs,
    });
    return marker ? { outcome: "abandoned", claim } : { outcome: "claimed", claim };
  }

  async markSent(claim: AlertClaim, status: DeliveryStatus): Promise<void> {
    this.markers.set(claim.eventId, { status });
  }

  async release(claim: AlertClaim): Promise<void> {
    const marker = this.markers.get(claim.eventId);
    if (marker?.status === "sending" && marker.leaseId === claim.leaseId) {
      this.markers.delete(claim.eventId);
    }
  }
}
