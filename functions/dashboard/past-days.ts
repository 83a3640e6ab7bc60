/**
 * The portfolio's past days from the customers' daily history. The projection keeps each
 * day's counters (the average score, tier moves) as scores are written, from the day it is
 * deployed; history rebuilt from the event log (`npm run replay`, `npm run import`, the
 * demo) reaches back before that. Recomputing the days before today from every customer's
 * daily points gives the portfolio that history too: the same counters, the same scopes.
 */
import type { Tier } from "../domain/tiers.ts";
import type { Counters } from "./reads.ts";
import { counter, moveOf, scopesOf } from "./summary.ts";

/** One customer: where it counts (its row's segment and owner) and its daily points. */
export interface CustomerDays {
  readonly segment: string;
  readonly owner: string | null;
  /** Oldest first. */
  readonly points: readonly {
    readonly day: string;
    readonly score: number | null;
    readonly tier: Tier;
  }[];
}

/** Each scope's counters of each day before `today` (ISO days), by scope then day. */
export function pastDays(
  customers: readonly CustomerDays[],
  today: string,
): Map<string, Map<string, Counters>> {
  const out = new Map<string, Map<string, Counters>>();
  const add = (scope: string, day: string, name: string, amount: number) => {
    const days = out.get(scope) ?? new Map<string, Record<string, number>>();
    out.set(scope, days);
    const counters = (days.get(day) ?? {}) as Record<string, number>;
    days.set(day, counters);
    counters[name] = (counters[name] ?? 0) + amount;
  };
  for (const customer of customers) {
    const scopes = scopesOf(customer);
    let previous: Tier | null = null;
    for (const point of customer.points) {
      if (point.day >= today) break;
      const move = previous === null ? null : moveOf(previous, point.tier);
      for (const scope of scopes) {
        if (point.score !== null) {
          add(scope, point.day, counter.scoreSum, point.score);
          add(scope, point.day, counter.scoreCount, 1);
        }
        if (move) add(scope, point.day, counter[move], 1);
      }
      previous = point.tier;
    }
  }
  return out;
}
