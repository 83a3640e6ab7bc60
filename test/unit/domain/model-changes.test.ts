/**
 * Model changes never lose data (issue 10, item 2): every half-life and every window the
 * model reads stored data with is applied when reading, so a changed setting is scored
 * from the same stored aggregate, with no re-ingest. A customer with steady behaviour
 * keeps its tier under each change within the bounds below, and the stored aggregate
 * reads as the whole history would under the changed model.
 *
 * Bounds: half-lives from half to twice the test model's; windows that read days
 * (`adoption.recentDays`, `financial.contractionLookbackDays`) up to `EXACT_DAYS`, the
 * days kept exact; the others (read from registers or decayed sums) up to a year.
 * `drop.windowDays` is not here: it reads the daily score history, not the aggregate.
 */
import { describe, expect, it } from "vitest";
import {
  decodeAggregate,
  encodeAggregate,
} from "../../../functions/adapters/dynamo/aggregate-layout.ts";
import { type Aggregate, aggregateOf } from "../../../functions/domain/aggregate.ts";
import { readFacts } from "../../../functions/domain/facts.ts";
import { EXACT_DAYS } from "../../../functions/domain/history.ts";
import {
  compileModel,
  InvalidModelError,
  type ModelInput,
} from "../../../functions/domain/model.ts";
import { score } from "../../../functions/domain/score.ts";
import type { Signal, SignalValues } from "../../../functions/domain/signals.ts";
import { DAY, NOW } from "../../support/signals.ts";
import { testCompiled, testModelInput } from "../../support/test-model.ts";

const FEATURES = ["reports", "dashboards", "alerts", "exports"];

let serial = 0;
const at = (values: SignalValues, daysAgo: number): Signal => ({
  accountId: "steady",
  source: "generic",
  sourceEventId: `steady-${++serial}`,
  occurredAt: NOW - daysAgo * DAY,
  values,
});

/**
 * 120 days of a steady customer: 20 reports a day, four features a week, every milestone,
 * an active subscription of 100.00 paid monthly, an NPS 9 every month, a ticket a month
 * solved two days later.
 */
function steadyCustomer(): Signal[] {
  const signals: Signal[] = [
    at({ kind: "milestone", name: "account_created" }, 120),
    at({ kind: "milestone", name: "integration_connected" }, 118),
    at({ kind: "milestone", name: "first_report" }, 117),
    at({ kind: "milestone", name: "team_invited" }, 115),
    at({ kind: "profile", seats: 10, plan: "pro", name: "Steady Co" }, 120),
    at(
      {
        kind: "subscription",
        status: "active",
        mrr: 10_000,
        seats: 10,
        plan: "pro",
        renewsAt: NOW + 200 * DAY,
      },
      120,
    ),
  ];
  for (let ago = 0; ago < 120; ago++) {
    signals.push(at({ kind: "usage", event: "report_viewed", count: 20 }, ago + 0.1));
    if (ago % 7 === 0) {
      for (const feature of FEATURES)
        signals.push(at({ kind: "feature_used", feature }, ago + 0.2));
    }
    if (ago % 30 === 5) {
      signals.push(at({ kind: "payment_succeeded", invoiceId: `in_${ago}` }, ago));
      signals.push(at({ kind: "nps", score: 9 }, ago + 1));
      signals.push(
        at({ kind: "ticket_opened", ticketId: `t_${ago}`, priority: "normal" }, ago + 3),
      );
      signals.push(at({ kind: "ticket_solved", ticketId: `t_${ago}` }, ago + 1));
    }
  }
  return signals;
}

/** What is stored for these signals at NOW, read back: folded months, exact days, state. */
const storedOf = (signals: readonly Signal[]): Aggregate => {
  const agg = aggregateOf("steady", signals);
  return decodeAggregate("steady", encodeAggregate(agg, NOW));
};

const steady = steadyCustomer();
const unbounded = aggregateOf("steady", steady);
const stored = storedOf(steady);

/** The test model with one setting changed. */
function changed(edit: (model: ModelInput) => void) {
  const input = testModelInput();
  edit(input);
  return compileModel(input);
}

type Change = readonly [string, (model: ModelInput, value: number) => void, readonly number[]];

const half = (base: number) => [base / 2, (base * 3) / 4, (base * 3) / 2, base * 2];
const decay = testModelInput().decay;
const HALF_LIFE_CHANGES: readonly Change[] = (Object.keys(decay) as (keyof typeof decay)[]).map(
  (key) => [`decay.${key}`, (m, v) => Object.assign(m.decay, { [key]: v }), half(decay[key])],
);

const WINDOW_CHANGES: readonly Change[] = [
  [
    "adoption.recentDays",
    (m, v) => Object.assign(m.components.adoption, { recentDays: v }),
    [7, 14, 60, EXACT_DAYS],
  ],
  [
    "financial.contractionLookbackDays",
    (m, v) => Object.assign(m.components.financial, { contractionLookbackDays: v }),
    [1, 30, 60, EXACT_DAYS],
  ],
  [
    "financial.failedPaymentWindowDays",
    (m, v) => Object.assign(m.components.financial, { failedPaymentWindowDays: v }),
    [1, 7, 90, 365],
  ],
  [
    "financial.renewalWindowDays",
    (m, v) => Object.assign(m.components.financial, { renewalWindowDays: v }),
    [1, 7, 90, 365],
  ],
  [
    "redFlags.dispute.when.disputeWithinDays",
    (m, v) => Object.assign(m.redFlags?.dispute?.when ?? {}, { disputeWithinDays: v }),
    [1, 30, 180, 365],
  ],
  [
    "redFlags.silent.when.minDaysSilent",
    (m, v) =>
      Object.assign(m.redFlags ?? {}, { silent: { tier: "at-risk", when: { minDaysSilent: v } } }),
    [1, 3, 30, 365],
  ],
  [
    "redFlags.mrrDrop.when.minMrrDrop (reads the contraction lookback)",
    (m, v) =>
      Object.assign(m.redFlags ?? {}, { mrrDrop: { tier: "at-risk", when: { minMrrDrop: v } } }),
    [0.01, 0.3, 1],
  ],
];

