/**
 * In-memory CurrentCustomers (the preview's read port), for unit tests and as the reference
 * the DynamoDB adapter is checked against (one contract suite runs on both).
 */
import type { CurrentCustomer, CurrentCustomers } from "../../../lib/preview/preview.ts";
import type { Aggregate } from "../../domain/aggregate.ts";
import type { StoredScore } from "../../scoring/score-accounts.ts";

export class MemoryCurrentCustomers implements CurrentCustomers {
  readonly aggregates = new Map<string, Aggregate>();
  readonly scores = new Map<string, StoredScore>();

  constructor(private readonly pageSize = 100) {}

  async *pages(): AsyncIterable<readonly CurrentCustomer[]> {
    // Like the DynamoDB adapter: pages of scores; a score without an aggregate is skipped.
    const scores = [...this.scores.values()];
    for (let i = 0; i < scores.length; i += this.pageSize) {
      const page: CurrentCustomer[] = [];
      for (const current of scores.slice(i, i + this.pageSize)) {
        const aggregate = this.aggregates.get(current.accountId);
        if (aggregate) page.push({ accountId: current.accountId, aggregate, current });
      }
      if (page.length > 0) yield page;
    }
  }
}
