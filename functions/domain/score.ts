/**
 * The health score: a pure function of (aggregate, model, previous score, now), design
 * decisions 4, 6 and 7. Every score explains itself: components with raw, normalized,
 * weight and contribution; the share of the model backed by data; and the drivers that
 * moved it, in plain words.
 */
import type { Aggregate } from "./aggregate.ts";
import {
  adoptionMetrics,
  engagementMetrics,
  financialMetrics,
  sentimentMetrics,
  supportMetrics,
} from "./component-metrics.ts";
import { findDrivers } from "./drivers.ts";
import { readFacts } from "./facts.ts";
import { COMPONENTS, type CompiledModel, type ComponentName, segmentFor } from "./model.ts";
import { round1 } from "./rounding.ts";
import {
  ADOPTION,
  COMPONENT_COUNT,
  ENGAGEMENT,
  evaluate,
  FINANCIAL,
  SENTIMENT,
  SUPPORT,
  scorePlanOf,
  weightedScore,
  work,
} from "./score-plan.ts";
import { type Tier, tierWithHysteresis } from "./tiers.ts";

export interface ComponentScore {
  readonly name: ComponentName;
  /** False when no data backs this component: it is left out, never counted as 0. */
  readonly available: boolean;
  /** The raw measurements behind it, by metric. */
  readonly raw: Readonly<Record<string, number>>;
  /** 0-100, or null when unavailable. */
  readonly normalized: number | null;
  /** Share of the score after redistributing the weight of missing components (0-1). */
  readonly weight: number;
  /** Points this component adds to the score (normalized × weight). */
  readonly contribution: number;
}

export interface Driver {
  readonly component: ComponentName;
  /** Points of score this component moved (negative: it pulled the score down). */
  readonly impact: number;
  readonly reason: string;
}

/** A red flag raised now: a non-compensatory rule of the model that caps the tier. */
export interface RaisedFlag {
  /** The model's key, e.g. "cancelScheduled". */
  readonly name: string;
  /** Where it shows, e.g. "financial". */
  readonly component: ComponentName;
  /** The best tier it allows: "critical" or "at-risk". */
  readonly tier: Tier;
  /** Words, e.g. "set to cancel at period end on Nov 12". */
  readonly reason: string;
}

export interface HealthScore {
  readonly accountId: string;
  readonly score: number | null;
  readonly tier: Tier;
  readonly components: readonly ComponentScore[];
  /** Share of the model's weight backed by data, 0-1. */
  readonly coverage: number;
  /** What moved it since the previous score. */
  readonly drivers: readonly Driver[];
  /** Red flags raised now, worst first. */
  readonly flags: readonly RaisedFlag[];
  /** What holds it down now: the largest gaps to full marks in points, flags first. */
  readonly holdingDown: readonly Driver[];
  readonly modelVersion: string;
  readonly segment: string;
  readonly computedAt: number;
}

/** The parts of a previous score this one is compared with. */
export type PreviousScore = Pick<HealthScore, "tier" | "components" | "score"> & {
  /** Missing on a score stored before flags: read as none. */
  readonly flags?: readonly RaisedFlag[];
};

/** Scores one customer. Pure: the same inputs always give the same score. */
export function score(
  aggregate: Aggregate,
  compiled: CompiledModel,
  previous: PreviousScore | null | undefined,
  now: number,
): HealthScore {
  // Facts are read with the base model: a segment overrides weights, tiers and key
  // features, which the component functions take from the segment's model, never how
  // facts are read (the segment itself is chosen from the facts).
  const facts = readFacts(aggregate, compiled.model, now);
  const segment = segmentFor(compiled.model, facts);
  const model = compiled.bySegment.get(segment) ?? compiled.model;
  const plan = scorePlanOf(model);

  // Each component's `raw` record, returned as is in its ComponentScore. A local array:
  // storing these new objects into a long-lived one would cost a write barrier each.
  const raws: Record<string, number>[] = new Array(COMPONENT_COUNT);
  for (let c = 0; c < COMPONENT_COUNT; c++) work.metricCount[c] = 0;
  raws[ENGAGEMENT] = engagementMetrics(facts, plan);
  raws[ADOPTION] = adoptionMetrics(facts, model, plan);
  raws[SENTIMENT] = sentimentMetrics(facts, model, plan);
  raws[SUPPORT] = supportMetrics(facts, plan);
  raws[FINANCIAL] = financialMetrics(facts, model, plan);
  for (let c = 0; c < COMPONENT_COUNT; c++) evaluate(c, plan);

  // Billing data that is only bad news (a failed payment before any subscription or
  // successful payment is known) must not lift the score by bringing a new component
  // into the average: it counts as no better than the rest of the account.
  if (work.available[FINANCIAL] === 1 && !facts.billingBaseline) {
    const others = weightedScore(plan, FINANCIAL);
    if (others !== null) {
      work.normalized[FINANCIAL] = Math.min(work.normalized[FINANCIAL] as number, others);
    }
  }

  let totalWeight = 0;
  let availableWeight = 0;
  let coveredWeight = 0;
  for (let c = 0; c < COMPONENT_COUNT; c++) {
    const weight = plan.configuredWeights[c] as number;
    totalWeight += weight;
    coveredWeight += weight * (work.metricCoverage[c] as number);
    if (work.available[c] === 1) availableWeight += weight;
  }
  const coverage = totalWeight > 0 ? coveredWeight / totalWeight : 0;
  const raw = weightedScore(plan, -1);
  const value =
    raw === null || coverage < model.minCoverage ? null : Math.min(100, Math.max(0, round1(raw)));

  // Arrays of the exact size: `[]` then `push` would allocate room for 17.
  const components: ComponentScore[] = new Array(COMPONENT_COUNT);
  for (let c = 0; c < COMPONENT_COUNT; c++) {
    const available = work.available[c] === 1;
    const normalized = work.normalized[c] as number;
    const weight =
      !available || availableWeight === 0
        ? 0
        : (plan.configuredWeights[c] as number) / availableWeight;
    const shownNormalized = round1(normalized);
    const shownWeight = Math.round(weight * 1000) / 1000;
    const contribution = available ? round1(normalized * weight) : 0;
    // Kept for `findDrivers`, which would otherwise read them back out of the objects.
    work.shownNormalized[c] = shownNormalized;
    work.shownWeight[c] = shownWeight;
    work.contribution[c] = contribution;
    components[c] = {
      name: COMPONENTS[c] as ComponentName,
      available,
      raw: raws[c] as Record<string, number>,
      normalized: available ? shownNormalized : null,
      weight: shownWeight,
      contribution,
    };
  }

  const drivers = findDrivers(previous, facts, model, plan);
  return {
    accountId: aggregate.accountId,
    score: value,
    tier: tierWithHysteresis(value, previous?.tier, model.tiers),
    components,
    coverage: Math.round(coverage * 1000) / 1000,
    drivers,
    flags: [],
    holdingDown: [],
    modelVersion: compiled.modelVersion,
    segment,
    computedAt: now,
  };
}
