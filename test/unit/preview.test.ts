/** The preview use case on the in-memory store: rescoring at the stored instant, model-only differences. */
import { describe, expect, it } from "vitest";
import { MemoryCurrentCustomers } from "../../functions/adapters/memory/current-customers.ts";
import { aggregateOf } from "../../functions/domain/aggregate.ts";
import { compileModel } from "../../functions/domain/model.ts";
import { score } from "../../functions/domain/score.ts";
import { previewModel } from "../../lib/preview/preview.ts";
import { DAY, dailyUsage, NOW, signal } from "../support/signals.ts";
import { testModelInput } from "../support/test-model.ts";

const deployed = compileModel(testModelInput());

function store() {
  const customers = new MemoryCurrentCustomers(2);
  const add = (accountId: string, perDay: number, endDaysAgo: number) => {
    const aggregate = aggregateOf(accountId, [
      ...dailyUsage(20, perDay, endDaysAgo).map((s) => ({ ...s, accountId })),
      {
        ...signal({ kind: "subscription", status: "active", mrr: 9_900, seats: 4 }, 40),
        accountId,
      },
    ]);
    // Scored three days before NOW: the preview must rescore at that instant, not now.
    const current = score(aggregate, deployed, null, NOW - 3 * DAY);
    customers.aggregates.set(accountId, aggregate);
    customers.scores.set(accountId, {
      ...current,
      version: 1,
      inDrop: false,
      accountName: null,
      owner: null,
      outbox: [],
    });
  };
  add("busy", 30, 0);
  add("quiet", 2, 0);
  add("fading", 6, 10);
  return customers;
}

describe("previewModel", () => {
  it("finds no change with the model that made the stored scores", async () => {
    const changes = await previewModel(store(), deployed);
    expect(changes).toHaveLength(3);
    for (const c of changes) {
      expect(c.toScore).toBe(c.fromScore);
      expect(c.toTier).toBe(c.fromTier);
    }
  });

  it("reports the candidate's score and tier next to the stored ones", async () => {
    const candidate = compileModel({
      ...testModelInput(),
      version: "strict",
      tiers: { healthy: 99, atRisk: 98, margin: 0 },
      segments: [],
    });
    const changes = await previewModel(store(), candidate);
    for (const c of changes) {
      expect(c.toTier).toBe(
        (c.toScore as number) >= 99
          ? "healthy"
          : (c.toScore as number) >= 98
            ? "at-risk"
            : "critical",
      );
    }
    expect(changes.some((c) => c.fromTier !== c.toTier)).toBe(true);
  });
});
