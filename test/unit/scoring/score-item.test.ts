import { describe, expect, it } from "vitest";
import { itemBytes } from "../../../bench/aws-units.ts";
import { accountPk, SCORE_SK } from "../../../functions/adapters/dynamo/keys.ts";
import { toScoreItem, toStoredScore } from "../../../functions/adapters/dynamo/score-item.ts";
import type { StoredScore } from "../../../functions/scoring/score-accounts.ts";

/** A customer gone quiet: every list of the explanation full, as the default model fills it. */
const score: StoredScore = {
  accountId: "northwind-traders-eu-0042",
  score: 48.4,
  tier: "critical",
  components: [
    {
      name: "engagement",
      available: true,
      raw: { volume: 0.49, recency: 15, trend: 0.49 },
      normalized: 36.6,
      weight: 0.692,
      contribution: 25.3,
    },
    { name: "adoption", available: false, raw: {}, normalized: null, weight: 0, contribution: 0 },
    {
      name: "sentiment",
      available: true,
      raw: { nps: -100 },
      normalized: 0,
      weight: 0.077,
      contribution: 0,
    },
    { name: "support", available: false, raw: {}, normalized: null, weight: 0, contribution: 0 },
    {
      name: "financial",
      available: true,
      raw: { refundsDisputes: 0, contraction: 1, status: 100, failedPayments: 0 },
      normalized: 100,
      weight: 0.231,
      contribution: 23.1,
    },
  ],
  coverage: 0.8,
  flags: [
    {
      name: "silent",
      component: "engagement",
      tier: "at-risk",
      reason: "no product usage for 15 days (last on Nov 15)",
    },
  ],
  drivers: [
    { component: "engagement", impact: -2.1, reason: "usage down 51% against the monthly average" },
  ],
  holdingDown: [
    {
      component: "engagement",
      impact: -6.1,
      reason: "no product usage for 15 days (last on Nov 15)",
    },
    {
      component: "engagement",
      impact: -24.8,
      reason: "usage down 51% against the monthly average",
    },
    {
      component: "engagement",
      impact: -13,
      reason: "0.5 usage events per seat per day over the last week",
    },
  ],
  modelVersion: "2026.11.3#340747fde84b",
  segment: "self-serve",
  computedAt: 1_795_998_600_000,
  version: 3,
  inDrop: false,
  accountName: "Northwind Traders Europe",
  owner: "Aisha Okafor",
  outbox: [],
};

/** The score item as the score store writes it, index keys included. */
const withIndexKeys = (item: Record<string, unknown>) => ({
  ...item,
  tierPk: `TIER#${score.tier}`,
  tierSk: `048.40#${score.accountId}`,
  duePk: "DUE#3",
  dueAt: 1_796_083_200_000,
});

/** The same score as items were stored before: every field by name, the account id too. */
function storedBefore(s: StoredScore) {
  const { outbox: _outbox, ...fields } = s;
  return withIndexKeys({ pk: accountPk(s.accountId), sk: SCORE_SK, ...fields });
}

describe("the stored score item", () => {
  it("reads back the score it stored, explanation included", () => {
    expect(toStoredScore(withIndexKeys(toScoreItem(score)))).toEqual(score);
    const pending = {
      ...score,
      outbox: [{ detailType: "tier.changed" }],
    } as unknown as StoredScore;
    expect(toStoredScore(toScoreItem(pending))).toEqual(pending);
  });

  it("reads items stored before, with the explanation as maps, the same", () => {
    expect(toStoredScore(storedBefore(score))).toEqual(score);
  });

  it("keeps a full explanation within one write unit, tier index entry included", () => {
    // An index entry is billed as its item plus 100 bytes, in 1 KB units (DynamoDB).
    expect(itemBytes(withIndexKeys(toScoreItem(score))) + 100).toBeLessThanOrEqual(1024);
    // The same score stored as before did not fit: what the encoding is for.
    expect(itemBytes(storedBefore(score)) + 100).toBeGreaterThan(1024);
  });
});
