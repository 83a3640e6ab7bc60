/**
 * One alert, one message. EventBridge delivers at least once, a retried score batch
 * republishes the same event (same deterministic `eventId`) and Lambda retries a failed
 * invocation, so every channel delivers through `deliverOnce`: claim the alert in a ledger,
 * send, record the outcome. The ledger is a port; its DynamoDB implementation is
 * `adapters/dynamo/alert-ledger.ts`.
 *
 * The rule when we cannot know whether a message went out (the request got no answer in
 * time, or an earlier invocation stopped mid-send): record it as "sent-unconfirmed", treat
 * it as delivered, warn, and never send it again. A double message costs the CS team more
 * trust than the rare alert that a timed-out request really lost, and the warning tells ops
 * which alert to check. A message is sent again only after the channel said no.
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

/**
 * Thrown by a sender when the message may or may not have gone out (the request was sent
 * and no answer came in time). `deliverOnce` records the alert and never sends it again.
 */
export class DeliveryOutcomeUnknownError extends Error {
  override readonly name = "DeliveryOutcomeUnknownError";
}

/** How a delivered alert is recorded: confirmed by the channel, or sent without an answer. */
export type DeliveryStatus = "sent" | "sent-unconfirmed";

/** A held claim: proof that this invocation may send the alert. */
export interface AlertClaim {
  readonly eventId: string;
  readonly leaseId: string;
}

export type ClaimResult =
  | { readonly outcome: "claimed"; readonly claim: AlertClaim }
  /** The claim of an invocation that stopped before recording an outcome (its lease ran out). */
  | { readonly outcome: "abandoned"; readonly claim: AlertClaim }
  | { readonly outcome: "alreadySent"; readonly status: DeliveryStatus };

/** The port: where delivered alerts are recorded, one ledger per channel. */
export interface AlertLedger {
  /** Claims the alert; throws AlertInFlightError while another claim's lease runs. */
  claim(eventId: string): Promise<ClaimResult>;
  /** Records the alert as delivered; later claims answer "alreadySent" with this status. */
  markSent(claim: AlertClaim, status: DeliveryStatus): Promise<void>;
  /** Gives the claim up after the channel refused the message, so a retry can claim at once. */
  release(claim: AlertClaim): Promise<void>;
}

/**
 * - delivered: sent now and confirmed;
 * - duplicate: recorded as sent before (confirmed or not): not sent again;
 * - unconfirmed: sent now, but no answer came in time: recorded, not sent again;
 * - abandoned: an earlier invocation stopped while sending it: recorded, not sent again.
 */
export type DeliveryOutcome = "delivered" | "duplicate" | "unconfirmed" | "abandoned";

export interface DeliverOnceOptions {
  /** Told when the outcome could not be recorded (a later claim then finds it abandoned). */
  readonly onRecordFailed?: (error: unknown) => void;
}

/**
 * Runs `send` at most once per event id (given the ledger). A send the channel refused
 * releases the claim and rethrows, so the caller's retry can try again.
 */
export async function deliverOnce(
  ledger: AlertLedger,
  eventId: string,
  send: () => Promise<void>,
  options: DeliverOnceOptions = {},
): Promise<DeliveryOutcome> {
  const result = await ledger.claim(eventId);
  if (result.outcome === "alreadySent") return "duplicate";
  const record = async (status: DeliveryStatus) => {
    // Not thrown: the message may be out, and a marker left "sending" already keeps a later
    // invocation from sending it again (it finds the claim abandoned).
    await ledger.markSent(result.claim, status).catch((error) => options.onRecordFailed?.(error));
  };
  if (result.outcome === "abandoned") {
    await record("sent-unconfirmed");
    return "abandoned";
  }
  try {
    await send();
  } catch (error) {
    if (error instanceof DeliveryOutcomeUnknownError) {
      await record("sent-unconfirmed");
      return "unconfirmed";
    }
    // If the release fails too, the lease runs out and the retry finds the claim abandoned:
    // one lost alert (logged) rather than a risk of two messages.
    await ledger.release(result.claim).catch(() => undefined);
    throw error;
  }
  await record("sent");
  return "delivered";
}
