import { describe, expect, it, vi } from "vitest";
import { type AlertLedger, deliverOnce } from "../../../functions/alerts/deliver-once.ts";

describe("deliverOnce", () => {
  const claim = { eventId: "evt-1", leaseId: "lease-1" };
  const fakeLedger = (result: Awaited<ReturnType<AlertLedger["claim"]>>) => ({
    claim: vi.fn(async () => result),
    markSent: vi.fn(async () => {}),
    release: vi.fn(async () => {}),
  });

  it("claims, sends and marks sent", async () => {
    const ledger = fakeLedger({ outcome: "claimed", claim });
    const send = vi.fn(async () => {});

    await expect(deliverOnce(ledger, "evt-1", send)).resolves.toBe("delivered");
    expect(send).toHaveBeenCalledOnce();
    expect(ledger.markSent).toHaveBeenCalledWith(claim);
    expect(ledger.release).not.toHaveBeenCalled();
  });

  it("does not send what was already sent", async () => {
    const ledger = fakeLedger({ outcome: "alreadySent" });
    const send = vi.fn(async () => {});

    await expect(deliverOnce(ledger, "evt-1", send)).resolves.toBe("duplicate");
    expect(send).not.toHaveBeenCalled();
  });

  it("releases the claim and rethrows when the send fails", async () => {
    const ledger = fakeLedger({ outcome: "claimed", claim });
    const failure = new Error("slack down");

    await expect(deliverOnce(ledger, "evt-1", () => Promise.reject(failure))).rejects.toBe(failure);
    expect(ledger.release).toHaveBeenCalledWith(claim);
    expect(ledger.markSent).not.toHaveBeenCalled();
  });

  it("reports the send failure even when the release fails too", async () => {
    const ledger = fakeLedger({ outcome: "claimed", claim });
    ledger.release.mockRejectedValue(new Error("dynamo down"));
    const failure = new Error("slack down");

    await expect(deliverOnce(ledger, "evt-1", () => Promise.reject(failure))).rejects.toBe(failure);
  });

  it("does not fail a sent message when the marker cannot be written", async () => {
    const ledger = fakeLedger({ outcome: "claimed", claim });
    ledger.markSent.mockRejectedValue(new Error("dynamo down"));
    const onMarkFailed = vi.fn();

    await expect(deliverOnce(ledger, "evt-1", async () => {}, { onMarkFailed })).resolves.toBe(
      "delivered",
    );
    expect(onMarkFailed).toHaveBeenCalledWith(expect.objectContaining({ message: "dynamo down" }));
  });
});
