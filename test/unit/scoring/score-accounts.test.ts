import { describe, expect, it } from "vitest";
import { MemoryScoreStore } from "../../../functions/adapters/memory/score-store.ts";
import type { HealthEvent } from "../../../functions/events/health-events.ts";
import {
  type EventPublisher,
  type ScoreDeps,
  type StoredScore,
  scoreAccounts,
} from "../../../functions/scoring/score-accounts.ts";
import {
  compiled,
  failingAggregate,
  healthyAggregate,
  healthyScore,
} from "../../support/scores.ts";
import { DAY, NOW } from "../../support/signals.ts";

/** Records published events; fails the next `failures` calls. */
class FakePublisher implements EventPublisher {
  readonly published: HealthEvent[] = [];
  failures = 0;
  /** What the store held for the account when each publish happened. */
  readonly outboxAtPublish: (readonly HealthEvent[])[] = [];
  constructor(private readonly store?: MemoryScoreStore) {}
  async publish(events: readonly HealthEvent[]) {
    const accountId = events[0]?.detail.accountId ?? "";
    this.outboxAtPublish.push(this.store?.scores.get(accountId)?.outbox ?? []);
    if (this.failures > 0) {
      this.failures--;
      throw new Error("bus unavailable (test)");
    }
    this.published.push(...events);
  }
}

/** A healthy customer scored before, now with a canceled subscription: one tier change to decide. */
function customerAboutToChange(store: MemoryScoreStore, accountId = "acct-1") {
  store.aggregates.set(accountId, failingAggregate(accountId));
  const previous: StoredScore = {
    ...healthyScore(accountId, NOW - 3_600_000),
    accountName: null,
    owner: null,
    version: 4,
    inDrop: false,
    outbox: [],
  };
  store.scores.set(accountId, previous);
}

const depsWith = (store: MemoryScoreStore, publisher: EventPublisher): ScoreDeps => ({
  store,
  publisher,
  model: compiled,
});

describe("scoreAccounts outbox", () => {
  it("saves the decided events with the score before publishing them, then clears them", async () => {
    const store = new MemoryScoreStore();
    customerAboutToChange(store);
    const publisher = new FakePublisher(store);

    const result = await scoreAccounts(depsWith(store, publisher), ["acct-1"], NOW);

    expect(result).toMatchObject({ scored: ["acct-1"], written: 1, published: 1 });
    expect(publisher.published.map((e) => e.detail)).toEqual([
      expect.objectContaining({ previousTier: "healthy", alert: "page" }),
    ]);
    const tier = (publisher.published[0]?.detail as { tier: string }).tier;
    expect(["at-risk", "critical"]).toContain(tier);
    // At publish time the events were already durable in the outbox of version 5.
    expect(publisher.outboxAtPublish[0]).toEqual(publisher.published);
    expect(store.scores.get("acct-1")).toMatchObject({ version: 5, tier, outbox: [] });
  });

  it("keeps the events in the outbox when publishing fails, and a later run publishes them once", async () => {
    const store = new MemoryScoreStore();
    customerAboutToChange(store);
    const publisher = new FakePublisher(store);
    publisher.failures = 1;
    const deps = depsWith(store, publisher);

    const failed = await scoreAccounts(deps, ["acct-1"], NOW);

    expect(failed.failed.get("acct-1")?.message).toMatch(/bus unavailable/);
    const pending = store.scores.get("acct-1")?.outbox ?? [];
    expect(pending.map((e) => e.detailType)).toEqual(["HealthTierChanged"]);
    expect(publisher.published).toEqual([]);

    const retried = await scoreAccounts(deps, ["acct-1"], NOW + 60_000);

    expect(retried.failed.size).toBe(0);
    expect(publisher.published).toEqual(pending);
    expect(store.scores.get("acct-1")).toMatchObject({ version: 6, outbox: [] });

    await scoreAccounts(deps, ["acct-1"], NOW + 120_000);
    expect(publisher.published).toHaveLength(1);
  });
});

/** A store where another writer saves a score between every read and write, `times` times. */
class RacingStore extends MemoryScoreStore {
  conflictsLeft: number;
  saves = 0;
  constructor(times: number) {
    super();
    this.conflictsLeft = times;
  }
  override async save(next: StoredScore, expectedVersion: number | null, dueAt?: number) {
    this.saves++;
    if (this.conflictsLeft > 0) {
      this.conflictsLeft--;
      const winner = this.scores.get(next.accountId);
      if (winner) {
        // The other writer scored the customer critical meanwhile.
        this.scores.set(next.accountId, {
          ...winner,
          version: winner.version + 1,
          score: 20,
          tier: "critical",
        });
      }
    }
    return super.save(next, expectedVersion, dueAt);
  }
}

