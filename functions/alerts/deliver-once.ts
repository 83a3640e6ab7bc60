/**
 * One alert, one message. EventBridge delivers at least once and a retried score batch
 * republishes the same event (same deterministic `eventId`), so every channel delivers
 * through `deliverOnce`: claim the alert in a ledger, send, record it as sent.
 *
 * The ledger is a port; its DynamoDB implementation is `adapters/dynamo/alert-ledger.ts`.
 */

/** Another invocation holds a live claim on this alert; retry later. */
export class AlertInFlightError extends Error {
  override readonly name = "AlertInFlightError";
  constructor(
    readonly eventId: string,
    readonly leaseUntil: number | undefined,
  ) {
    super(`alert ${eventId} is being sent by another invocation; retry later`);
  }
}

/** A held claim: proof that this invocation may send the alert. */
export interface AlertClaim {
  readonly eventId: string;
  readonly leaseId: string;
}

export type ClaimResult =
  | { readonly outcome: "claimed"; readonly claim: AlertClaim }
  | { readonly outcome: "alreadySent" };

/** The port: where delivered alerts are recorded, one ledger per channel. */
export interface AlertLedger {
  /** Claims the alert; throws AlertInFlightError while another claim's lease runs. */
  claim(eventId: string): Promise<ClaimResult>;
  /** Records the alert as delivered; later claims answer "alreadySent". */
  markSent(claim: AlertClaim): Promise<void>;
  /** Gives the claim up after a failed delivery, so a retry can claim at once. */
  release(claim: AlertClaim): Promise<void>;
}

export type DeliveryOutcome = "delivered" | "duplicate";

export interface DeliverOnceOptions {
  /** Told when the marker could not be written after a successful send. */
  readonly onMarkFailed?: (error: unknown) => void;
}

/**
 * Runs `send` at most once per event id (given the ledger): claim, send, mark sent. A failed
 * send releases the claim and rethrows, so the caller's retry can try again.
 */
export async function deliverOnce(
  ledger: AlertLedger,
  eventId: string,
  send: () => Promise<void>,
  options: DeliverOnceOptions = {},
): Promise<DeliveryOutcome> {
  const result = await ledger.claim(eventId);
  if (result.outcome === "alreadySent") return "duplicate";
  try {
    await send();
  } catch (error) {
    // If the release fails too, the lease runs out on its own; report the send failure.
    await ledger.release(result.claim).catch(() => undefined);
    throw error;
  }
  try {
    await ledger.markSent(result.claim);
  } catch (error) {
    // The message is out. Throwing would make the retry post it again once the lease
    // expires; not throwing leaves only a rare later redelivery able to repeat it.
    options.onMarkFailed?.(error);
  }
  return "delivered";
}
