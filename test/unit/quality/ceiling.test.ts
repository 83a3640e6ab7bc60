import { describe, expect, it } from "vitest";
import {
  type AccountTruth,
  ceilingAuc,
  parseTruth,
} from "../../../lib/quality/backtest/ceiling.ts";
import { MIXES } from "../../../lib/quality/simulate/mixes.ts";
import {
  accountsOf,
  archetypesCsv,
  drawCustomers,
  type SimulationOptions,
} from "../../../lib/quality/simulate/simulate.ts";

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5);

describe("the simulator's truth", () => {
  const options: SimulationOptions = {
    customers: 80,
    days: 120,
    seed: 5,
    mix: MIXES.b2b as NonNullable<(typeof MIXES)["b2b"]>,
    start: START,
  };
  const customers = drawCustomers(options);
  const truth = parseTruth(archetypesCsv(accountsOf(customers, options)));

  it("is written to accounts.csv and read back: archetype, trouble phase, cancellation", () => {
    expect(truth?.size).toBe(80);
    for (const c of customers) {
      const read = truth?.get(c.accountId);
      expect(read?.archetype).toBe(c.archetype);
      expect(read?.trouble).toEqual(
        c.troubleStart === null
          ? null
          : { from: START + c.troubleStart * DAY, to: START + (c.troubleEnd as number) * DAY },
      );
      expect(read?.cancelScheduledAt).toBe(
        c.cancelScheduledDay === null ? null : START + c.cancelScheduledDay * DAY,
      );
    }
    expect(customers.some((c) => c.troubleStart !== null)).toBe(true);
  });

  it("is absent from an accounts file without trouble columns", () => {
    expect(parseTruth("account_id,archetype\nacct-1,steady\n")).toBeNull();
  });

  it("refuses dates that are malformed, impossible, half given or out of order", () => {
    const header = "account_id,archetype,trouble_from,trouble_to,cancel_scheduled_on";
    const read = (row: string) => () => parseTruth(`${header}\n${row}\n`);

    expect(read("a,steady,2026-02-30,2026-03-10,")).toThrow(/line 2: trouble_from "2026-02-30"/);
    expect(read("a,steady,2026-3-1,2026-03-10,")).toThrow(/YYYY-MM-DD/);
    expect(read("a,steady,2026-13-01,2026-03-10,")).toThrow(/"2026-13-01" is not a date/);
    expect(read("a,steady,2026-03-01,,")).toThrow(/both be empty/);
    expect(read("a,steady,2026-03-10,2026-03-01,")).toThrow(/two dates in order/);
    expect(read(",steady,,,")).toThrow(/account_id is empty/);
    expect(read("a,steady,2026-03-01,2026-03-10,2026-03-05")).not.toThrow();
  });
});

describe("ceiling AUC", () => {
  const at = Date.UTC(2026, 2, 1);
  const account = (
    archetype: string,
    troubleDaysAgo: number | null,
    cancelScheduledAt: number | null = null,
  ): AccountTruth => ({
    archetype,
    trouble:
      troubleDaysAgo === null ? null : { from: at - troubleDaysAgo * DAY, to: at + 30 * DAY },
    cancelScheduledAt,
  });
  // Four troubled accounts churn, three of them 3 days into their trouble; of the six
  // accounts not in trouble, one ordinary account churns suddenly.
  const truth = new Map<string, AccountTruth>([
    ["t1", account("silent-fade-out", 3)],
    ["t2", account("silent-fade-out", 3)],
    ["t3", account("silent-fade-out", 3)],
    ["t4", account("billing-failure", 20)],
    ["o1", account("steady", null)],
    ["o2", account("steady", null)],
    ["o3", account("detractor", null)],
    ["o4", account("steady", null)],
    ["p1", account("power-user", null)],
    ["p2", account("power-user", null)],
  ]);
  const churned = new Set(["t1", "t2", "t3", "t4", "o1"]);
  const observations = [...truth.keys()].map((accountId) => ({
    accountId,
    at,
    churned: churned.has(accountId),
  }));

  it("ranks by what each date shows: trouble, then recognizable archetypes", () => {
    // Trouble ranks every troubled churner first (rate 1); ordinary accounts (1 of 4 churn)
    // rank above power users (none): of 5 × 5 pairs, the sudden churner ties with its three
    // ordinary peers (1.5 pairs lost) and beats the power users.
    expect(ceilingAuc(observations, truth, 0)).toBeCloseTo(23.5 / 25, 10);
  });

  it("falls when trouble is spotted later: early troubled accounts pass for ordinary", () => {
    const weekIn = ceilingAuc(observations, truth, 7);
    expect(weekIn).toBeLessThan(ceilingAuc(observations, truth, 0));
    // At 7 days only t4 is seen; t1-t3 join the ordinary group (4 churned of 7).
    expect(weekIn).toBeCloseTo((5 /* t4 above all negatives */ + 4 * (3 * 0.5 + 2) + 0) / 25, 10);
  });

  it("counts a scheduled cancellation as visible once its day is over", () => {
    const scheduled = new Map(truth);
    scheduled.set("o1", account("steady", null, at - DAY));
    expect(ceilingAuc(observations, scheduled, 0)).toBe(1);
  });

  it("sees nothing of the observation's own day: trouble or a cancellation starting that day", () => {
    const base = ceilingAuc(observations, truth, 0);
    const sameDay = new Map(truth);
    // o1 (the sudden churner) schedules its cancellation on the date; o2 starts its trouble.
    sameDay.set("o1", account("steady", null, at));
    sameDay.set("o2", account("silent-fade-out", 0));

    expect(ceilingAuc(observations, sameDay, 0)).toBe(base);
  });
});