describe("scoreAccounts conflicts", () => {
  it("rereads after losing a race and decides against the winner's score", async () => {
    const store = new RacingStore(1);
    store.aggregates.set("acct-1", healthyAggregate("acct-1"));
    store.scores.set("acct-1", {
      ...healthyScore("acct-1", NOW - 3_600_000),
      accountName: null,
      owner: null,
      version: 4,
      inDrop: false,
      outbox: [],
    });
    const publisher = new FakePublisher();

    const result = await scoreAccounts(depsWith(store, publisher), ["acct-1"], NOW);

    expect(result.scored).toEqual(["acct-1"]);
    expect(store.saves).toBe(2);
    // The winner wrote version 5 (critical); our score is version 6 and healthy again.
    expect(store.scores.get("acct-1")).toMatchObject({ version: 6, tier: "healthy" });
    expect(publisher.published.map((e) => e.detail)).toEqual([
      expect.objectContaining({ previousTier: "critical", tier: "healthy" }),
    ]);
  });

  it("gives up on a customer whose write keeps conflicting, and scores the others", async () => {
    const store = new RacingStore(Number.POSITIVE_INFINITY);
    for (const id of ["acct-busy", "acct-calm"]) {
      store.aggregates.set(id, healthyAggregate(id));
    }
    store.scores.set("acct-busy", {
      ...healthyScore("acct-busy", NOW - 3_600_000),
      accountName: null,
      owner: null,
      version: 1,
      inDrop: false,
      outbox: [],
    });
    // Only the customer with a stored score races (the fake bumps an existing score).
    const result = await scoreAccounts(
      depsWith(store, new FakePublisher()),
      ["acct-busy", "acct-calm"],
      NOW,
    );

    expect(result.scored).toEqual(["acct-calm"]);
    expect(result.failed.get("acct-busy")?.message).toMatch(/kept conflicting/);
    expect(store.scores.get("acct-calm")?.version).toBe(1);
  });
});

describe("scoreAccounts due times and unchanged scores", () => {
  /** A customer whose stored score is what scoring it at `at` gives. */
  async function scoredAt(store: MemoryScoreStore, at: number, accountId = "acct-1") {
    store.aggregates.set(accountId, healthyAggregate(accountId));
    await scoreAccounts(depsWith(store, new FakePublisher()), [accountId], at);
    return store.scores.get(accountId) as StoredScore;
  }

  it("records when each written score is next due: the next day start for a steady customer", async () => {
    const store = new MemoryScoreStore();

    await scoredAt(store, NOW);

    expect(store.dueAt.get("acct-1")).toBe(Date.UTC(2026, 10, 23));
  });

  it("keeps a score that shows the same when asked: no rewrite, only today's point and the due time", async () => {
    const store = new MemoryScoreStore();
    const stored = await scoredAt(store, NOW);
    let saves = 0;
    const save = store.save.bind(store);
    store.save = async (...args) => {
      saves++;
      return save(...args);
    };

    // An instant later the customer scores exactly as stored.
    const result = await scoreAccounts(
      depsWith(store, new FakePublisher()),
      ["acct-1"],
      stored.computedAt + 1,
      { keepUnchanged: true },
    );

    expect(result).toMatchObject({ written: 0, kept: 1, published: 0 });
    expect(saves).toBe(0);
    expect(store.scores.get("acct-1")).toEqual(stored);
    expect(store.dueAt.get("acct-1")).toBe(Date.UTC(2026, 10, 23));
  });

  it("writes a score whose number moved even when asked to keep unchanged ones", async () => {
    const store = new MemoryScoreStore();
    const stored = await scoredAt(store, NOW);

    const result = await scoreAccounts(
      depsWith(store, new FakePublisher()),
      ["acct-1"],
      NOW + 3 * DAY,
      { keepUnchanged: true },
    );

    expect(result).toMatchObject({ written: 1, kept: 0 });
    expect(store.scores.get("acct-1")?.score).not.toBe(stored.score);
    expect(store.scores.get("acct-1")?.version).toBe(2);
  });

  it("writes an unchanged score from new events (without keepUnchanged), as before", async () => {
    const store = new MemoryScoreStore();
    const stored = await scoredAt(store, NOW);

    const result = await scoreAccounts(
      depsWith(store, new FakePublisher()),
      ["acct-1"],
      stored.computedAt + 1,
    );

    expect(result).toMatchObject({ written: 1, kept: 0 });
    expect(store.scores.get("acct-1")?.version).toBe(2);
  });

  it("writes and publishes a tier change even when asked to keep unchanged scores", async () => {
    const store = new MemoryScoreStore();
    customerAboutToChange(store);
    const publisher = new FakePublisher(store);

    const result = await scoreAccounts(depsWith(store, publisher), ["acct-1"], NOW, {
      keepUnchanged: true,
    });

    expect(result).toMatchObject({ written: 1, kept: 0, published: 1 });
    expect(publisher.published.map((e) => e.detailType)).toEqual(["HealthTierChanged"]);
  });

  it("retries a keep that lost to a newer score, and decides against that score", async () => {
    const store = new MemoryScoreStore();
    const stored = await scoredAt(store, NOW);
    const originalKeep = store.keep.bind(store);
    let keeps = 0;
    store.keep = async (current, now, dueAt) => {
      keeps++;
      // A webhook's score lands between the read and this write, once.
      if (keeps === 1) store.scores.set("acct-1", { ...stored, version: 2 });
      return originalKeep(current, now, dueAt);
    };

    const result = await scoreAccounts(
      depsWith(store, new FakePublisher()),
      ["acct-1"],
      stored.computedAt + 1,
      { keepUnchanged: true },
    );

    expect(keeps).toBe(2);
    expect(result).toMatchObject({ scored: ["acct-1"], kept: 1, written: 0 });
    expect(store.scores.get("acct-1")?.version).toBe(2);
  });
});
