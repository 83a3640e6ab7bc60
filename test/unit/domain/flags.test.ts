import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aggregateOf } from "../../../functions/domain/aggregate.ts";
import { compileModel } from "../../../functions/domain/model.ts";
import {
  type HealthScore,
  type PreviousScore,
  type RaisedFlag,
  score,
} from "../../../functions/domain/score.ts";
import type { Signal } from "../../../functions/domain/signals.ts";
import { signalsArb } from "../../support/arbitraries.ts";
import { DAY, dailyUsage, NOW, signal } from "../../support/signals.ts";
import { testCompiled, testModelInput } from "../../support/test-model.ts";

const compiled = testCompiled;
const { model } = compiled;

const scoreOf = (
  signals: readonly Signal[],
  previous: PreviousScore | null = null,
  now = NOW,
  with_ = compiled,
) => score(aggregateOf("acct-1", signals), with_, previous, now);

/** A busy customer: daily use, an active subscription, a promoter answer. */
const busy = () => [
  ...dailyUsage(60, 40),
  signal({ kind: "subscription", status: "active", mrr: 20_000, seats: 10 }, 50),
  signal({ kind: "nps", score: 10 }, 20),
];

/** The test model with these tier settings and one flag: at-risk on an NPS of 0-2 in 30 days. */
/** `scored` raised exactly `flag` (an at-risk one), and the flag holds it at-risk. */
function expectOnlyAtRiskFlag(scored: HealthScore, flag: Omit<RaisedFlag, "tier">) {
  expect(scored.flags).toEqual([{ ...flag, tier: "at-risk" }]);
  expect(scored.tier).toBe("at-risk");
}

const releaseModel = (tiers: Partial<ReturnType<typeof testModelInput>["tiers"]>) => {
  const input = testModelInput();
  return compileModel({
    ...input,
    tiers: { ...input.tiers, ...tiers },
    redFlags: {
      detractor: { tier: "at-risk", when: { recentNpsAtMost: { score: 2, withinDays: 30 } } },
    },
  });
};

/** The busy customer whose only NPS answer is `value`, `daysAgo` days old. */
const answeredNps = (value: number, daysAgo: number) => [
  ...busy().filter((s) => s.values.kind !== "nps"),
  signal({ kind: "nps", score: value }, daysAgo),
];

