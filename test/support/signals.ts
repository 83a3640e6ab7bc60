/** Factories for normalized signals in tests and benchmarks. */
import type { Signal, SignalValues, Source } from "../../functions/domain/signals.ts";

export const DAY = 86_400_000;
export const NOW = Date.UTC(2026, 10, 22, 12);

let sequence = 0;

/** A signal for `accountId` with the given values, `daysAgo` before NOW. */
export function signal(
  values: SignalValues,
  daysAgo = 0,
  overrides: Partial<Omit<Signal, "values">> = {},
): Signal {
  sequence += 1;
  return {
    accountId: "acct-1",
    source: "generic" as Source,
    sourceEventId: `evt-${sequence}`,
    occurredAt: NOW - Math.round(daysAgo * DAY),
    values,
    ...overrides,
  };
}

/** Daily usage for `days` days ending `endDaysAgo` ago, `perDay` events a day. */
export function dailyUsage(days: number, perDay: number, endDaysAgo = 0): Signal[] {
  return Array.from({ length: days }, (_, i) =>
    signal({ kind: "usage", event: "report_viewed", count: perDay }, endDaysAgo + i),
  );
}
