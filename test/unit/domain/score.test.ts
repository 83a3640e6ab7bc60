import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aggregateOf } from "../../../functions/domain/aggregate.ts";
import { COMPONENTS, type ComponentName, compileModel } from "../../../functions/domain/model.ts";
import { type HealthScore, score } from "../../../functions/domain/score.ts";
import {
  type Signal,
  type SignalKind,
  SUBSCRIPTION_STATUSES,
} from "../../../functions/domain/signals.ts";
import { baseTier } from "../../../functions/domain/tiers.ts";
import { failedPaymentArb, paymentStoryArb, signalsArb } from "../../support/arbitraries.ts";
import { DAY, dailyUsage, NOW, signal } from "../../support/signals.ts";
import { testCompiled, testModel, testModelInput } from "../../support/test-model.ts";

const compiled = testCompiled;
const { model } = compiled;

const scoreOf = (signals: readonly Signal[], now = NOW, previous: HealthScore | null = null) =>
  score(aggregateOf("acct-1", signals), compiled, previous, now);

const component = (result: HealthScore, name: ComponentName) => {
  const found = result.components.find((c) => c.name === name);
  if (!found) throw new Error(`no component ${name}`);
  return found;
};

/** Usage of one account: the engagement data most property tests build on. */
const usageArb = (maxLength = 12) =>
  signalsArb({ minLength: 1, maxLength, kinds: ["usage"], idPrefix: "use" });

/** Any history with at least some usage, so that it is usually scored. */
const historyArb = fc
  .tuple(usageArb(), signalsArb({ maxLength: 30 }))
  .map(([usage, rest]) => [...usage, ...rest]);

const steady = () => dailyUsage(60, 5);

