import { describe, expect, it } from "vitest";
import { HealthTierChanged } from "../../../functions/events/health-events.ts";
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
