import { describe, expect, it } from "vitest";
import { MemoryCustomerReads } from "../../../functions/adapters/memory/customer-reads.ts";
import { listCustomers } from "../../../functions/api/customers.ts";
import { TIERS, type Tier } from "../../../functions/domain/tiers.ts";

/** The tiers each listByScore call asked for. */
function recordingReads() {
  const reads = new MemoryCustomerReads();
  const asked: (readonly Tier[])[] = [];
  const listByScore = reads.listByScore.bind(reads);
  reads.listByScore = (tiers, limit, after) => {
    asked.push(tiers);
    return listByScore(tiers, limit, after);
  };
  return { reads, asked };
}

describe("listCustomers", () => {
  it("lists every tier of the domain's one tier list when no tier is given", async () => {
    const { reads, asked } = recordingReads();

    await listCustomers(reads, { limit: 10, after: null });

    // The domain's list itself, not a copy that could fall behind when a tier is added.
    expect(asked).toEqual([TIERS]);
    expect(asked[0]).toBe(TIERS);
  });

  it("lists only the tier asked for", async () => {
    const { reads, asked } = recordingReads();

    await listCustomers(reads, { tier: "at-risk", limit: 10, after: null });

    expect(asked).toEqual([["at-risk"]]);
  });
});
