import { describe, expect, it } from "vitest";
import {
  type Aggregate,
  aggregateOf,
  applyUpdate,
  signalToUpdate,
} from "../../../functions/domain/aggregate.ts";
import { readFacts } from "../../../functions/domain/facts.ts";
import { METRICS } from "../../../functions/domain/metrics.ts";
import { COMPONENTS, compileModel } from "../../../functions/domain/model.ts";
import { score } from "../../../functions/domain/score.ts";
import type { Signal } from "../../../functions/domain/signals.ts";
import { DAY, dailyUsage, NOW, signal } from "../../support/signals.ts";
import { testCompiled, testModel, testModelInput } from "../../support/test-model.ts";

const aggregate = (signals: readonly Signal[]) => aggregateOf("acct-1", signals);
const financialRaw = (agg: Aggregate, compiled = testCompiled) =>
  score(agg, compiled, null, NOW).components.find((c) => c.name === "financial")?.raw;

describe("the table of metrics", () => {
  it("has exactly one entry for every metric of every component of the model", () => {
    for (const name of COMPONENTS) {
      const inModel = Object.keys(testModel.components[name].metrics).sort();
      const inTable = METRICS.filter((m) => m.component === name).map((m) => m.key);

      expect(inTable.sort(), name).toEqual(inModel);
      expect(new Set(inTable).size).toBe(inTable.length);
    }
  });

  it("explains every metric in words that quote its number", () => {
    const facts = readFacts(aggregate([...dailyUsage(30, 3)]), testModel, NOW);

    for (const metric of METRICS) {
      expect(metric.explain(2, facts, testModel), `${metric.component}.${metric.key}`).not.toBe("");
    }
  });
});

describe("policy from the model file", () => {
  it("weighs a dispute as financial.disputeWeight refunds", () => {
    const agg = aggregate([
      ...dailyUsage(30, 3),
      signal({ kind: "subscription", status: "active" }, 40),
      signal({ kind: "dispute" }, 0),
      signal({ kind: "refund" }, 0),
    ]);
    const input = testModelInput();
    const fivefold = compileModel({
      ...input,
      components: {
        ...input.components,
        financial: { ...input.components.financial, disputeWeight: 5 },
      },
    });

    expect(financialRaw(agg)?.refundsDisputes).toBe(4);
    expect(financialRaw(agg, fivefold)?.refundsDisputes).toBe(6);
  });

  it("counts open tickets as urgent by support.urgentPriorities", () => {
    const agg = aggregate([
      signal({ kind: "ticket_opened", ticketId: "t1", priority: "high" }, 2),
      signal({ kind: "ticket_opened", ticketId: "t2", priority: "urgent" }, 2),
    ]);
    const input = testModelInput();
    const onlyUrgent = compileModel({
      ...input,
      components: {
        ...input.components,
        support: { ...input.components.support, urgentPriorities: ["urgent"] },
      },
    }).model;

    expect(readFacts(agg, testModel, NOW).urgentOpenTickets).toBe(2);
    expect(readFacts(agg, onlyUrgent, NOW).urgentOpenTickets).toBe(1);
  });

  it("scores a stored status the model does not list by otherStatusScore, or leaves it out", () => {
    const stored = aggregate([
      ...dailyUsage(30, 3),
      signal({ kind: "subscription", status: "active" }, 4),
    ]);
    const sub = stored.registers.subscription;
    const odd: Aggregate = {
      ...stored,
      registers: {
        ...stored.registers,
        subscription: { ...sub, ts: sub?.ts ?? 0, eid: "x", status: "on_hold" },
      },
    };
    const input = testModelInput();
    const neutral = compileModel({
      ...input,
      components: {
        ...input.components,
        financial: { ...input.components.financial, otherStatusScore: 50 },
      },
    });

    expect(financialRaw(odd)).not.toHaveProperty("status");
    expect(financialRaw(odd, neutral)?.status).toBe(50);
  });

  it("drops moves smaller than drivers.minImpact", () => {
    const previous = score(aggregate(dailyUsage(60, 5)), testCompiled, null, NOW);
    const next = aggregate([...dailyUsage(60, 5), signal({ kind: "nps", score: 7 }, 1)]);
    const strict = compileModel({ ...testModelInput(), drivers: { minImpact: 50 } });

    expect(score(next, testCompiled, previous, NOW).drivers.length).toBeGreaterThan(0);
    // Nothing moved by 50 points, and nothing holds it 50 points down.
    expect(score(next, strict, previous, NOW).drivers).toEqual([]);
  });
});

describe("net usage (usage impacts)", () => {
  /** `agg` with `negative` of negative-impact usage, stored the way the ingest path does. */
  const withNegative = (agg: Aggregate, negative: number, at: number): Aggregate =>
    applyUpdate(
      agg,
      signalToUpdate(
        signal({ kind: "usage", event: "error_shown", count: negative }, 0, { occurredAt: at }),
        () => -1,
      ),
    );

  it("reads usage net of usageNeg, never below 0, and 0 when usageNeg is absent", () => {
    const since = signal({ kind: "active" }, 60);
    const agg = aggregate([since, signal({ kind: "usage", event: "login", count: 10 }, 0)]);

    const plain = readFacts(agg, testModel, NOW);
    const net = readFacts(withNegative(agg, 4, NOW), testModel, NOW);
    const below = readFacts(withNegative(agg, 30, NOW), testModel, NOW);

    expect(net.usagePerDayShort as number).toBeCloseTo((plain.usagePerDayShort as number) * 0.6, 9);
    expect(net.usagePerDayLong as number).toBeCloseTo((plain.usagePerDayLong as number) * 0.6, 9);
    expect(below.usagePerDayShort).toBe(0);
    expect(below.usagePerDayLong).toBe(0);
  });

  it("lowers engagement when bad-sign usage outweighs the rest", () => {
    const usage = aggregate(dailyUsage(30, 4));
    const errors = withNegative(usage, 60, NOW - DAY);

    const before = score(usage, testCompiled, null, NOW).score as number;
    const after = score(errors, testCompiled, null, NOW).score as number;

    expect(after).toBeLessThan(before);
  });
});
