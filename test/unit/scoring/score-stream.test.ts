import type { DynamoDBRecord } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  accountOfRecord,
  changedAccounts,
  handleScoreStream,
} from "../../../functions/adapters/dynamo/stream-records.ts";
import { MemoryScoreStore } from "../../../functions/adapters/memory/score-store.ts";
import { logger, metrics } from "../../../functions/adapters/powertools.ts";
import type { ScoreDeps, StoredScore } from "../../../functions/scoring/score-accounts.ts";
import {
  BatchHeadFailedError,
  scoreChangedAccounts,
} from "../../../functions/scoring/score-stream.ts";
import { compiled, healthyAggregate } from "../../support/scores.ts";
import { NOW } from "../../support/signals.ts";

/** An id that passes no key limit: 508 × "€" is 1,524 bytes, over a 1,024-byte index key. */
const POISONED = "€".repeat(508);

/** A store that fails the poisoned customer's write as DynamoDB does for an oversized key. */
class PoisonedStore extends MemoryScoreStore {
  override async save(next: StoredScore, expectedVersion: number | null) {
    if (next.accountId === POISONED) {
      throw Object.assign(new Error("Size of hashkey has exceeded the maximum size limit"), {
        name: "ValidationException",
      });
    }
    return super.save(next, expectedVersion);
  }
}

let sequence = 100;
const record = (accountId: string): DynamoDBRecord => {
  sequence += 1;
  return {
    eventID: `e${sequence}`,
    eventName: "MODIFY",
    dynamodb: {
      Keys: { pk: { S: `ACCOUNT#${accountId}` }, sk: { S: "AGG" } },
      SequenceNumber: String(sequence),
    },
  };
};

function setup() {
  const store = new PoisonedStore();
  for (const id of ["good-1", "good-2", "good-3", POISONED]) {
    store.aggregates.set(id, healthyAggregate(id));
  }
  const deps: ScoreDeps = { store, publisher: { publish: async () => {} }, model: compiled };
  const logged = vi.spyOn(logger, "error");
  return { store, deps, logged };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("handleScoreStream", () => {
  it("scores the good customers and reports only the poisoned customer's records, with the cause logged", async () => {
    const { store, deps, logged } = setup();
    const records = [
      record("good-1"),
      record(POISONED),
      record("good-2"),
      record(POISONED),
      record("good-3"),
    ];

    const response = await handleScoreStream(deps, { Records: records }, NOW);

    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: records[1]?.dynamodb?.SequenceNumber },
      { itemIdentifier: records[3]?.dynamodb?.SequenceNumber },
    ]);
    for (const id of ["good-1", "good-2", "good-3"]) {
      expect(store.scores.get(id)?.computedAt).toBe(NOW);
    }
    expect(store.scores.has(POISONED)).toBe(false);
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0]?.[1]).toMatchObject({
      accountId: POISONED,
      sequenceNumbers: [records[1]?.dynamodb?.SequenceNumber, records[3]?.dynamodb?.SequenceNumber],
      error: expect.objectContaining({ name: "ValidationException" }),
    });
  });

  it("throws so Lambda bisects when the poisoned customer leads the batch, after scoring the rest", async () => {
    const { store, deps, logged } = setup();
    const records = [record(POISONED), record("good-1"), record("good-2")];

    await expect(handleScoreStream(deps, { Records: records }, NOW)).rejects.toBeInstanceOf(
      BatchHeadFailedError,
    );

    expect(store.scores.get("good-1")?.computedAt).toBe(NOW);
    expect(store.scores.get("good-2")?.computedAt).toBe(NOW);
    expect(logged.mock.calls[0]?.[1]).toMatchObject({ accountId: POISONED });
  });

  it("scores a customer that cannot be read alone as failed, and the others", async () => {
    const { store, deps } = setup();
    const load = store.load.bind(store);
    vi.spyOn(store, "load").mockImplementation(async (ids, now, windowDays) => {
      if (ids.includes("good-2")) throw new Error("corrupt item (test)");
      return load(ids, now, windowDays);
    });
    const records = [record("good-1"), record("good-2"), record("good-3")];

    const response = await handleScoreStream(deps, { Records: records }, NOW);

    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: records[1]?.dynamodb?.SequenceNumber },
    ]);
    expect(store.scores.get("good-1")?.computedAt).toBe(NOW);
    expect(store.scores.get("good-3")?.computedAt).toBe(NOW);
  });

  it("counts the scores it wrote", async () => {
    const { deps } = setup();
    const added = vi.spyOn(metrics, "addMetric");

    await handleScoreStream(
      deps,
      { Records: [record("good-1"), record("good-2"), record("good-1")] },
      NOW,
    );

    expect(added).toHaveBeenCalledWith("ScoresWritten", "Count", 2);
  });
});

describe("scoreChangedAccounts (the use case: account ids, no stream records)", () => {
  it("scores each changed account once and returns the changes of the failed one", async () => {
    const { store, deps } = setup();
    const changes = [
      { accountId: "good-1", position: "1" },
      { accountId: POISONED, position: "2" },
      { accountId: "good-2", position: "3" },
      { accountId: null, position: "4", label: "no-key" },
    ];

    const failed = await scoreChangedAccounts(deps, changes, NOW);

    expect(failed.map((c) => c.position)).toEqual(["2", "4"]);
    expect(store.scores.get("good-1")?.computedAt).toBe(NOW);
    expect(store.scores.get("good-2")?.computedAt).toBe(NOW);
  });
});

describe("stream records (the adapter)", () => {
  it("reads the account from an ACCOUNT# key, null from any other key", () => {
    expect(accountOfRecord(record("acme#SCORE"))).toBe("acme#SCORE");
    expect(accountOfRecord({ dynamodb: { Keys: { pk: { S: "EVENT#stripe#evt_1" } } } })).toBeNull();
    expect(accountOfRecord({})).toBeNull();
  });

  it("keeps the batch's order, each record's sequence number and event id", () => {
    const records = [record("a"), record("b")];

    expect(changedAccounts({ Records: records })).toEqual([
      {
        accountId: "a",
        position: records[0]?.dynamodb?.SequenceNumber,
        label: records[0]?.eventID,
      },
      {
        accountId: "b",
        position: records[1]?.dynamodb?.SequenceNumber,
        label: records[1]?.eventID,
      },
    ]);
  });
});
