import { describe, expect, it } from "vitest";
import type { HealthScore, RaisedFlag } from "../../../functions/domain/score.ts";
import { HealthFlagRaised, HealthTierChanged } from "../../../functions/events/health-events.ts";
import { decideEvents } from "../../../functions/scoring/decide.ts";
import { compiled, criticalScore, healthyScore, label } from "../../support/scores.ts";
import { NOW } from "../../support/signals.ts";

const model = compiled.model;
const healthy = () => healthyScore();
const critical = () => criticalScore();
const unknown = () => ({ ...healthyScore(), score: null, tier: "unknown" as const });

describe("decideEvents", () => {
  it("publishes a HealthTierChanged that validates against its schema", () => {
    const previous = { version: 4, score: 80, tier: "healthy" as const, inDrop: false };

    const { events } = decideEvents(previous, critical(), null, model, label);

    expect(events).toHaveLength(1);
    expect(events[0]?.detailType).toBe("HealthTierChanged");
    const detail = HealthTierChanged.parse(events[0]?.detail);
    expect(detail).toMatchObject({
      accountId: "acct-1",
      accountName: "Acme",
      owner: "jane@acme.com",
      previousTier: "healthy",
      tier: "critical",
      previousScore: 80,
      score: 20,
      alert: "page",
      schemaVersion: 1,
    });
  });

  it("gives the same change from the same stored version the same event id", () => {
    const previous = { version: 4, score: 80, tier: "healthy" as const, inDrop: false };

    const a = decideEvents(previous, critical(), null, model, label).events[0]?.detail.eventId;
    const b = decideEvents(
      previous,
      { ...critical(), computedAt: NOW + 60_000 },
      null,
      model,
      label,
    ).events[0]?.detail.eventId;
    const c = decideEvents({ ...previous, version: 5 }, critical(), null, model, label).events[0]
      ?.detail.eventId;

    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it("alerts a drop once, not again while it lasts", () => {
    const previous = { version: 2, score: 60, tier: "at-risk" as const, inDrop: false };
    const next = { ...healthy(), score: 50, tier: "at-risk" as const };

    const first = decideEvents(previous, next, 70, model, label);
    const again = decideEvents(
      { ...previous, score: 50, inDrop: first.inDrop },
      next,
      70,
      model,
      label,
    );

    expect(first.events.map((e) => e.detailType)).toEqual(["HealthScoreDropped"]);
    expect(first.events[0]?.detail).toMatchObject({ fromScore: 70, toScore: 50, windowDays: 7 });
    expect(again.events).toEqual([]);
  });

  it("keeps a customer's first score quiet unless it starts out critical", () => {
    expect(decideEvents(null, healthy(), null, model, label).events[0]?.detail.alert).toBe("none");
    expect(decideEvents(null, critical(), null, model, label).events[0]?.detail.alert).toBe("page");
  });

  it("reports an improvement without paging", () => {
    const previous = { version: 1, score: 30, tier: "critical" as const, inDrop: false };

    expect(decideEvents(previous, healthy(), null, model, label).events[0]?.detail.alert).toBe(
      "report",
    );
  });

  it.each([
    "healthy",
    "at-risk",
    "critical",
  ] as const)("keeps %s → unknown (data ran out) on the bus, neither an improvement nor a worsening", (tier) => {
    const previous = { version: 3, score: tier === "healthy" ? 80 : 30, tier, inDrop: false };

    const { events } = decideEvents(previous, unknown(), null, model, label);

    expect(events).toHaveLength(1);
    expect(HealthTierChanged.parse(events[0]?.detail)).toMatchObject({
      previousTier: tier,
      tier: "unknown",
      score: null,
      alert: "none",
    });
  });
});

describe("decideEvents: red flags and standing drivers", () => {
  const dispute: RaisedFlag = {
    name: "openDispute",
    component: "financial",
    tier: "at-risk",
    reason: "a payment dispute opened on Nov 3",
  };
  const cancel: RaisedFlag = {
    name: "cancelScheduled",
    component: "financial",
    tier: "critical",
    reason: "set to cancel at period end on Nov 12",
  };
  const atRisk = (flags: RaisedFlag[] = [], extra: Partial<HealthScore> = {}): HealthScore => ({
    ...healthy(),
    score: 52,
    tier: "at-risk",
    flags,
    holdingDown: [
      { component: "engagement", impact: -15, reason: "usage down 60% on last month" },
      ...flags.map((f) => ({ component: f.component, impact: -6, reason: f.reason })),
      { component: "support", impact: -4, reason: "3 urgent tickets open" },
      { component: "sentiment", impact: -2, reason: "NPS 6" },
    ],
    drivers: [{ component: "support", impact: -3, reason: "an urgent ticket opened" }],
    ...extra,
  });
  const stayedAtRisk = { version: 7, score: 55, tier: "at-risk" as const, inDrop: false };

  it("alerts a red flag raised while the tier stays, once per raise", () => {
    // Arrange: already at-risk, then a dispute opens.
    const previous = { ...stayedAtRisk, flags: [] };
    // Act
    const { events } = decideEvents(previous, atRisk([dispute]), null, model, label);
    const again = decideEvents(
      { ...previous, version: 8, flags: [dispute] },
      atRisk([dispute]),
      null,
      model,
      label,
    );
    // Assert
    expect(events.map((e) => e.detailType)).toEqual(["HealthFlagRaised"]);
    const detail = HealthFlagRaised.parse(events[0]?.detail);
    expect(detail).toMatchObject({
      tier: "at-risk",
      alert: model.alerts.routing.otherWorsening,
      raised: [dispute],
      flags: [dispute],
      customerPath: "/customers/acct-1",
    });
    expect(detail.drivers[0]).toMatchObject({ flag: "openDispute", reason: dispute.reason });
    expect(detail.lines?.changed[0]).toBe(
      "🚩 New red flag: a payment dispute opened on Nov 3 (\u22126 pts)",
    );
    expect(again.events).toEqual([]);
  });

  it("compares flags by name: a flag whose words changed is not raised again", () => {
    const previous = { ...stayedAtRisk, flags: [{ name: "openDispute" }] };
    const reworded = { ...dispute, reason: "2 payment disputes open since Nov 3" };

    expect(decideEvents(previous, atRisk([reworded]), null, model, label).events).toEqual([]);
  });

  it("reads a previous score stored before flags as having none", () => {
    const { events } = decideEvents(stayedAtRisk, atRisk([dispute]), null, model, label);

    expect(events.map((e) => e.detailType)).toEqual(["HealthFlagRaised"]);
  });

  it("routes a flag that allows at most critical as a move into critical, any other as a worsening", () => {
    const quiet = {
      ...model,
      alerts: { ...model.alerts, routing: { ...model.alerts.routing, otherWorsening: "report" } },
    } as const;
    const critical = { ...stayedAtRisk, tier: "critical" as const, score: 30 };

    const cancelRaised = decideEvents(
      critical,
      atRisk([cancel], { tier: "critical", score: 30 }),
      null,
      quiet,
      label,
    );
    const disputeRaised = decideEvents(stayedAtRisk, atRisk([dispute]), null, quiet, label);

    expect(cancelRaised.events[0]?.detail.alert).toBe("page");
    expect(disputeRaised.events[0]?.detail.alert).toBe("report");
  });

  it("names a new flag in the tier change that alerts, not in a second message", () => {
    const previous = { version: 2, score: 80, tier: "healthy" as const, inDrop: false, flags: [] };

    const { events } = decideEvents(previous, atRisk([dispute]), null, model, label);

    expect(events.map((e) => e.detailType)).toEqual(["HealthTierChanged"]);
    expect(events[0]?.detail.flags).toEqual([dispute]);
    expect(events[0]?.detail.holdingDown[0]).toMatchObject({ flag: "openDispute" });
  });

  it("still alerts the flag when the tier change stays on the bus (a first score)", () => {
    const { events } = decideEvents(null, atRisk([dispute]), null, model, label);

    expect(events.map((e) => [e.detailType, e.detail.alert])).toEqual([
      ["HealthTierChanged", "none"],
      ["HealthFlagRaised", model.alerts.routing.otherWorsening],
    ]);
  });

  it("carries what holds the score down, flags first, at most topDrivers of each", () => {
    const top = { ...model, alerts: { ...model.alerts, topDrivers: 2 } };

    const { events } = decideEvents(
      { ...stayedAtRisk, score: 80, tier: "healthy" },
      atRisk([dispute]),
      null,
      top,
      label,
    );

    expect(events[0]?.detail.holdingDown).toEqual([
      { component: "financial", impact: -6, reason: dispute.reason, flag: "openDispute" },
      { component: "engagement", impact: -15, reason: "usage down 60% on last month" },
    ]);
    expect(events[0]?.detail.lines?.holdingDown).toEqual([
      "🚩 Red flag: a payment dispute opened on Nov 3 (\u22126 pts)",
      "• usage down 60% on last month (\u221215 pts)",
    ]);
  });
});
