/**
 * The contract of the preview's CurrentCustomers port: one suite, run against the
 * in-memory store (unit) and the DynamoDB adapter on DynamoDB Local (integration).
 */
import { describe, expect, it } from "vitest";
import { type Aggregate, aggregateOf } from "../../functions/domain/aggregate.ts";
import { defaultModel } from "../../functions/domain/model.default.ts";
import { compileModel } from "../../functions/domain/model.ts";
import { score } from "../../functions/domain/score.ts";
import type { StoredScore } from "../../functions/scoring/score-accounts.ts";
import type { CurrentCustomers } from "../../lib/preview/preview.ts";
import { dailyUsage, NOW, signal } from "./signals.ts";

export interface CurrentCustomersHarness {
  /** A fresh, empty store read in pages of `pageSize`. */
  store(pageSize: number): Promise<{
    readonly customers: CurrentCustomers;
    putAggregate(aggregate: Aggregate): Promise<void>;
    putScore(score: StoredScore): Promise<void>;
  }>;
}

const compiled = compileModel(defaultModel);

function customer(accountId: string, perDay: number) {
  const aggregate = aggregateOf(accountId, [
    ...dailyUsage(15, perDay).map((s) => ({ ...s, accountId })),
    {
      ...signal({ kind: "subscription", status: "active", mrr: 9_900, seats: 3 }, 20),
      accountId,
    },
  ]);
  const current: StoredScore = {
    ...score(aggregate, compiled, null, NOW),
    version: 1,
    inDrop: false,
    accountName: null,
    owner: null,
    outbox: [],
  };
  return { aggregate, current };
}

export function currentCustomersContract(name: string, harness: CurrentCustomersHarness) {
  describe(`CurrentCustomers contract (${name})`, () => {
    it("lists every scored customer once, in pages, with its aggregate and current score", async () => {
      const { customers, putAggregate, putScore } = await harness.store(2);
      const all = ["a-1", "a-2", "a-3", "a-4", "a-5"].map((id, i) => customer(id, 2 + i * 3));
      for (const c of all) {
        await putAggregate(c.aggregate);
        await putScore(c.current);
      }
      const seen = [];
      let pages = 0;
      for await (const page of customers.pages()) {
        pages++;
        expect(page.length).toBeLessThanOrEqual(2);
        seen.push(...page);
      }
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(seen.map((c) => c.accountId).sort()).toEqual(["a-1", "a-2", "a-3", "a-4", "a-5"]);
      for (const c of seen) {
        const original = all.find((o) => o.current.accountId === c.accountId);
        expect(c.current.score).toBe(original?.current.score);
        expect(c.current.tier).toBe(original?.current.tier);
        expect(c.current.computedAt).toBe(NOW);
        // The aggregate read back scores exactly as the stored one did.
        expect(score(c.aggregate, compiled, null, NOW).score).toBe(original?.current.score);
      }
    });

    it("leaves out a score without an aggregate and an aggregate without a score", async () => {
      const { customers, putAggregate, putScore } = await harness.store(10);
      const scored = customer("b-scored", 5);
      await putAggregate(scored.aggregate);
      await putScore(scored.current);
      await putScore(customer("b-no-aggregate", 5).current);
      await putAggregate(customer("b-never-scored", 5).aggregate);
      const ids = [];
      for await (const page of customers.pages()) ids.push(...page.map((c) => c.accountId));
      expect(ids).toEqual(["b-scored"]);
    });
  });
}
