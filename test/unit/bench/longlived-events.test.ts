/** The long-lived benchmark's deliveries: the promised monthly volume, all readable by the real adapters. */
import { describe, expect, it } from "vitest";
import {
  deliveriesOf,
  FEATURES,
  HEAVY,
  INVOICES_PER_MONTH,
  monthStart,
  TICKETS_PER_MONTH,
} from "../../../bench/longlived-events.ts";
import { seededRandom } from "../../../bench/report.ts";
import { defaultModel } from "../../../functions/domain/model.default.ts";
import { parseDelivery } from "../../../functions/webhook/providers/index.ts";

const START = Date.UTC(2021, 0, 1);
const MONTHS = 3;
const deliveries = deliveriesOf(HEAVY, START, MONTHS, seededRandom(10));
const signals = deliveries.flatMap((d) =>
  parseDelivery(d.provider, Buffer.from(JSON.stringify(d.body)), defaultModel.mapping, d.headers),
);
const kinds = (kind: string) => signals.filter((e) => e.signals.some((s) => s.kind === kind));

describe("long-lived customer deliveries", () => {
  it("are in time order, within the months asked for, and the same for the same seed", () => {
    const times = deliveries.map((d) => d.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual(START);
    expect(times.at(-1)).toBeLessThan(monthStart(START, MONTHS));
    expect(deliveriesOf(HEAVY, START, MONTHS, seededRandom(10))).toEqual(deliveries);
  });

  it("each parse through the real adapters into one applied event of the customer", () => {
    expect(signals).toHaveLength(deliveries.length);
    expect(signals.every((e) => !e.ignored && e.signals.length > 0)).toBe(true);
    expect(new Set(signals.map((e) => `${e.source}:${e.eventId}`)).size).toBe(signals.length);
  });

  it("carry each month's tickets, invoices, daily usage of every feature, NPS and a quarterly MRR", () => {
    const days = (monthStart(START, MONTHS) - START) / 86_400_000;
    // Tickets opened near a month's end may be solved after the last month: not all are solved.
    expect(kinds("ticket_opened")).toHaveLength(TICKETS_PER_MONTH * MONTHS);
    expect(kinds("ticket_solved").length).toBeGreaterThan(TICKETS_PER_MONTH * MONTHS * 0.9);
    expect(kinds("ticket_reopened").length).toBeGreaterThan(0);
    expect(kinds("ticket_priority").length).toBeGreaterThan(0);
    expect(kinds("ticket_comment").length).toBeGreaterThan(TICKETS_PER_MONTH * MONTHS);
    expect(kinds("payment_failed").length).toBeGreaterThan(0);
    expect(kinds("payment_succeeded").length).toBeGreaterThan(INVOICES_PER_MONTH * MONTHS * 0.9);
    expect(kinds("feature_used")).toHaveLength(days * FEATURES);
    expect(new Set(kinds("feature_used").map((e) => JSON.stringify(e.signals[1]))).size).toBe(
      FEATURES,
    );
    expect(kinds("nps")).toHaveLength(MONTHS);
    expect(kinds("subscription")).toHaveLength(1);
  });
});
