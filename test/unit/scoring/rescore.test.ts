import { describe, expect, it } from "vitest";
import { MemoryScoreStore } from "../../../functions/adapters/memory/score-store.ts";
import { rescoreStale } from "../../../functions/scoring/rescore.ts";
import { compiled, healthyAggregate, healthyScore } from "../../support/scores.ts";
import { NOW } from "../../support/signals.ts";

const HOUR = 3_600_000;

function storeWith(customers: Record<string, number>) {
  const store = new MemoryScoreStore(2);
  for (const [id, computedAt] of Object.entries(customers)) {
    store.aggregates.set(id, healthyAggregate(id));
    store.scores.set(id, {
      ...healthyScore(id, computedAt),
      accountName: null,
      owner: null,
      version: 1,
      inDrop: false,
      outbox: [],
    });
  }
  return store;
}

const publisher = { publish: async () => {} };

describe("rescoreStale", () => {
  it("rescores every customer older than the interval, over all segments and pages", async () => {
    const stale = ["a", "b", "c", "d", "e"];
    const store = storeWith({
      ...Object.fromEntries(stale.map((id) => [id, NOW - 2 * HOUR])),
      fresh: NOW - HOUR / 2,
    });

    const result = await rescoreStale(
      { store, stale: store, publisher, model: compiled },
      { intervalMinutes: 60, segments: 3 },
      NOW,
    );

    expect(result).toMatchObject({ stale: 5, scored: 5, written: 5, failed: 0 });
    for (const id of stale)
      expect(store.scores.get(id)).toMatchObject({ version: 2, computedAt: NOW });
    expect(store.scores.get("fresh")?.version).toBe(1);
  });

  it("starts no new page after the deadline", async () => {
    const store = storeWith({ a: NOW - 2 * HOUR, b: NOW - 2 * HOUR });

    const result = await rescoreStale(
      { store, stale: store, publisher, model: compiled },
      { intervalMinutes: 60, deadline: Date.now() - 1 },
      NOW,
    );

    expect(result).toMatchObject({ stale: 0, scored: 0 });
    expect(store.scores.get("a")?.version).toBe(1);
  });
});