describe("score", () => {
  it("returns a null score and tier unknown for an account with no data", () => {
    const result = scoreOf([]);

    expect(result.score).toBeNull();
    expect(result.tier).toBe("unknown");
    expect(result.coverage).toBe(0);
    expect(result.drivers).toEqual([]);
    for (const c of result.components) {
      expect(c).toMatchObject({ available: false, normalized: null, weight: 0, contribution: 0 });
    }
  });

  it("returns a null score when the data covers less than the minimum coverage", () => {
    // Arrange: one survey answer backs half of the sentiment component, 7.5% of the model.
    const survey = [signal({ kind: "nps", score: 3 }, 1)];
    // Act
    const result = scoreOf(survey);
    // Assert
    expect(component(result, "sentiment").available).toBe(true);
    expect(result.coverage).toBe(0.075);
    expect(result.score).toBeNull();
    expect(result.tier).toBe("unknown");
  });

  it("returns a null score for activity without any usage count", () => {
    const result = scoreOf([signal({ kind: "active" }, 0)]);

    expect(result.coverage).toBe(0.28);
    expect(result.score).toBeNull();
  });

  it("stamps the account, the model version#hash, the segment and the time", () => {
    const result = scoreOf(steady());

    expect(result.accountId).toBe("acct-1");
    expect(result.modelVersion).toBe(`test-model.1#${compiled.hash}`);
    expect(result.modelVersion).toMatch(/^test-model\.1#[0-9a-f]{12}$/);
    expect(result.segment).toBe("");
    expect(result.computedAt).toBe(NOW);
  });

  it("scores a steadily active customer healthy from engagement alone", () => {
    const result = scoreOf(steady());

    expect(result.score).toBe(96.5);
    expect(result.tier).toBe("healthy");
    expect(result.coverage).toBe(0.35);
    expect(component(result, "engagement")).toMatchObject({
      available: true,
      normalized: 96.5,
      weight: 1,
      contribution: 96.5,
      raw: { recency: 0 },
    });
  });

  it("puts a customer with up to 5 seats in the self-serve segment and uses its weights", () => {
    const signals = [
      ...steady(),
      signal({ kind: "subscription", status: "active", seats: 3, mrr: 5_000 }, 30),
    ];

    const result = scoreOf(signals);

    expect(result.segment).toBe("self-serve");
    // engagement 0.45 and financial 0.2 of the self-serve weights.
    expect(component(result, "engagement").weight).toBe(0.692);
    expect(component(result, "financial").weight).toBe(0.308);
  });

  it("gives the tier with hysteresis against the previous tier", () => {
    const previous = { ...scoreOf(steady()), tier: "healthy" as const };
    const detractor = [...steady(), signal({ kind: "nps", score: 3 }, 1)];

    const fresh = scoreOf(detractor);
    const sticky = scoreOf(detractor, NOW, previous);

    expect(fresh.score).toBe(67.5);
    expect(fresh.tier).toBe("at-risk");
    expect(sticky.tier).toBe("healthy");
  });
});

describe("score drivers", () => {
  it("explain a customer gone silent for 21 days as no product usage for 21 days", () => {
    // Arrange
    const usage = dailyUsage(60, 10, 21);
    const previous = scoreOf(usage, NOW - 21 * DAY);
    // Act
    const result = scoreOf(usage, NOW, previous);
    // Assert
    expect(previous.score).toBe(96.5);
    expect(result.score).toBe(37.9);
    expect(result.tier).toBe("critical");
    expect(result.drivers).toEqual([
      { component: "engagement", impact: -58.6, reason: "no product usage for 21 days" },
    ]);
  });

  it("explain two unrecovered failed payments", () => {
    const signals = [
      ...steady(),
      signal({ kind: "subscription", status: "active" }, 40),
      signal({ kind: "payment_failed", invoiceId: "in_1" }, 10),
      signal({ kind: "payment_failed", invoiceId: "in_2" }, 3),
    ];

    const result = scoreOf(signals);

    // Two unrecovered failures raise the failedPayments red flag (at most at-risk): it leads
    // the drivers, with the points its cap took off and its component's own shortfall
    // (12.4 before red flags).
    expect(result.drivers[0]).toEqual({
      component: "financial",
      impact: -27.9,
      reason: "2 failed payments in the last 30 days not yet recovered, the last on Nov 19",
    });
    expect(result.tier).toBe("at-risk");
  });

  it("quote a detractor NPS answer with its date", () => {
    const nps = signal({ kind: "nps", score: 3 }, 0, { occurredAt: Date.UTC(2026, 10, 2, 9) });

    const result = scoreOf([...steady(), nps]);

    expect(result.score).toBe(67.5);
    expect(result.drivers[0]).toEqual({
      component: "sentiment",
      impact: -30,
      reason: "NPS detractor (3) on Nov 2",
    });
  });

  it("explain MRR contraction against the lookback", () => {
    const signals = [
      ...steady(),
      signal({ kind: "subscription", status: "active", mrr: 10_000 }, 100),
      signal({ kind: "subscription", status: "active", mrr: 6_000 }, 5),
    ];

    const result = scoreOf(signals);

    expect(component(result, "financial").raw).toMatchObject({ contraction: 0.6 });
    expect(result.drivers).toContainEqual({
      component: "financial",
      impact: -5.2,
      reason: "MRR down 40% over 90 days",
    });
  });

  it("name a component whose data is gone", () => {
    const previous = scoreOf([...steady(), signal({ kind: "nps", score: 10 }, 1)]);

    const result = scoreOf(steady(), NOW, previous);

    // The promoter answer pulled the previous score up by its weight × (100 − 97.5).
    expect(result.drivers).toEqual([
      { component: "sentiment", impact: -0.7, reason: "no sentiment data any more" },
    ]);
  });

  it("attribute the score's move to the components that changed, not to re-weighed ones", () => {
    // Engagement data stays the same; a detractor answer brings sentiment in at 0.
    const previous = scoreOf(steady());

    const result = scoreOf([...steady(), signal({ kind: "nps", score: 2 }, 1)], NOW, previous);

    const impacts = Object.fromEntries(result.drivers.map((d) => [d.component, d.impact]));
    expect(impacts).toEqual({ sentiment: -28.9 });
    expect(result.drivers[0]?.reason).toBe("NPS detractor (2) on Nov 21");
    const moved = (result.score as number) - (previous.score as number);
    expect(result.drivers.reduce((sum, d) => sum + d.impact, 0)).toBeCloseTo(moved, 0);
  });

  it("explain what holds the score down when nothing moved since the last score", () => {
    const previous = scoreOf(steady());

    const result = scoreOf(steady(), NOW, previous);

    // Engagement alone backs the score: it holds it 100 − score below the top.
    expect(result.score).toBe(previous.score);
    expect(result.drivers.map((d) => [d.component, d.impact])).toEqual([
      ["engagement", (result.score as number) - 100],
    ]);
    expect(result.drivers[0]?.reason).toMatch(/usage/);
  });

  it("are at most alerts.topDrivers: newly raised flags first, then by absolute impact", () => {
    const oneDriver = compileModel({
      ...testModelInput(),
      alerts: { ...testModelInput().alerts, topDrivers: 1 },
    });
    fc.assert(
      fc.property(
        historyArb,
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        (signals, daysLater, withPrevious) => {
          // Arrange
          const agg = aggregateOf("acct-1", signals);
          const previous = withPrevious ? score(agg, compiled, null, NOW) : null;
          const later = NOW + daysLater * DAY;
          // Act
          const result = score(agg, compiled, previous, later);
          const single = score(agg, oneDriver, previous, later);
          // Assert
          expect(result.drivers.length).toBeLessThanOrEqual(3);
          const raised = new Set((previous?.flags ?? []).map((f) => f.name));
          const fresh = result.flags.filter((f) => !raised.has(f.name));
          const leading = Math.min(fresh.length, 3);
          expect(result.drivers.slice(0, leading).map((d) => d.reason)).toEqual(
            fresh.slice(0, leading).map((f) => f.reason),
          );
          const impacts = result.drivers.slice(leading).map((d) => Math.abs(d.impact));
          expect(impacts).toEqual([...impacts].sort((a, b) => b - a));
          expect(single.drivers).toEqual(result.drivers.slice(0, 1));
          for (const d of result.drivers) expect(d.reason).not.toBe("");
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("score properties", () => {
  it("keeps the score within 0-100 or null, tier unknown exactly when null", () => {
    fc.assert(
      fc.property(
        signalsArb({ maxLength: 50 }),
        fc.integer({ min: 0, max: 60 * DAY }),
        (signals, later) => {
          // Act
          const result = scoreOf(signals, NOW + later);
          // Assert
          if (result.score !== null) {
            expect(result.score).toBeGreaterThanOrEqual(0);
            expect(result.score).toBeLessThanOrEqual(100);
            expect(Math.round(result.score * 10)).toBe(result.score * 10);
          }
          expect(result.tier === "unknown").toBe(result.score === null);
          expect(result.coverage).toBeGreaterThanOrEqual(0);
          expect(result.coverage).toBeLessThanOrEqual(1);
          if (result.score !== null) expect(result.coverage).toBeGreaterThanOrEqual(0.3);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("reports every raw measurement to the hundredth, with no float noise", () => {
    fc.assert(
      fc.property(historyArb, fc.integer({ min: 0, max: 30 * DAY }), (signals, later) => {
        const result = scoreOf(signals, NOW + later);

        for (const c of result.components) {
          for (const [metric, value] of Object.entries(c.raw)) {
            expect(`${c.name}.${metric}=${value}`).toMatch(/=-?\d+(\.\d{1,2})?$/);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("splits a score into component contributions whose weights sum to 1", () => {
    fc.assert(
      fc.property(historyArb, (signals) => {
        const result = scoreOf(signals);
        fc.pre(result.score !== null);

        const available = result.components.filter((c) => c.available);
        const weights = available.reduce((sum, c) => sum + c.weight, 0);
        const contributions = available.reduce((sum, c) => sum + c.contribution, 0);
        expect(weights).toBeCloseTo(1, 2);
        // A red flag caps the weighted score; without one it is the weighted score.
        if (result.flags.length === 0) {
          expect(Math.abs(contributions - (result.score as number))).toBeLessThanOrEqual(0.5);
        } else {
          expect(result.score as number).toBeLessThanOrEqual(contributions + 0.5);
        }
        for (const c of result.components) {
          expect(c.normalized === null).toBe(!c.available);
          if (c.normalized !== null) {
            expect(c.normalized).toBeGreaterThanOrEqual(0);
            expect(c.normalized).toBeLessThanOrEqual(100);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("never raises the score when a failed payment is added", () => {
    // Half the histories carry a recent billing story for the new failure to interact with.
    const withBilling = fc
      .tuple(historyArb, fc.oneof(fc.constant([]), paymentStoryArb()))
      .map(([history, payments]) => [...history, ...payments]);
    fc.assert(
      fc.property(withBilling, failedPaymentArb(), (signals, failed) => {
        // Arrange
        const before = scoreOf(signals);
        fc.pre(before.score !== null);
        // Act
        const after = scoreOf([...signals, failed]);
        // Assert
        expect(after.score).not.toBeNull();
        expect(after.score as number).toBeLessThanOrEqual(before.score as number);
      }),
      { numRuns: 400 },
    );
  });

  it("does not raise the score when a failed invoice is retried after a failure without one", () => {
    const history = [
      ...steady(),
      signal({ kind: "subscription", status: "active" }, 60),
      signal({ kind: "payment_failed", invoiceId: "in_1" }, 20),
      signal({ kind: "payment_failed" }, 10),
    ];
    const retry = signal({ kind: "payment_failed", invoiceId: "in_1", attempt: 2 }, 5);

    const before = scoreOf(history);
    const after = scoreOf([...history, retry]);

    expect(component(before, "financial").raw).toMatchObject({ failedPayments: 2 });
    expect(component(after, "financial").raw).toMatchObject({ failedPayments: 2 });
    expect(after.score).toBe(before.score);
  });

  it("does not lift the score with billing data that is only an old failed payment", () => {
    // Arrange: silent for 21 days, so engagement is low.
    const usage = dailyUsage(60, 10, 21);
    const before = scoreOf(usage);
    // Act: a failure outside the 30-day window alone would score financial 100.
    const after = scoreOf([...usage, signal({ kind: "payment_failed" }, 45)]);
    // Assert: financial data that is only bad news counts no better than the rest.
    expect(before.score).toBe(37.9);
    expect(component(after, "financial")).toMatchObject({ available: true, normalized: 37.9 });
    expect(after.score).toBe(37.9);
  });

  it("keeps the tier on a wobble smaller than the margin", () => {
    fc.assert(
      fc.property(
        historyArb,
        fc.integer({ min: 0, max: 96 }),
        fc.integer({ min: 0, max: 3 }),
        (signals, hoursLater, extra) => {
          // Arrange
          const first = scoreOf(signals);
          const later = NOW + hoursLater * 3_600_000;
          const more = Array.from({ length: extra }, (_, i) =>
            signal({ kind: "usage", event: "report_viewed", count: 2 }, 0, {
              occurredAt: later - i * 3_600_000,
            }),
          );
          // Act
          const next = scoreOf([...signals, ...more], later, first);
          // Assert
          const { margin } = (compiled.bySegment.get(next.segment) ?? model).tiers;
          fc.pre(first.score !== null && next.score !== null);
          fc.pre(Math.abs((next.score as number) - (first.score as number)) < margin);
          // A flag that clears lets go of the tier it held (flags.test.ts).
          fc.pre(
            first.flags.every((f) =>
              next.flags.some((n) => n.name === f.name && n.tier === f.tier),
            ),
          );
          expect(next.tier).toBe(baseTier(first.score, model.tiers));
          expect(next.tier).toBe(first.tier);
        },
      ),
      // Only a few percent of runs wobble across a boundary: run enough to see them.
      { numRuns: 1000 },
    );
  });
});

describe("score of a subscription status", () => {
  it.each(SUBSCRIPTION_STATUSES)("scores status %s as the model's statusScores say", (status) => {
    const result = scoreOf([signal({ kind: "subscription", status }, 1)]);

    expect(component(result, "financial").raw.status).toBe(
      testModel.components.financial.statusScores[status],
    );
  });
});

describe("score with missing components", () => {
  it("scores engagement-only data as the engagement component's value", () => {
    fc.assert(
      fc.property(usageArb(20), fc.integer({ min: 0, max: 20 * DAY }), (usage, later) => {
        // Act
        const result = scoreOf(usage, NOW + later);
        // Assert
        const engagement = component(result, "engagement");
        expect(result.score).not.toBeNull();
        expect(result.score).toBe(engagement.normalized);
        expect(engagement).toMatchObject({ available: true, weight: 1 });
        expect(result.coverage).toBe(0.35);
        for (const c of result.components.filter((x) => x.name !== "engagement")) {
          expect(c).toMatchObject({
            available: false,
            normalized: null,
            weight: 0,
            contribution: 0,
          });
        }
      }),
      { numRuns: 300 },
    );
  });

  /** Signals that feed exactly one component other than engagement. */
  const onlyFor: Record<Exclude<ComponentName, "engagement">, SignalKind[]> = {
    adoption: ["milestone"],
    sentiment: ["nps", "csat", "ces"],
    support: [
      "ticket_opened",
      "ticket_solved",
      "ticket_reopened",
      "ticket_priority",
      "ticket_comment",
    ],
    financial: ["payment_succeeded", "payment_failed", "refund", "dispute", "subscription"],
  };
  const extraArb = fc
    .constantFrom(...(Object.keys(onlyFor) as (keyof typeof onlyFor)[]))
    .chain((name) =>
      signalsArb({ minLength: 1, maxLength: 8, kinds: onlyFor[name], idPrefix: "extra" }).map(
        // Seats change the engagement per seat; leave them out to hold engagement still.
        (signals) => ({
          name,
          signals: signals.map((s) =>
            s.values.kind === "subscription"
              ? { ...s, values: { ...s.values, seats: undefined } }
              : s,
          ),
        }),
      ),
    );

  it("moves the score toward an added component's value, never toward 0", () => {
    fc.assert(
      fc.property(usageArb(), extraArb, (usage, extra) => {
        // Arrange
        const before = scoreOf(usage);
        // Act
        const after = scoreOf([...usage, ...extra.signals]);
        // Assert
        const added = component(after, extra.name);
        const engagement = before.score as number;
        expect(component(after, "engagement").normalized).toBe(engagement);
        expect(after.coverage).toBeLessThan(1);
        if (!added.available) {
          expect(after.score).toBe(engagement);
          return;
        }
        const value = added.normalized as number;
        // A red flag raised by the added data caps the score (it may go below both).
        if (after.flags.length > 0) {
          expect(after.score).toBeLessThanOrEqual(Math.max(engagement, value));
          expect(after.tier).not.toBe("healthy");
          return;
        }
        expect(after.score).toBeGreaterThanOrEqual(Math.min(engagement, value));
        expect(after.score).toBeLessThanOrEqual(Math.max(engagement, value));
        expect(after.coverage).toBeGreaterThan(before.coverage);
      }),
      { numRuns: 400 },
    );
  });

  it("reports every component without data as unavailable with no weight", () => {
    const result = scoreOf([...steady(), signal({ kind: "csat", score: 5 }, 1)]);

    expect(result.components.map((c) => [c.name, c.available, c.weight, c.contribution])).toEqual([
      ["engagement", true, 0.7, 67.5],
      ["adoption", false, 0, 0],
      ["sentiment", true, 0.3, 30],
      ["support", false, 0, 0],
      ["financial", false, 0, 0],
    ]);
    expect(result.coverage).toBe(0.395);
    expect(COMPONENTS).toHaveLength(5);
  });
});
