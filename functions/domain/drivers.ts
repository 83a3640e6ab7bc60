/**
 * The explanations of a score, in points and words:
 * - drivers: what moved it since the previous score (newly raised red flags first); on a
 *   first score, or when nothing moved, what holds each component below 100;
 * - holdingDown: what holds it down now, metric by metric: the largest gaps to full marks.
 * Both quote the metrics' own words from the one table of metrics (metrics.ts).
 */
import type { Facts } from "./facts.ts";
import type { RaisedFlagDetail } from "./flags.ts";
import type { Model } from "./model.ts";
import { round1 } from "./rounding.ts";
import type { ComponentScore, Driver, Evaluated, MetricValue, PreviousScore } from "./score.ts";

/** A score as computed, before it is explained. */
export interface Scored {
  readonly parts: readonly Evaluated[];
  readonly components: readonly ComponentScore[];
  readonly facts: Facts;
  readonly model: Model;
  readonly flags: readonly RaisedFlagDetail[];
  /** The score before red flags capped it, and after; null when too little data. */
  readonly uncapped: number | null;
  readonly value: number | null;
  /** The configured weight of the components with data. */
  readonly availableWeight: number;
}

/** The metric that best explains a component's direction: its biggest loss, or its best. */
function telling(part: Evaluated, down: boolean): MetricValue | undefined {
  let best: MetricValue | undefined;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (const m of part.metrics) {
    const value = down ? m.weight * (100 - m.normalized) : m.weight * m.normalized;
    if (value > bestValue) {
      best = m;
      bestValue = value;
    }
  }
  return best;
}

const explain = (m: MetricValue, s: Scored) => m.metric.explain(m.raw, s.facts, s.model);

/**
 * A component's pull on the previous score: weight × (normalized − previous score). The
 * score is the previous score plus the change of these pulls summed over components, so
 * each component's change is its share of the score's move, and a component whose value
 * did not change is not blamed when another component's arrival only re-weighs it.
 */
function pullOf(c: ComponentScore | undefined, base: number): number {
  return c?.available && c.normalized !== null ? (c.weight ?? 0) * (c.normalized - base) : 0;
}

interface Candidate {
  readonly index: number;
  readonly impact: number;
}

/** What each component moved since the previous score; on a first score, its shortfall. */
function componentMoves(s: Scored, previous: PreviousScore | null | undefined): Candidate[] {
  const min = s.model.drivers.minImpact;
  const moves: Candidate[] = [];
  const before = previous?.components;
  const base = previous?.score;
  if (before && base != null) {
    s.components.forEach((now, index) => {
      const was = before.find((c) => c.name === now.name);
      const impact = round1(pullOf(now, base) - pullOf(was, base));
      if (Math.abs(impact) >= min) moves.push({ index, impact });
    });
  }
  // A first score, or nothing moved: what holds each component below 100, so that "why
  // is this customer at-risk?" always has an answer.
  if (moves.length === 0) {
    s.components.forEach((now, index) => {
      if (!now.available) return;
      const shortfall = round1(now.weight * (100 - (now.normalized as number)));
      if (shortfall >= min) moves.push({ index, impact: -shortfall });
    });
  }
  // Stable: equals stay in component order.
  return moves.sort((a, b) => Math.abs(b.impact) - Math.abs(a.impact));
}

/** Points the red flags' cap took off the score (0 or negative). */
const capPoints = (s: Scored) =>
  s.value === null || s.uncapped === null ? 0 : round1(s.value - s.uncapped);

/**
 * The drivers of the move since the previous score. A flag raised since then leads, with
 * the points its cap took off plus its component's own move (its component is not listed
 * again); then the components by the size of their move. At most `alerts.topDrivers`.
 */
export function findDrivers(s: Scored, previous: PreviousScore | null | undefined): Driver[] {
  const moves = componentMoves(s, previous);
  const wasRaised = new Set((previous?.flags ?? []).map((f) => f.name));
  const drivers: Driver[] = [];
  let cap = capPoints(s);
  for (const flag of s.flags) {
    if (wasRaised.has(flag.name)) continue;
    const i = moves.findIndex((m) => s.components[m.index]?.name === flag.component);
    const own = i >= 0 ? (moves.splice(i, 1)[0] as Candidate).impact : 0;
    drivers.push({ component: flag.component, impact: round1(cap + own), reason: flag.reason });
    cap = 0;
  }
  for (const { index, impact } of moves) {
    const part = s.parts[index] as Evaluated;
    const top = telling(part, impact < 0);
    const reason = top ? explain(top, s) : `no ${part.name} data any more`;
    drivers.push({ component: part.name, impact, reason });
  }
  return drivers.slice(0, s.model.alerts.topDrivers);
}

/** A metric's gap to full marks in points: (100 − its score) × its weight in the score. */
function gapOf(s: Scored, part: Evaluated, m: MetricValue): number {
  if (part.normalized === null || s.availableWeight === 0) return 0;
  let metricWeights = 0;
  for (const other of part.metrics) metricWeights += other.weight;
  if (metricWeights === 0) return 0;
  const share = (part.configuredWeight / s.availableWeight) * (m.weight / metricWeights);
  return (100 - m.normalized) * share;
}

/**
 * What holds the score down now: each raised flag (the points its cap took off plus its
 * metric's gap), then the metrics with the largest gaps to full marks, in points, each in
 * words. Without flags the gaps add up to 100 − score. At most `alerts.topDrivers`.
 */
export function findHoldingDown(s: Scored): Driver[] {
  const top = s.model.alerts.topDrivers;
  if (s.value === null) {
    // Too little data for a score: only the flags, which are news whatever the coverage.
    return s.flags
      .slice(0, top)
      .map((f) => ({ component: f.component, impact: -0.1, reason: f.reason }));
  }
  // A metric a raised flag is about is shown by the flag, with its gap, not again alone.
  const isFlagged = (part: Evaluated, m: MetricValue) =>
    s.flags.some((f) => f.component === part.name && f.metric === m.metric.key);
  const drivers: Driver[] = [];
  let cap = capPoints(s);
  const counted = new Set<string>();
  for (const flag of s.flags) {
    const part = s.parts.find((p) => p.name === flag.component);
    const m = part?.metrics.find((x) => x.metric.key === flag.metric);
    const key = `${flag.component}.${flag.metric}`;
    const own = part && m && !counted.has(key) ? gapOf(s, part, m) : 0;
    counted.add(key);
    drivers.push({
      component: flag.component,
      impact: Math.min(-0.1, round1(cap - own)),
      reason: flag.reason,
    });
    cap = 0;
  }
  const min = s.model.drivers.minImpact;
  const gaps: { part: Evaluated; m: MetricValue; gap: number }[] = [];
  for (const part of s.parts) {
    for (const m of part.metrics) {
      const gap = gapOf(s, part, m);
      if (round1(gap) >= min && !isFlagged(part, m)) gaps.push({ part, m, gap });
    }
  }
  gaps.sort((a, b) => b.gap - a.gap);
  // Words only for the gaps reported.
  for (let i = 0; i < gaps.length && drivers.length < top; i++) {
    const { part, m, gap } = gaps[i] as (typeof gaps)[number];
    drivers.push({ component: part.name, impact: -round1(gap), reason: explain(m, s) });
  }
  return drivers.slice(0, top);
}