describe("red flags", () => {
  it("make a busy customer whose subscription was canceled yesterday critical", () => {
    // Arrange
    const healthy = scoreOf(busy());
    const canceled = [
      ...busy(),
      signal({ kind: "subscription", status: "canceled", mrr: 0, seats: 10 }, 1),
    ];
    // Act
    const result = scoreOf(canceled, healthy);
    // Assert
    expect(healthy.tier).toBe("healthy");
    expect(result.tier).toBe("critical");
    expect(result.score).toBe(39.9);
    expect(result.flags).toEqual([
      {
        name: "canceled",
        component: "financial",
        tier: "critical",
        reason: "subscription canceled on Nov 21",
      },
    ]);
    expect(result.drivers[0]).toMatchObject({
      component: "financial",
      reason: "subscription canceled on Nov 21",
    });
    expect(result.drivers[0]?.impact).toBeLessThan(-40);
  });

  it("make a customer set to cancel at period end critical, with both dates in words", () => {
    const scheduled = signal(
      {
        kind: "subscription",
        status: "active",
        mrr: 20_000,
        seats: 10,
        cancelAtPeriodEnd: true,
        renewsAt: Date.UTC(2026, 11, 12),
      },
      10,
    );

    const result = scoreOf([...busy(), scheduled]);

    expect(result.tier).toBe("critical");
    expect(result.flags.map((f) => f.name)).toEqual(["cancelScheduled"]);
    expect(result.flags[0]?.reason).toBe(
      "subscription set to cancel at period end on Nov 12 (ends Dec 12)",
    );
    expect(result.holdingDown[0]?.reason).toBe(result.flags[0]?.reason);
  });

  it("win over tier hysteresis: a healthy customer past due is at-risk at once", () => {
    // Arrange: healthy, and the weighted score stays above 65 (where hysteresis holds).
    const previous = scoreOf(busy());
    const pastDue = [
      ...busy(),
      signal({ kind: "subscription", status: "past_due", mrr: 20_000, seats: 10 }, 2),
    ];
    // Act
    const result = scoreOf(pastDue, previous);
    const noFlags = scoreOf(
      pastDue,
      previous,
      NOW,
      compileModel({ ...testModelInput(), redFlags: {} }),
    );
    // Assert
    expect(previous.tier).toBe("healthy");
    expect(noFlags.score).toBeGreaterThanOrEqual(65);
    expect(noFlags.tier).toBe("healthy");
    expect(result.tier).toBe("at-risk");
    expect(result.score).toBe(69.9);
    expect(result.flags[0]).toMatchObject({
      name: "pastDue",
      reason: "subscription past due since Nov 20",
    });
  });

  it("set the tier even when the model lets the score stand (maxScore 100)", () => {
    const input = testModelInput();
    const lenient = compileModel({
      ...input,
      redFlags: {
        pastDue: { tier: "critical", maxScore: 100, when: { subscriptionStatus: ["past_due"] } },
      },
    });
    const pastDue = [...busy(), signal({ kind: "subscription", status: "past_due", seats: 10 }, 2)];

    const result = scoreOf(pastDue, null, NOW, lenient);

    expect(result.score).toBeGreaterThan(70);
    expect(result.tier).toBe("critical");
  });

  it("raise at two unrecovered failed payments, not one, nor after a recovery", () => {
    const base = [...busy()];
    const one = [...base, signal({ kind: "payment_failed", invoiceId: "in_1" }, 5)];
    const two = [...one, signal({ kind: "payment_failed", invoiceId: "in_2" }, 2)];
    const recovered = [...two, signal({ kind: "payment_succeeded", invoiceId: "in_2" }, 1)];

    expect(scoreOf(one).flags).toEqual([]);
    expectOnlyAtRiskFlag(scoreOf(two), {
      name: "failedPayments",
      component: "financial",
      reason: "2 failed payments in the last 30 days not yet recovered, the last on Nov 20",
    });
    expect(scoreOf(recovered).flags).toEqual([]);
  });

  it("raise on a dispute within about 60 days, dated when it is the only one", () => {
    const recent = scoreOf([...busy(), signal({ kind: "dispute" }, 10)]);
    const old = scoreOf([...busy(), signal({ kind: "dispute" }, 80)]);
    const two = scoreOf([
      ...busy(),
      signal({ kind: "dispute" }, 100),
      signal({ kind: "dispute" }, 30),
    ]);

    expectOnlyAtRiskFlag(recent, {
      name: "dispute",
      component: "financial",
      reason: "a payment dispute on Nov 12",
    });
    expect(old.flags).toEqual([]);
    expect(two.flags[0]?.reason).toBe("2 payment disputes, one within about 60 days");
  });

  it("raise on a long silence, with the last active day in words, and not on a short one", () => {
    const input = testModelInput();
    const withSilence = compileModel({
      ...input,
      redFlags: { silent: { tier: "at-risk", when: { minDaysSilent: 14 } } },
    });
    const subscription = signal(
      { kind: "subscription", status: "active", mrr: 20_000, seats: 10 },
      50,
    );
    const quietFor = (days: number) => [...dailyUsage(60, 40, days), subscription];

    const silent = scoreOf(quietFor(20), null, NOW, withSilence);
    const onTheDay = scoreOf(quietFor(14), null, NOW, withSilence);
    const short = scoreOf(quietFor(13), null, NOW, withSilence);
    const neverUsed = scoreOf([subscription], null, NOW, withSilence);

    expect(silent.flags).toEqual([
      {
        name: "silent",
        component: "engagement",
        tier: "at-risk",
        reason: "no product usage for 20 days (last on Nov 2)",
      },
    ]);
    expect(silent.tier).not.toBe("healthy");
    expect(onTheDay.flags.map((f) => f.name)).toEqual(["silent"]);
    expect(short.flags).toEqual([]);
    // A customer that never used the product has not gone silent: nothing to date it by.
    expect(neverUsed.flags).toEqual([]);
  });

  it("raise on an MRR drop of at least the given share over the contraction lookback", () => {
    const input = testModelInput();
    const withDrop = compileModel({
      ...input,
      redFlags: { mrrDrop: { tier: "at-risk", when: { minMrrDrop: 0.3 } } },
    });
    const before = signal({ kind: "subscription", status: "active", mrr: 30_000, seats: 30 }, 100);
    const cutTo = (mrr: number) => [
      ...busy().filter((s) => s.values.kind !== "subscription"),
      before,
      signal({ kind: "subscription", status: "active", mrr, seats: mrr / 1000 }, 5),
    ];

    const third = scoreOf(cutTo(20_000), null, NOW, withDrop);
    const tenth = scoreOf(cutTo(27_000), null, NOW, withDrop);

    expect(third.flags).toEqual([
      {
        name: "mrrDrop",
        component: "financial",
        tier: "at-risk",
        reason: "MRR down 33% over 90 days",
      },
    ]);
    expect(third.tier).not.toBe("healthy");
    expect(tenth.flags).toEqual([]);
  });

  it("raise on urgent tickets open, counted by the model's urgent priorities", () => {
    const input = testModelInput();
    const withEscalation = compileModel({
      ...input,
      redFlags: { escalation: { tier: "at-risk", when: { minUrgentOpenTickets: 2 } } },
    });
    const opened = (id: string, priority: "urgent" | "high" | "normal", daysAgo: number) =>
      signal({ kind: "ticket_opened", ticketId: id, priority }, daysAgo);
    const solved = (id: string, daysAgo: number) =>
      signal({ kind: "ticket_solved", ticketId: id }, daysAgo);

    const two = scoreOf(
      [...busy(), opened("t1", "urgent", 3), opened("t2", "high", 2)],
      null,
      NOW,
      withEscalation,
    );
    const oneSolved = scoreOf(
      [...busy(), opened("t1", "urgent", 3), opened("t2", "high", 2), solved("t1", 1)],
      null,
      NOW,
      withEscalation,
    );
    const ordinary = scoreOf(
      [...busy(), opened("t1", "normal", 3), opened("t2", "normal", 2), opened("t3", "urgent", 1)],
      null,
      NOW,
      withEscalation,
    );

    expectOnlyAtRiskFlag(two, {
      name: "escalation",
      component: "support",
      reason: "2 tickets open of priority urgent or high",
    });
    expect(oneSolved.flags).toEqual([]);
    expect(ordinary.flags).toEqual([]);
  });

  it("raise on a recent low NPS answer, and not once a kinder or an old one is the latest", () => {
    const input = testModelInput();
    const withDetractor = compileModel({
      ...input,
      redFlags: {
        detractor: { tier: "at-risk", when: { recentNpsAtMost: { score: 3, withinDays: 30 } } },
      },
    });
    const base = busy().filter((s) => s.values.kind !== "nps");
    const nps = (value: number, daysAgo: number) => signal({ kind: "nps", score: value }, daysAgo);

    const low = scoreOf([...base, nps(2, 5)], null, NOW, withDetractor);
    const onTheLine = scoreOf([...base, nps(3, 30)], null, NOW, withDetractor);
    const tooOld = scoreOf([...base, nps(1, 31)], null, NOW, withDetractor);
    const answeredAgain = scoreOf([...base, nps(1, 20), nps(8, 2)], null, NOW, withDetractor);
    // Applied in any order, the latest answer by its own time decides.
    const olderLowArrivesLast = scoreOf([...base, nps(8, 2), nps(1, 20)], null, NOW, withDetractor);
    const fromTheFuture = scoreOf([...base, nps(0, -3)], null, NOW, withDetractor);
    const passive = scoreOf([...base, nps(4, 5)], null, NOW, withDetractor);

    expectOnlyAtRiskFlag(low, {
      name: "detractor",
      component: "sentiment",
      reason: "NPS of 2 on Nov 17",
    });
    expect(onTheLine.flags.map((f) => f.name)).toEqual(["detractor"]);
    expect(tooOld.flags).toEqual([]);
    expect(answeredAgain.flags).toEqual([]);
    expect(olderLowArrivesLast.flags).toEqual([]);
    expect(fromTheFuture.flags).toEqual([]);
    expect(passive.flags).toEqual([]);
  });

  it("let go of the tier once they clear: the score decides, not the hysteresis margin", () => {
    // A margin so wide that hysteresis alone would hold an at-risk customer at any score.
    const model = releaseModel({ margin: 29 });
    const signals = [...answeredNps(2, 31), signal({ kind: "nps", score: 9 }, 40)];

    const flagged = scoreOf(signals, null, NOW - DAY, model);
    const cleared = scoreOf(signals, flagged, NOW, model);
    // The same previous score, at-risk by its score (no flag recorded): hysteresis holds.
    const heldByScore = scoreOf(signals, { ...flagged, flags: [] }, NOW, model);

    expect(flagged.flags.map((f) => f.name)).toEqual(["detractor"]);
    expect(flagged.tier).toBe("at-risk");
    expect(cleared.flags).toEqual([]);
    expect(cleared.score).toBeGreaterThanOrEqual(70);
    expect(cleared.tier).toBe("healthy");
    expect(heldByScore.tier).toBe("at-risk");
  });

  it("keep hysteresis downward once they clear: a flag clearing never worsens the tier", () => {
    // Lines around this customer's score (76.8): below at-risk's line, within its margin.
    const model = releaseModel({ healthy: 90, atRisk: 80, margin: 5 });
    const signals = answeredNps(2, 31);

    // An at-risk customer (held there by hysteresis) raises the flag, which then clears.
    const before = scoreOf(signals, null, NOW - 2 * DAY, model);
    const flagged = scoreOf(signals, { ...before, tier: "at-risk" }, NOW - DAY, model);
    const cleared = scoreOf(signals, flagged, NOW, model);

    expect(flagged.tier).toBe("at-risk");
    expect(flagged.flags.map((f) => f.name)).toEqual(["detractor"]);
    expect(cleared.flags).toEqual([]);
    expect(cleared.score).toBeLessThan(80);
    expect(cleared.score).toBeGreaterThanOrEqual(75);
    // Its score alone would say critical; released, it keeps the better tier it had.
    expect(cleared.tier).toBe("at-risk");
  });

  it("release only a tier the cleared flag may have set, matched by name and tier", () => {
    // This customer scores 76.8: at-risk by its score alone, critical by hysteresis.
    const model = releaseModel({ healthy: 90, atRisk: 75, margin: 5 });
    const agedOut = answeredNps(2, 31);
    const fresh = answeredNps(2, 2);
    const critical = (flagTier: "at-risk" | "critical") => ({
      ...scoreOf(agedOut, null, NOW, model),
      tier: "critical" as const,
      flags: [{ name: "detractor", tier: flagTier }],
    });

    // An at-risk flag held nothing on a critical customer: hysteresis keeps it critical.
    const heldNothing = scoreOf(agedOut, critical("at-risk"), NOW, model);
    // A critical flag could have set it: cleared, the score decides.
    const released = scoreOf(agedOut, critical("critical"), NOW, model);
    // Softened by a model change (critical → at-risk, same name, still raised): the critical
    // flag is gone, and the at-risk one raised now caps the tier.
    const softened = scoreOf(fresh, critical("critical"), NOW, model);

    expect(heldNothing.score).toBeGreaterThanOrEqual(75);
    expect(heldNothing.score).toBeLessThan(80);
    expect(heldNothing.tier).toBe("critical");
    expect(released.tier).toBe("at-risk");
    expect(softened.flags.map((f) => f.name)).toEqual(["detractor"]);
    expect(softened.tier).toBe("at-risk");
  });

  it("refuse an urgent-ticket or NPS condition out of range", () => {
    const input = testModelInput();
    const flag = (when: object) => ({ ...input, redFlags: { f: { tier: "at-risk", when } } });

    expect(() => compileModel(flag({ minUrgentOpenTickets: 0 }))).toThrow(/minUrgentOpenTickets/);
    expect(() => compileModel(flag({ recentNpsAtMost: { score: 11, withinDays: 30 } }))).toThrow(
      /recentNpsAtMost/,
    );
    expect(() => compileModel(flag({ recentNpsAtMost: { score: 3 } }))).toThrow(/withinDays/);
    expect(() =>
      compileModel(flag({ recentNpsAtMost: { score: 3, withinDays: 30 } })),
    ).not.toThrow();
  });

  it("refuse a silence or MRR-drop condition out of range", () => {
    const input = testModelInput();
    const flag = (when: object) => ({ ...input, redFlags: { f: { tier: "at-risk", when } } });

    expect(() => compileModel(flag({ minDaysSilent: 0 }))).toThrow(
      /redFlags\.f\.when\.minDaysSilent/,
    );
    expect(() => compileModel(flag({ minDaysSilent: 2.5 }))).toThrow(/minDaysSilent/);
    expect(() => compileModel(flag({ minMrrDrop: 0 }))).toThrow(/minMrrDrop/);
    expect(() => compileModel(flag({ minMrrDrop: 1.5 }))).toThrow(/minMrrDrop/);
    expect(() => compileModel(flag({ minDaysSilent: 10 }))).not.toThrow();
  });

  it("list every raised flag, worst first", () => {
    const signals = [
      ...busy(),
      signal({ kind: "payment_failed", invoiceId: "in_1" }, 5),
      signal({ kind: "payment_failed", invoiceId: "in_2" }, 2),
      signal({ kind: "subscription", status: "active", seats: 10, cancelAtPeriodEnd: true }, 1),
    ];

    const result = scoreOf(signals);

    expect(result.flags.map((f) => [f.name, f.tier])).toEqual([
      ["cancelScheduled", "critical"],
      ["failedPayments", "at-risk"],
    ]);
    expect(result.holdingDown.slice(0, 2).map((d) => d.reason)).toEqual(
      result.flags.map((f) => f.reason),
    );
  });

  it("lead the drivers only when newly raised, comparing the previous score's flags by name", () => {
    const canceled = [
      ...busy(),
      signal({ kind: "subscription", status: "canceled", seats: 10 }, 1),
    ];
    const first = scoreOf(canceled);
    // A score stored before red flags has no `flags`: read as none, so the flag is new.
    const { flags: _, ...storedBefore } = first;

    const again = scoreOf(canceled, first, NOW + DAY);
    const afterOld = scoreOf(canceled, storedBefore, NOW + DAY);

    expect(first.drivers[0]?.reason).toBe("subscription canceled on Nov 21");
    expect(again.drivers.map((d) => d.reason)).not.toContain("subscription canceled on Nov 21");
    expect(afterOld.drivers[0]?.reason).toBe("subscription canceled on Nov 21");
  });

  it("are listed on a score too thin to give (tier unknown), and hold nothing else down", () => {
    const result = scoreOf([signal({ kind: "subscription", status: "canceled" }, 1)]);

    expect(result.score).toBeNull();
    expect(result.tier).toBe("unknown");
    expect(result.flags.map((f) => f.name)).toEqual(["canceled"]);
    expect(result.holdingDown.map((d) => d.reason)).toEqual(["subscription canceled on Nov 21"]);
  });

  it("never leave a flagged customer above the flag's tier", () => {
    fc.assert(
      fc.property(
        signalsArb({ maxLength: 40 }),
        fc.integer({ min: 0, max: 30 }),
        (signals, days) => {
          const previous = { ...scoreOf(signals), tier: "healthy" as const };
          const result = scoreOf(signals, previous, NOW + days * DAY);
          fc.pre(result.score !== null);
          for (const flag of result.flags) {
            expect(result.tier === "critical" || flag.tier === result.tier).toBe(true);
            expect(result.score as number).toBeLessThan(flag.tier === "critical" ? 40 : 70);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("holding down", () => {
  const allGaps = compileModel({
    ...testModelInput(),
    alerts: { ...testModelInput().alerts, topDrivers: 10 },
    redFlags: {},
    drivers: { minImpact: 0.01 },
  });

  it("names the largest gaps to full marks in points, largest first, in words", () => {
    const signals = [...dailyUsage(60, 10, 12), signal({ kind: "nps", score: 2 }, 3)];

    const result = scoreOf(signals);

    expect(result.holdingDown.map((d) => d.reason)).toEqual([
      "NPS detractor (2) on Nov 19",
      "no product usage for 12 days",
      "usage down 55% against the monthly average",
    ]);
    const impacts = result.holdingDown.map((d) => d.impact);
    expect(impacts).toEqual([...impacts].sort((a, b) => a - b));
  });

  it("adds up to 100 − score over every metric when no flag is raised", () => {
    fc.assert(
      fc.property(signalsArb({ minLength: 1, maxLength: 40 }), (signals) => {
        const result = scoreOf(signals, null, NOW, allGaps);
        fc.pre(result.score !== null);
        // Billing data that is only bad news is held down to the rest of the account: its
        // metrics' gaps then do not add up to the component's.
        const financial = result.components.find((c) => c.name === "financial");
        const baseline = signals.some(
          (s) => s.values.kind === "subscription" || s.values.kind === "payment_succeeded",
        );
        fc.pre(!financial?.available || baseline);

        const total = result.holdingDown.reduce((sum, d) => sum + d.impact, 0);
        const metrics = result.components.reduce((n, c) => n + Object.keys(c.raw).length, 0);
        fc.pre(metrics <= 10);
        expect(Math.abs(-total - (100 - (result.score as number)))).toBeLessThanOrEqual(
          0.05 * metrics + 0.05 + 0.01 * metrics,
        );
        for (const d of result.holdingDown) expect(d.impact).toBeLessThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it("holds at most alerts.topDrivers, every one below 0", () => {
    fc.assert(
      fc.property(signalsArb({ maxLength: 40 }), (signals) => {
        const result: HealthScore = scoreOf(signals);

        expect(result.holdingDown.length).toBeLessThanOrEqual(model.alerts.topDrivers);
        for (const d of result.holdingDown) {
          expect(d.impact).toBeLessThan(0);
          expect(d.reason).not.toBe("");
        }
        const leading = result.holdingDown.slice(0, result.flags.length).map((d) => d.reason);
        expect(leading).toEqual(result.flags.slice(0, leading.length).map((f) => f.reason));
      }),
      { numRuns: 300 },
    );
  });
});
