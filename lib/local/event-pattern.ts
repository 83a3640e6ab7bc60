/**
 * EventBridge / Lambda event-filter pattern matching for the local runtime: the subset this
 * system uses, with the same semantics as AWS, so a pattern in lib/topology.ts means the same
 * thing on a laptop as in the cloud.
 *
 * Supported: nested objects; leaf arrays of exact values (string, number, boolean, null),
 * matched against a scalar or against any element of an array; `{ prefix: "..." }`,
 * `{ exists: true | false }`, `{ "anything-but": value | value[] }`. Anything else is
 * rejected by `validatePattern` rather than silently matched differently from AWS.
 */

export type PatternScalar = string | number | boolean | null;
export type PatternMatcher =
  | PatternScalar
  | { readonly prefix: string }
  | { readonly exists: boolean }
  | { readonly "anything-but": PatternScalar | readonly PatternScalar[] };
export interface EventPattern {
  readonly [field: string]: EventPattern | readonly PatternMatcher[];
}

/** A pattern uses something this matcher does not implement, or is malformed. */
export class UnsupportedPatternError extends Error {
  override readonly name = "UnsupportedPatternError";
}

/** Throws UnsupportedPatternError unless every part of `pattern` is supported. */
export function validatePattern(pattern: unknown, path = "$"): asserts pattern is EventPattern {
  if (!isPlainObject(pattern)) {
    throw new UnsupportedPatternError(`${path}: a pattern must be an object`);
  }
  for (const [field, value] of Object.entries(pattern)) {
    const at = `${path}.${field}`;
    if (Array.isArray(value)) {
      if (value.length === 0) throw new UnsupportedPatternError(`${at}: empty value list`);
      for (const matcher of value) validateMatcher(matcher, at);
    } else if (isPlainObject(value)) {
      validatePattern(value, at);
    } else {
      throw new UnsupportedPatternError(`${at}: a leaf must be an array of values`);
    }
  }
}

function validateMatcher(matcher: unknown, at: string) {
  if (isScalar(matcher)) return;
  if (!isPlainObject(matcher) || Object.keys(matcher).length !== 1) {
    throw new UnsupportedPatternError(`${at}: unsupported matcher ${JSON.stringify(matcher)}`);
  }
  const [operator, operand] = Object.entries(matcher)[0] as [string, unknown];
  const ok =
    (operator === "prefix" && typeof operand === "string") ||
    (operator === "exists" && typeof operand === "boolean") ||
    (operator === "anything-but" &&
      (isScalar(operand) || (Array.isArray(operand) && operand.every(isScalar))));
  if (!ok) {
    throw new UnsupportedPatternError(`${at}: unsupported matcher ${JSON.stringify(matcher)}`);
  }
}

/** True when `event` matches `pattern` (every field of the pattern matches). */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  for (const [field, expected] of Object.entries(pattern)) {
    const actual = isPlainObject(event) ? event[field] : undefined;
    if (Array.isArray(expected)) {
      if (!matchesLeaf(expected as readonly PatternMatcher[], actual)) return false;
    } else if (!isPlainObject(actual) || !matchesPattern(expected as EventPattern, actual)) {
      return false;
    }
  }
  return true;
}

/** Lambda filter criteria: a record passes when any of the patterns matches. */
export function matchesAnyPattern(patterns: readonly EventPattern[], event: unknown): boolean {
  return patterns.some((pattern) => matchesPattern(pattern, event));
}

function matchesLeaf(matchers: readonly PatternMatcher[], actual: unknown): boolean {
  return matchers.some((matcher) => {
    if (isPlainObject(matcher) && "exists" in matcher) {
      // EventBridge: exists looks at leaves only; an object there does not count.
      const present = actual !== undefined && !isPlainObject(actual);
      return matcher.exists === present;
    }
    if (actual === undefined) return false;
    // An array in the event matches when any of its elements does.
    const values = Array.isArray(actual) ? actual : [actual];
    if (isPlainObject(matcher) && "anything-but" in matcher) {
      const excluded = matcher["anything-but"];
      const list: readonly PatternScalar[] = Array.isArray(excluded) ? excluded : [excluded];
      return values.length > 0 && values.every((value) => isScalar(value) && !list.includes(value));
    }
    return values.some((value) => matchesValue(matcher, value));
  });
}

function matchesValue(matcher: PatternMatcher, value: unknown): boolean {
  if (isPlainObject(matcher) && "prefix" in matcher) {
    return typeof value === "string" && value.startsWith(matcher.prefix);
  }
  return value === matcher;
}

function isScalar(value: unknown): value is PatternScalar {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "boolean"
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
