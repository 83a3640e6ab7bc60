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
} from "../../functions/alerts/deliver-once.ts";

export interface MemoryMarker {
  readonly status: "sending" | "sent";
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
    if (marker?.status === "sent") return { outcome: "alreadySent" };
    if (marker && (marker.leaseUntil ?? 0) > now) {
      throw new AlertInFlightError(eventId, marker.leaseUntil);
    }
    this.next += 1;
    const leaseId = `memory-lease-${this.next}`;
    this.markers.set(eventId, { status: "sending", leaseId, leaseUntil: now + this.leaseMs });
    return { outcome: "claimed", claim: { eventId, leaseId } };
  }

  async markSent(claim: AlertClaim): Promise<void> {
    this.markers.set(claim.eventId, { status: "sent" });
  }

  async release(claim: AlertClaim): Promise<void> {
    const marker = this.markers.get(claim.eventId);
    if (marker?.status === "sending" && marker.leaseId === claim.leaseId) {
      this.markers.delete(claim.eventId);
    }
  }
}