describe("a model change on the stored aggregate", () => {
  const baseline = score(stored, testCompiled, null, NOW);

  it("starts from a healthy steady customer, scored from its stored (folded) aggregate", () => {
    expect(stored.months.size).toBeGreaterThan(0);
    expect(baseline.tier).toBe("healthy");
    expect(baseline.score).toBe(score(unbounded, testCompiled, null, NOW).score);
  });

  describe.each([
    ["half-life", HALF_LIFE_CHANGES],
    ["window", WINDOW_CHANGES],
  ])("of a %s", (_kind, changes) => {
    const cases = changes.flatMap(([name, edit, values]) =>
      values.map((value) => [name, value, edit] as const),
    );

    it.each(
      cases,
    )("%s = %s keeps the steady customer's tier, read as its whole history", (_name, value, edit) => {
      const model = changed((m) => edit(m, value));

      const fromStored = score(stored, model, null, NOW);

      expect(fromStored.tier).toBe(baseline.tier);
      expect(fromStored.flags).toEqual([]);
      const fromHistory = score(unbounded, model, null, NOW);
      expect(Math.abs((fromStored.score ?? 0) - (fromHistory.score ?? 0))).toBeLessThanOrEqual(0.1);
    });
  });

  it("doubles every half-life at once and still keeps the tier", () => {
    const model = changed((m) => {
      for (const key of Object.keys(m.decay) as (keyof typeof m.decay)[]) m.decay[key] *= 2;
    });

    expect(score(stored, model, null, NOW).tier).toBe("healthy");
  });
});

describe("a wider window reads older stored data, with no re-ingest", () => {
  const base = steadyCustomer();

  it("adoption.recentDays finds a feature last used 60 days ago", () => {
    const agg = storedOf([...base, at({ kind: "feature_used", feature: "api" }, 60)]);
    const recent = (days: number) =>
      readFacts(
        agg,
        changed((m) => Object.assign(m.components.adoption, { recentDays: days })).model,
        NOW,
      ).recentFeatures;

    expect(recent(30)).not.toContain("api");
    expect(recent(EXACT_DAYS)).toContain("api");
  });

  it("financial.contractionLookbackDays finds the MRR before a cut 60 days ago", () => {
    const agg = storedOf([
      ...base,
      at({ kind: "subscription", status: "active", mrr: 5_000, seats: 5, plan: "pro" }, 60),
    ]);
    const lookback = (days: number) =>
      readFacts(
        agg,
        changed((m) => Object.assign(m.components.financial, { contractionLookbackDays: days }))
          .model,
        NOW,
      ).mrrAtLookback;

    expect(lookback(30)).toBe(5_000);
    expect(lookback(EXACT_DAYS)).toBe(10_000);
  });

  it("financial.failedPaymentWindowDays finds an unrecovered failure 45 days ago", () => {
    const failure = at({ kind: "payment_failed", invoiceId: "in_late", attempt: 1 }, 45);
    // The monthly payments recover it: leave them out.
    const agg = storedOf([...base.filter((s) => s.values.kind !== "payment_succeeded"), failure]);
    const failures = (days: number) =>
      readFacts(
        agg,
        changed((m) => Object.assign(m.components.financial, { failedPaymentWindowDays: days }))
          .model,
        NOW,
      ).unrecoveredFailures;

    expect(failures(30)).toBe(0);
    expect(failures(60)).toBe(1);
  });

  it("decay.disputeDays and disputeWithinDays read a dispute 50 days ago from its stored day", () => {
    const agg = storedOf([...base, at({ kind: "dispute" }, 50)]);
    const flagged = (within: number) =>
      score(
        agg,
        changed((m) =>
          Object.assign(m.redFlags?.dispute?.when ?? {}, { disputeWithinDays: within }),
        ),
        null,
        NOW,
      ).flags.map((f) => f.name);

    expect(flagged(30)).not.toContain("dispute");
    expect(flagged(60)).toContain("dispute");
  });
});

describe("model validation of windows beyond the exact days", () => {
  it.each([
    [
      "adoption.recentDays",
      (m: ModelInput) => Object.assign(m.components.adoption, { recentDays: EXACT_DAYS + 1 }),
    ],
    [
      "financial.contractionLookbackDays",
      (m: ModelInput) =>
        Object.assign(m.components.financial, { contractionLookbackDays: EXACT_DAYS + 1 }),
    ],
  ])("rejects %s beyond the days kept exact, saying so plainly", (name, edit) => {
    expect(() => changed(edit)).toThrow(InvalidModelError);
    expect(() => changed(edit)).toThrow(new RegExp(`${name.replace(".", "\\.")}.*${EXACT_DAYS}`));
    // At the limit it is valid.
    expect(() =>
      changed((m) => {
        edit(m);
        Object.assign(m.components.adoption, { recentDays: EXACT_DAYS });
        Object.assign(m.components.financial, { contractionLookbackDays: EXACT_DAYS });
      }),
    ).not.toThrow();
  });
});
