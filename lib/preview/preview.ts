/**
 * The preview use case: score every current customer with a candidate model and say what
 * would change, writing nothing. Each customer is rescored at the instant of its stored
 * score (the same decay, the same day), with its stored score as the previous one (the
 * tier hysteresis the next rescore would apply), so every difference is the model's.
 */
import type { Aggregate } from "../../functions/domain/aggregate.ts";
import type { CompiledModel } from "../../functions/domain/model.ts";
import { type PreviousScore, score } from "../../functions/domain/score.ts";
import type { Tier } from "../../functions/domain/tiers.ts";

/** A customer as stored now: its aggregate and its current score. */
export interface CurrentCustomer {
  readonly accountId: string;
  readonly aggregate: Aggregate;
  readonly current: PreviousScore & { readonly computedAt: number; readonly modelVersion: string };
}

/** Read-only port: every customer with a current score, page by page. */
export interface CurrentCustomers {
  pages(): AsyncIterable<readonly CurrentCustomer[]>;
}

export interface CustomerChange {
  readonly accountId: string;
  readonly fromTier: Tier;
  readonly toTier: Tier;
  readonly fromScore: number | null;
  readonly toScore: number | null;
}

/** Rescores one customer with the candidate. */
export function previewCustomer(
  customer: CurrentCustomer,
  candidate: CompiledModel,
): CustomerChange {
  const { current } = customer;
  const next = score(customer.aggregate, candidate, current, current.computedAt);
  return {
    accountId: customer.accountId,
    fromTier: current.tier,
    toTier: next.tier,
    fromScore: current.score,
    toScore: next.score,
  };
}

/** Every customer's change, in the order the store gives them. */
export async function previewModel(
  customers: CurrentCustomers,
  candidate: CompiledModel,
): Promise<CustomerChange[]> {
  const changes: CustomerChange[] = [];
  for await (const page of customers.pages()) {
    for (const customer of page) changes.push(previewCustomer(customer, candidate));
  }
  return changes;
}
