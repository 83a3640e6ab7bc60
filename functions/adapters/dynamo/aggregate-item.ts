/** Reads a stored aggregate item (or a stream NewImage, unmarshalled) into the domain shape. */
import type { Aggregate, LatestValue } from "../../domain/aggregate.ts";

export function aggregateFromItem(
  accountId: string,
  item: Readonly<Record<string, unknown>>,
): Aggregate {
  const sums: Record<string, number> = {};
  const sets: Record<string, ReadonlySet<string>> = {};
  const latest: Record<string, LatestValue> = {};
  for (const key in item) {
    const value = item[key];
    const prefix = key.charCodeAt(0);
    if (key.charCodeAt(1) !== 95 /* _ */) continue;
    if ((prefix === 110 /* n */ || prefix === 100) /* d */ && typeof value === "number") {
      sums[key] = value;
    } else if (prefix === 115 /* s */ && value instanceof Set) {
      sets[key] = new Set([...value].map(String));
    } else if (prefix === 108 /* l */ && value !== null && typeof value === "object") {
      latest[key] = value as LatestValue;
    }
  }
  return { accountId, sums, sets, latest };
}
