/** Factories for aggregates and scores in the scoring tests. */
import { type Aggregate, aggregateOf } from "../../functions/domain/aggregate.ts";
import { type HealthScore, score } from "../../functions/domain/score.ts";
import { dailyUsage, NOW, signal } from "./signals.ts";
import { testCompiled } from "./test-model.ts";

/** The scoring tests' own model, so that editing the default model breaks none of them. */
export const compiled = testCompiled;

/** Three weeks of daily use and an active subscription: scores healthy at NOW. */
export function healthyAggregate(accountId = "acct-1"): Aggregate {
  return aggregateOf(accountId, [
    ...dailyUsage(20, 20).map((s) => ({ ...s, accountId })),
    signal({ kind: "subscription", status: "active", mrr: 50_000, seats: 10 }, 40, {
      accountId,
    }),
  ]);
}

/** A customer who stopped using the product weeks ago and canceled yesterday: scores low. */
export function failingAggregate(accountId = "acct-1"): Aggregate {
  return aggregateOf(accountId, [
    ...dailyUsage(10, 20, 25).map((s) => ({ ...s, accountId })),
    signal({ kind: "subscription", status: "canceled", mrr: 0, seats: 10 }, 1, { accountId }),
  ]);
}

export const healthyScore = (accountId = "acct-1", now = NOW): HealthScore =>
  score(healthyAggregate(accountId), compiled, null, now);

export const criticalScore = (accountId = "acct-1"): HealthScore => ({
  ...healthyScore(accountId),
  score: 20,
  tier: "critical",
});

export const label = { accountName: "Acme", owner: "jane@acme.com" } as const;
