/**
 * Comparing states built in different orders: Maps and Sets become sorted lists, and
 * numbers count as equal within float rounding (addition is not associative, and
 * DynamoDB adds numbers in decimal). A difference is reported by its path.
 */
import { expect } from "vitest";

/** Relative tolerance of a number compared with another (absolute below 1). */
export const ROUNDING = 1e-9;

const byKey = (a: [string, unknown], b: [string, unknown]) =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

/** A plain, ordered form of a value: Maps and Sets sorted, undefined fields left out. */
export function plain(value: unknown): unknown {
  if (value instanceof Map) {
    return [...value]
      .map(([k, v]): [string, unknown] => [String(k), plain(v)])
      .sort(byKey)
      .map(([k, v]) => [k, v]);
  }
  if (value instanceof Set) return [...value].map((v) => plain(v)).sort();
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]): [string, unknown] => [k, plain(v)])
      .sort(byKey);
    return Object.fromEntries(entries);
  }
  return value;
}

/** Where `actual` differs from `expected` beyond rounding, as `path: actual ≠ expected`. */
export function differences(actual: unknown, expected: unknown, tolerance = ROUNDING): string[] {
  const out: string[] = [];
  const walk = (a: unknown, e: unknown, path: string) => {
    if (typeof a === "number" && typeof e === "number") {
      if (Math.abs(a - e) > tolerance * Math.max(1, Math.abs(e))) out.push(`${path}: ${a} ≠ ${e}`);
      return;
    }
    if (Array.isArray(a) && Array.isArray(e)) {
      if (a.length !== e.length) {
        out.push(`${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(e)}`);
        return;
      }
      for (const [i, x] of a.entries()) walk(x, e[i], `${path}[${i}]`);
      return;
    }
    if (a !== null && e !== null && typeof a === "object" && typeof e === "object") {
      const keys = new Set([...Object.keys(a), ...Object.keys(e)]);
      for (const key of [...keys].sort()) {
        const x = (a as Record<string, unknown>)[key];
        const y = (e as Record<string, unknown>)[key];
        if (x === undefined || y === undefined) {
          if (x !== y) out.push(`${path}.${key}: ${JSON.stringify(x)} ≠ ${JSON.stringify(y)}`);
        } else walk(x, y, `${path}.${key}`);
      }
      return;
    }
    if (a !== e) out.push(`${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(e)}`);
  };
  walk(plain(actual), plain(expected), "");
  return out;
}

/** Fails, naming every path that differs, unless the two values agree within rounding. */
export function expectClose(actual: unknown, expected: unknown, tolerance = ROUNDING): void {
  expect(differences(actual, expected, tolerance)).toEqual([]);
}
