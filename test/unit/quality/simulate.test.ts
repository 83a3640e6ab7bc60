import { describe, expect, it } from "vitest";
import { compileModel, defaultModel, parseGenericEvent } from "../../../lib/quality/domain.ts";
import { ARCHETYPES } from "../../../lib/quality/simulate/archetypes.ts";
import { MIXES } from "../../../lib/quality/simulate/mixes.ts";
import {
  accountsOf,
  drawCustomers,
  eventLine,
  labelsCsv,
  type SimulationOptions,
  simulateEvents,
} from "../../../lib/quality/simulate/simulate.ts";

const b2b = MIXES.b2b as NonNullable<(typeof MIXES)["b2b"]>;
const plg = MIXES.plg as NonNullable<(typeof MIXES)["plg"]>;
const options = (over: Partial<SimulationOptions> = {}): SimulationOptions => ({
  customers: 60,
  days: 120,
  seed: 5,
  mix: b2b,
  start: Date.UTC(2026, 0, 5),
  ...over,
});

function simulate(o: SimulationOptions) {
  const customers = drawCustomers(o);
  const lines = [...simulateEvents(customers, o.days)].flat().map(eventLine);
  return { lines, accounts: accountsOf(customers, o) };
}

describe("simulator", () => {
  const first = simulate(options());

  it("gives the same dataset for the same seed and another for another seed", () => {
    expect(simulate(options()).lines).toEqual(first.lines);
    expect(simulate(options({ seed: 6 })).lines).not.toEqual(first.lines);
  });

  it("draws customer i the same whatever the number of customers", () => {
    const more = simulate(options({ customers: 61 }));
    const own = (lines: string[], id: string) => lines.filter((l) => l.includes(`"${id}"`));
    // Ids are zero-padded to the customer count's width: both runs use two digits.
    expect(own(more.lines, "acct-07")).toEqual(own(first.lines, "acct-07"));
  });

  it("writes lines the real generic webhook mapping accepts, of every generic type, in time order", () => {
    const mapping = compileModel(defaultModel).model.mapping;
    const types = new Set<string>();
    let previous = 0;
    for (const text of first.lines) {
      const body = JSON.parse(text) as { id: string; type: string; timestamp: string };
      const [event] = parseGenericEvent(body, mapping, body.id);
      expect(event?.ignored).toBe(false);
      expect(event?.occurredAt).toBeGreaterThanOrEqual(previous);
      previous = event?.occurredAt ?? previous;
      types.add(body.type);
    }
    expect([...types].sort()).toEqual(
      ["ces", "csat", "milestone", "nps", "payment", "subscription", "ticket", "usage"].sort(),
    );
    expect(new Set(first.lines.map((l) => JSON.parse(l).id)).size).toBe(first.lines.length);
  });

  it("ends a churned account with a cancellation on its churn date and nothing after", () => {
    const churned = first.accounts.find((a) => a.churnedAt !== null);
    expect(churned).toBeDefined();
    const own = first.lines
      .map((l) => JSON.parse(l))
      .filter((e) => e.data.account_id === churned?.accountId);
    const last = own[own.length - 1];
    expect(last).toMatchObject({ type: "subscription", data: { status: "canceled" } });
    expect(last.timestamp.slice(0, 10)).toBe(
      new Date(churned?.churnedAt as number).toISOString().slice(0, 10),
    );
  });

  it("labels every account, with a date only for those that churned in the window", () => {
    const csv = labelsCsv(first.accounts).trim().split("\n");
    expect(csv[0]).toBe("account_id,churned_at");
    expect(csv).toHaveLength(61);
    expect(csv.filter((row) => /,\d{4}-\d{2}-\d{2}$/.test(row)).length).toBe(
      first.accounts.filter((a) => a.churnedAt !== null).length,
    );
  });

  it("uses every archetype in the b2b mix, and other event names in the plg mix", () => {
    expect(Object.keys(b2b.archetypes).sort()).toEqual([...ARCHETYPES].sort());
    const other = simulate(options({ mix: plg }));
    const events = (lines: string[]) =>
      new Set(
        lines
          .map((l) => JSON.parse(l))
          .filter((e) => e.type === "usage")
          .map((e) => e.data.event),
      );
    const shared = [...events(first.lines)].filter((name) => events(other.lines).has(name));
    expect(shared).toEqual([]);
  });
});
