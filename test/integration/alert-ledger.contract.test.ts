/**
 * The AlertLedger contract, run against the in-memory ledger and the DynamoDB ledger on
 * DynamoDB Local: what the alerter relies on, whichever store holds the markers.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DynamoAlertLedger } from "../../functions/adapters/dynamo/alert-ledger.ts";
import { MemoryAlertLedger } from "../../functions/adapters/memory/alert-ledger.ts";
import {
  type AlertClaim,
  AlertInFlightError,
  type AlertLedger,
  type ClaimResult,
} from "../../functions/alerts/deliver-once.ts";
import { freshTable, testClients } from "../support/dynamo.ts";

interface LedgerOptions {
  readonly leaseMs?: number;
  readonly now?: () => number;
  readonly channel?: string;
}

type MakeLedger = (options?: LedgerOptions) => AlertLedger;

let tableName = "";
beforeAll(async () => {
  ({ tableName } = await freshTable("alert-ledger"));
});

const implementations: [string, MakeLedger][] = [
  ["in memory", (options = {}) => new MemoryAlertLedger(options)],
  [
    "DynamoDB Local",
    (options = {}) => new DynamoAlertLedger(testClients().doc, { tableName, ...options }),
  ],
];

let counter = 0;
/** A fresh event id per test, so the shared DynamoDB table never carries state across tests. */
const freshId = (label: string) => `evt-${label}-${Date.now().toString(36)}-${++counter}`;

function claimOf(result: ClaimResult): AlertClaim {
  if (result.outcome !== "claimed") throw new Error(`expected a claim, got ${result.outcome}`);
  return result.claim;
}

describe.each(implementations)("AlertLedger contract: %s", (_, makeLedger) => {
  it("grants the first claim of an alert", async () => {
    const ledger = makeLedger();
    const eventId = freshId("first");

    const result = await ledger.claim(eventId);

    expect(result).toMatchObject({ outcome: "claimed", claim: { eventId } });
  });

  it("refuses a second claim while the first one's lease runs", async () => {
    const ledger = makeLedger();
    const eventId = freshId("live");
    await ledger.claim(eventId);

    const error = await ledger.claim(eventId).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AlertInFlightError);
    expect(error).toMatchObject({ eventId });
  });

  it.each([
    "sent",
    "sent-unconfirmed",
  ] as const)("answers alreadySent once the alert is marked %s, even long after", async (status) => {
    let now = Date.now();
    const ledger = makeLedger({ now: () => now });
    const eventId = freshId(status);
    await ledger.markSent(claimOf(await ledger.claim(eventId)), status);

    now += 7 * 86_400_000;

    await expect(ledger.claim(eventId)).resolves.toEqual({ outcome: "alreadySent", status });
  });

  it("lets a retry claim at once after the claim is released", async () => {
    const ledger = makeLedger();
    const eventId = freshId("released");
    await ledger.release(claimOf(await ledger.claim(eventId)));

    await expect(ledger.claim(eventId)).resolves.toMatchObject({ outcome: "claimed" });
  });

  it("never releases a sent alert", async () => {
    const ledger = makeLedger();
    const eventId = freshId("sent-release");
    const claim = claimOf(await ledger.claim(eventId));
    await ledger.markSent(claim, "sent");

    await ledger.release(claim);

    await expect(ledger.claim(eventId)).resolves.toEqual({
      outcome: "alreadySent",
      status: "sent",
    });
  });

  it("hands an expired claim to the next caller as abandoned, and the old holder cannot release it", async () => {
    let now = Date.now();
    const ledger = makeLedger({ leaseMs: 1_000, now: () => now });
    const eventId = freshId("lease");
    const stopped = claimOf(await ledger.claim(eventId));

    now += 1_000;
    const takeover = await ledger.claim(eventId);
    await ledger.release(stopped);

    expect(takeover).toMatchObject({ outcome: "abandoned", claim: { eventId } });
    await expect(ledger.claim(eventId)).rejects.toBeInstanceOf(AlertInFlightError);
  });

  it("records an abandoned alert so that no later claim is granted", async () => {
    let now = Date.now();
    const ledger = makeLedger({ leaseMs: 1_000, now: () => now });
    const eventId = freshId("abandoned");
    await ledger.claim(eventId);
    now += 1_000;
    const takeover = await ledger.claim(eventId);
    if (takeover.outcome !== "abandoned")
      throw new Error(`expected abandoned, got ${takeover.outcome}`);

    await ledger.markSent(takeover.claim, "sent-unconfirmed");
    now += 60_000;

    await expect(ledger.claim(eventId)).resolves.toEqual({
      outcome: "alreadySent",
      status: "sent-unconfirmed",
    });
  });

  it("keeps channels apart", async () => {
    const slack = makeLedger({ channel: "SLACK" });
    const email = makeLedger({ channel: "EMAIL" });
    const eventId = freshId("channels");
    await slack.markSent(claimOf(await slack.claim(eventId)), "sent");

    const result = await email.claim(eventId);

    expect(result).toMatchObject({ outcome: "claimed" });
  });
});
