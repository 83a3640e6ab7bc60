import { describe, expect, it, vi } from "vitest";
import {
  type AlertLedger,
  type ClaimResult,
  DeliveryOutcomeUnknownError,
  deliverOnce,
} from "../../../functions/alerts/deliver-once.ts";

describe("deliverOnce", () => {
  const claim = { eventId: "evt-1", leaseId: "lease-1" };
  const fakeLedger = (result: ClaimResult) => ({
    claim: vi.fn<AlertLedger["claim"]>(async () => result),
    markSent: vi.fn<AlertLedger["markSent"]>(async () => {}),
    release: vi.fn<AlertLedger["release"]>(async () => {}),
  });

  it("claims, sends and marks sent", async () => {
    // Arrange
    const ledger = fakeLedger({ outcome: "claimed", claim });
    const send = vi.fn(async () => {});
    // Act
    const outcome = await deliverOnce(ledger, "evt-1", send);
    // Assert
    expect(outcome).toBe("delivered");
    expect(ledger.claim).toHaveBeenCalledWith("evt-1");
    expect(send).toHaveBeenCalledOnce();
    expect(ledger.markSent).toHaveBeenCalledWith(claim, "sent");
    expect(ledger.release).not.toHaveBeenCalled();
  });

  it.each([
    "sent",
    "sent-unconfirmed",
  ] as const)("does not send what was already recorded %s", async (status) => {
    const ledger = fakeLedger({ outcome: "alreadySent", status });
    const send = vi.fn(async () => {});

    await expect(deliverOnce(ledger, "evt-1", send)).resolves.toBe("duplicate");
    expect(send).not.toHaveBeenCalled();
    expect(ledger.markSent).not.toHaveBeenCalled();
  });

  it("releases the claim and rethrows when the channel refused the message", async () => {
    const ledger = fakeLedger({ outcome: "claimed", claim });
    const failure = new Error("slack down");

    await expect(deliverOnce(ledger, "evt-1", () => Promise.reject(failure))).rejects.toBe(failure);
    expect(ledger.release).toHaveBeenCalledWith(claim);
    expect(ledger.markSent).not.toHaveBeenCalled();
  });

  it("reports the refusal even when the release fails too", async () => {
    const ledger = fakeLedger({ outcome: "claimed", claim });
    ledger.release.mockRejectedValue(new Error("dynamo down"));
    const failure = new Error("slack down");

    await expect(deliverOnce(ledger, "evt-1", () => Promise.reject(failure))).rejects.toBe(failure);
  });

  it("records a send without an answer as sent-unconfirmed and does not throw", async () => {
    const ledger = fakeLedger({ outcome: "claimed", claim });
    const send = vi.fn(() => Promise.reject(new DeliveryOutcomeUnknownError("no answer in 4 s")));

    await expect(deliverOnce(ledger, "evt-1", send)).resolves.toBe("unconfirmed");
    expect(send).toHaveBeenCalledOnce();
    expect(ledger.markSent).toHaveBeenCalledWith(claim, "sent-unconfirmed");
    expect(ledger.release).not.toHaveBeenCalled();
  });

  it("never sends an alert whose earlier claim was abandoned mid-send", async () => {
    const ledger = fakeLedger({ outcome: "abandoned", claim });
    const send = vi.fn(async () => {});

    await expect(deliverOnce(ledger, "evt-1", send)).resolves.toBe("abandoned");
    expect(send).not.toHaveBeenCalled();
    expect(ledger.markSent).toHaveBeenCalledWith(claim, "sent-unconfirmed");
  });

  it("does not fail a sent message when its outcome cannot be recorded", async () => {
    const ledger = fakeLedger({ outcome: "claimed", claim });
    ledger.markSent.mockRejectedValue(new Error("dynamo down"));
    const onRecordFailed = vi.fn();

    await expect(deliverOnce(ledger, "evt-1", async () => {}, { onRecordFailed })).resolves.toBe(
      "delivered",
    );
    expect(onRecordFailed).toHaveBeenCalledWith(
      expect.objectContaining({ message: "dynamo down" }),
    );
  });
});
