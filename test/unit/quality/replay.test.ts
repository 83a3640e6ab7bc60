import { describe, expect, it } from "vitest";
import type { ReplayEvent } from "../../../lib/quality/backtest/load.ts";
import { DAY_MS, replay } from "../../../lib/quality/backtest/replay.ts";
import {
  compileModel,
  defaultModel,
  type Signal,
  type SignalValues,
} from "../../../lib/quality/domain.ts";

const model = compileModel(defaultModel);
const day = (n: number) => Date.UTC(2026, 2, 1) + n * DAY_MS;

let nextId = 0;
function event(accountId: string, t: number, ...values: SignalValues[]): ReplayEvent {
  nextId++;
  const signals = values.map(
    (v): Signal => ({
      accountId,
      source: "generic",
      sourceEventId: `e${nextId}`,
      occurredAt: t,
      values: v,
    }),
  );
  return { accountId, occurredAt: t, signals };
}

/** An account that logs in every day from day 0 to `lastDay` and pays. */
function dailyUser(accountId: string, lastDay: number, perDay = 20): ReplayEvent[] {
  const events = [
    event(accountId, day(0) + 1, {
      kind: "subscription",
      status: "active",
      mrr: 40_000,
      seats: 10,
    }),
  ];
  for (let d = 0; d <= lastDay; d++) {
    events.push(
      event(accountId, day(d) + 3_600_000, { kind: "usage", event: "login", count: perDay }),
    );
  }
  return events;
}

describe("replay", () => {
  const labels = new Map<string, number | null>([
    ["stays", null],
    ["leaves", day(70)],
    ["left-early", day(20)],
  ]);
  const events = [
    ...dailyUser("stays", 89),
    // Busy until day 30, then silent until it churns on day 70.
    ...dailyUser("leaves", 30),
    ...dailyUser("left-early", 19),
    // First seen after the observation date: not in its population.
    ...dailyUser("late", 0).map((e) => ({ ...e, occurredAt: e.occurredAt + 50 * DAY_MS })),
  ].sort((a, b) => a.occurredAt - b.occurredAt);

  const [run] = replay(events, { models: [model], at: [day(45)], horizonDays: 60, labels });

  it("observes every account seen before the date that has not churned before it", () => {
    expect(run?.observations.map((o) => o.accountId).sort()).toEqual(["leaves", "stays"]);
  });

  it("labels an account churned when it churns within the horizon", () => {
    const byId = new Map(run?.observations.map((o) => [o.accountId, o]));
    expect(byId.get("leaves")?.churned).toBe(true);
    expect(byId.get("stays")?.churned).toBe(false);
  });

  it("ranks the silent account riskier than the busy one", () => {
    const byId = new Map(run?.observations.map((o) => [o.accountId, o]));
    expect(byId.get("leaves")?.score).toBeLessThan(byId.get("stays")?.score as number);
    expect(byId.get("leaves")?.tier).not.toBe("healthy");
  });

  it("measures the lead time from the first non-healthy day to churn", () => {
    const lead = run?.leads.find((l) => l.accountId === "leaves");
    // Silent from day 31; it must be flagged well before day 70, and never before day 31.
    expect(lead?.leadDays).toBeGreaterThan(14);
    expect(lead?.leadDays).toBeLessThanOrEqual(39);
    expect(run?.leads.map((l) => l.accountId).sort()).toEqual(["leaves", "left-early"]);
  });

  it("counts tier changes of the daily rescore", () => {
    // "leaves" goes from healthy to at-risk and possibly on to critical; "stays" never moves.
    expect(run?.tierFlips).toBeGreaterThanOrEqual(1);
    expect(run?.tierFlips).toBeLessThanOrEqual(3);
  });
});

describe("replay with usage impacts", () => {
  it("stores each model's own aggregate: a model that weighs logins 0 sees no usage", () => {
    const events = dailyUser("busy", 40);
    const { components } = defaultModel;
    const silent = {
      ...defaultModel,
      components: {
        ...components,
        engagement: { ...components.engagement, impacts: { login: 0 } },
      },
    };
    const labels = new Map<string, number | null>([["busy", null]]);

    const [counted, ignored] = replay(events, {
      models: [model, compileModel(silent)],
      at: [day(35)],
      horizonDays: 60,
      labels,
    });

    const [a] = counted?.observations ?? [];
    const [b] = ignored?.observations ?? [];
    // Without usage the default model lacks the coverage to score at all (null).
    expect(a?.score).toBeGreaterThan(0);
    expect(b?.score ?? -1).toBeLessThan(a?.score as number);
  });
});
