/**
 * The drivers of a score: the components that moved it since the previous score, or on a
 * first score (or when nothing moved) what holds it below 100, each with its reason.
 */
import type { Facts } from "./facts.ts";
import { COMPONENTS, type ComponentName, type Model } from "./model.ts";
import { describe } from "./reasons.ts";
import { round1 } from "./rounding.ts";
import type { ComponentScore, Driver, PreviousScore } from "./score.ts";
import { COMPONENT_COUNT, type ScorePlan, telling, work } from "./score-plan.ts";

/**
 * A component's pull on the previous score: weight × (normalized − previous score). The
 * score is the previous score plus the change of these pulls summed over components, so
 * each component's change is its share of the score's move, and a component whose value
 * did not change is not blamed when another component's arrival only re-weighs it.
 */
function previousPull(
  previous: readonly ComponentScore[],
  name: ComponentName,
  base: number,
): number {
  for (let i = 0; i < previous.length; i++) {
    const c = previous[i] as ComponentScore;
    if (c.name === name) {
      return c.available && c.normalized !== null ? (c.weight ?? 0) * (c.normalized - base) : 0;
    }
  }
  return 0;
}

/**
 * Adds a driver candidate, keeping candidates ordered by |impact|, largest first, and
 * equals in component order (the order of a stable sort, without its scratch copy).
 */
function addCandidate(count: number, c: number, impact: number): number {
  const size = Math.abs(impact);
  let i = count;
  while (i > 0 && Math.abs(work.candidateImpact[i - 1] as number) < size) {
    work.candidateComponent[i] = work.candidateComponent[i - 1] as number;
    work.candidateImpact[i] = work.candidateImpact[i - 1] as number;
    i--;
  }
  work.candidateComponent[i] = c;
  work.candidateImpact[i] = impact;
  return count + 1;
}

/**
 * The components that moved the score most since the previous score; on a first score,
 * the components that hold it furthest below 100.
 */
export function findDrivers(
  previous: PreviousScore | null | undefined,
  facts: Facts,
  model: Model,
  plan: ScorePlan,
): Driver[] {
  let candidates = 0;
  const before = previous?.components;
  const base = previous?.score;
  if (before && base != null) {
    for (let c = 0; c < COMPONENT_COUNT; c++) {
      const pull =
        work.available[c] === 1
          ? (work.shownWeight[c] as number) * ((work.shownNormalized[c] as number) - base)
          : 0;
      const impact = round1(pull - previousPull(before, COMPONENTS[c] as ComponentName, base));
      if (Math.abs(impact) >= 0.5) candidates = addCandidate(candidates, c, impact);
    }
  }
  // A first score, or nothing moved: the drivers are what holds the score below 100, so
  // "why is this customer at-risk?" always has an answer.
  if (candidates === 0) {
    for (let c = 0; c < COMPONENT_COUNT; c++) {
      if (work.available[c] !== 1) continue;
      const shortfall = round1(
        (work.shownWeight[c] as number) * (100 - (work.shownNormalized[c] as number)),
      );
      if (shortfall >= 0.5) candidates = addCandidate(candidates, c, -shortfall);
    }
  }
  const count = Math.min(candidates, model.alerts.topDrivers);
  const drivers: Driver[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const c = work.candidateComponent[i] as number;
    const impact = work.candidateImpact[i] as number;
    const component = COMPONENTS[c] as ComponentName;
    const k = telling(c, impact < 0);
    const reason =
      k >= 0
        ? describe(
            component,
            work.metricName[k] as string,
            work.metricRaw[k] as number,
            facts,
            model,
            plan.phrases,
          )
        : `no ${component} data any more`;
    drivers[i] = { component, impact, reason };
  }
  return drivers;
}
