/**
 * The health score: a pure function of (aggregate, model, previous score, now), design
 * decisions 4, 6 and 7. Every score explains itself: components with raw, normalized,
 * weight and contribution; the share of the model backed by data; and the drivers that
 * moved it, in plain words.
 */
import type { Aggregate } from "./aggregate.ts";
import { daysSinceActive, type Facts, readFacts } from "./facts.ts";
import {
  COMPONENTS,
  type CompiledCurve,
  type CompiledModel,
  type ComponentName,
  type Curve,
  compileCurve,
  evalCompiledCurve,
  type Model,
  segmentFor,
} from "./model.ts";
import { hundredths, round1 } from "./rounding.ts";
import type { SubscriptionStatus } from "./signals.ts";
import { type Tier, tierWithHysteresis } from "./tiers.ts";
import { shortDate } from "./time.ts";

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

export interface HealthScore {
  readonly accountId: string;
  readonly score: number | null;
  readonly tier: Tier;
  readonly components: readonly ComponentScore[];
  /** Share of the model's weight backed by data, 0-1. */
  readonly coverage: number;
  readonly drivers: readonly Driver[];
  readonly modelVersion: string;
  readonly segment: string;
  readonly computedAt: number;
}

/** The parts of a previous score this one is compared with. */
export type PreviousScore = Pick<HealthScore, "tier" | "components" | "score">;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A measurement with data: a metric without data (null, NaN, ±Infinity) is left out. */
const measured = (x: number | null): x is number => x !== null && Number.isFinite(x);
const seatsOf = (f: Facts) => (f.seats && f.seats > 0 ? f.seats : 1);

/*
 * Scoring is a hot path: the hourly rescore reads every customer, and the bench scores
 * 100k accounts on one core. The shapes below are chosen for that:
 * - everything that depends on the model alone comes from a `ScorePlan`, computed once
 *   per (segment) model;
 * - the per-metric and per-component working values live in flat typed arrays reused by
 *   every call (`work`), not in an object per metric and per component, so a score
 *   allocates little beyond what it returns;
 * - each component's `raw` record is written with literal property names, one store site
 *   per metric, which V8 keeps fast; one generic `raw[name] = …` site would see every
 *   shape of every component and fall back to its slowest path;
 * - no closures, `map`/`filter`/`sort` callbacks or string keys built per call; reasons
 *   are only made for the drivers reported, mostly from phrases already built (`Phrases`).
 */

const ENGAGEMENT = COMPONENTS.indexOf("engagement");
const ADOPTION = COMPONENTS.indexOf("adoption");
const SENTIMENT = COMPONENTS.indexOf("sentiment");
const SUPPORT = COMPONENTS.indexOf("support");
const FINANCIAL = COMPONENTS.indexOf("financial");
const COMPONENT_COUNT = COMPONENTS.length;

/** A metric's weight and its curve, compiled. */
interface PlannedMetric {
  readonly weight: number;
  readonly curve: CompiledCurve;
}
type Planned<Metrics> = { readonly [K in keyof Metrics]: PlannedMetric };
type MetricsOf<C extends ComponentName> = Model["components"][C]["metrics"];

/** What scoring needs from one (segment) model, computed once per model. */
interface ScorePlan {
  /** Per component, in COMPONENTS order: its weight, and its metrics' total weight. */
  readonly configuredWeights: Float64Array;
  readonly metricWeightTotals: Float64Array;
  readonly engagement: Planned<MetricsOf<"engagement">>;
  readonly adoption: Planned<MetricsOf<"adoption">>;
  readonly sentiment: Planned<MetricsOf<"sentiment">>;
  readonly support: Planned<MetricsOf<"support">>;
  readonly financial: Planned<MetricsOf<"financial">>;
  readonly phrases: ModelPhrases;
}
const scorePlans = new WeakMap<Model, ScorePlan>();
/** The last few plans used: a batch cycles through the same few segment models. */
const recentPlans: ScorePlan[] = [];
const recentModels: Model[] = [];
const RECENT_PLANS = 4;

const NO_CURVE = compileCurve([]);

function planMetrics<M extends Record<string, { weight: number; curve?: Curve }>>(
  metrics: M,
): Planned<M> {
  const planned: Record<string, PlannedMetric> = {};
  for (const key in metrics) {
    const { weight, curve } = metrics[key] as M[typeof key];
    planned[key] = { weight, curve: curve ? compileCurve(curve) : NO_CURVE };
  }
  return planned as Planned<M>;
}

function scorePlanOf(model: Model): ScorePlan {
  for (let i = 0; i < recentModels.length; i++) {
    if (recentModels[i] === model) return recentPlans[i] as ScorePlan;
  }
  const plan = scorePlans.get(model) ?? newScorePlan(model);
  if (recentModels.length === RECENT_PLANS) {
    recentModels.shift();
    recentPlans.shift();
  }
  recentModels.push(model);
  recentPlans.push(plan);
  return plan;
}

function newScorePlan(model: Model): ScorePlan {
  const configuredWeights = new Float64Array(COMPONENT_COUNT);
  const metricWeightTotals = new Float64Array(COMPONENT_COUNT);
  COMPONENTS.forEach((name, c) => {
    const component = model.components[name];
    configuredWeights[c] = component.weight;
    // Summed in the metrics' key order, as `score` always has.
    let totalW = 0;
    for (const key in component.metrics) {
      totalW += (component.metrics as Record<string, { weight: number }>)[key]?.weight ?? 0;
    }
    metricWeightTotals[c] = totalW;
  });
  const c = model.components;
  const plan: ScorePlan = {
    configuredWeights,
    metricWeightTotals,
    engagement: planMetrics(c.engagement.metrics),
    adoption: planMetrics(c.adoption.metrics),
    sentiment: planMetrics(c.sentiment.metrics),
    support: planMetrics(c.support.metrics),
    financial: planMetrics(c.financial.metrics),
    phrases: phrasesFor(model),
  };
  scorePlans.set(model, plan);
  return plan;
}

/** Room per component in the metric arrays (the most any component has is 5). */
const MAX_METRICS = 8;

/**
 * The working values of the `score` call in progress. Component c's metrics are at
 * [c · MAX_METRICS, c · MAX_METRICS + metricCount[c]), in the order they are reported.
 * `score` is synchronous and calls back into no caller's code, so no two calls share it.
 */
const work = {
  metricName: new Array<string>(COMPONENT_COUNT * MAX_METRICS).fill(""),
  metricRaw: new Float64Array(COMPONENT_COUNT * MAX_METRICS),
  metricNormalized: new Float64Array(COMPONENT_COUNT * MAX_METRICS),
  metricWeight: new Float64Array(COMPONENT_COUNT * MAX_METRICS),
  metricCount: new Int32Array(COMPONENT_COUNT),
  /** 1 when the component has metric weight backed by data. */
  available: new Uint8Array(COMPONENT_COUNT),
  /** Weighted mean of the component's metrics (0-100), where available. */
  normalized: new Float64Array(COMPONENT_COUNT),
  /** Share of the component's metric weight that has data. */
  metricCoverage: new Float64Array(COMPONENT_COUNT),
  /** The component's normalized, weight and contribution as reported (rounded). */
  shownNormalized: new Float64Array(COMPONENT_COUNT),
  shownWeight: new Float64Array(COMPONENT_COUNT),
  contribution: new Float64Array(COMPONENT_COUNT),
  /** Driver candidates, ordered by |impact|, largest first. */
  candidateComponent: new Int32Array(COMPONENT_COUNT),
  candidateImpact: new Float64Array(COMPONENT_COUNT),
};

function addMetric(c: number, name: string, raw: number, normalized: number, weight: number) {
  const n = work.metricCount[c] as number;
  const k = c * MAX_METRICS + n;
  work.metricName[k] = name;
  work.metricRaw[k] = raw;
  work.metricNormalized[k] = normalized;
  work.metricWeight[k] = weight;
  work.metricCount[c] = n + 1;
}

/** Adds a measured metric normalized by its curve. */
const addCurveMetric = (c: number, name: string, metric: PlannedMetric, raw: number) =>
  addMetric(c, name, raw, evalCompiledCurve(metric.curve, raw), metric.weight);

/** How many of `names` are in `set` (duplicates in `names` count each time). */
function countIn(names: readonly string[], set: ReadonlySet<string>): number {
  let n = 0;
  for (let i = 0; i < names.length; i++) if (set.has(names[i] as string)) n++;
  return n;
}

/** How many of `names` are in `list` (duplicates in `names` count each time). */
function countAmong(names: readonly string[], list: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < names.length; i++) if (list.includes(names[i] as string)) n++;
  return n;
}

/*
 * One function per component: each adds the component's available metrics to `work` and
 * returns its `raw` record (a metric without data is simply left out of both).
 */

function engagementMetrics(f: Facts, plan: ScorePlan): Record<string, number> {
  const raw: Record<string, number> = {};
  if (f.usagePerDayShort === null && f.lastActiveDay === null) return raw;
  const m = plan.engagement;
  const volume = f.usagePerDayShort === null ? 0 : f.usagePerDayShort / seatsOf(f);
  if (measured(volume)) {
    raw.volume = hundredths(volume);
    addCurveMetric(ENGAGEMENT, "volume", m.volume, volume);
  }
  const recency = daysSinceActive(f);
  if (measured(recency)) {
    raw.recency = hundredths(recency);
    addCurveMetric(ENGAGEMENT, "recency", m.recency, recency);
  }
  if (f.usagePerDayLong !== null && f.usagePerDayLong > 1e-9) {
    const trend = (f.usagePerDayShort ?? 0) / f.usagePerDayLong;
    if (measured(trend)) {
      raw.trend = hundredths(trend);
      addCurveMetric(ENGAGEMENT, "trend", m.trend, trend);
    }
  }
  return raw;
}

function adoptionMetrics(f: Facts, model: Model, plan: ScorePlan): Record<string, number> {
  const raw: Record<string, number> = {};
  const a = model.components.adoption;
  if (f.featuresEver) {
    const breadth =
      a.keyFeatures.length > 0
        ? countAmong(a.keyFeatures, f.recentFeatures) / a.keyFeatures.length
        : Math.min(1, f.recentFeatures.length / a.targetFeatureCount);
    if (measured(breadth)) {
      raw.breadth = hundredths(breadth);
      addCurveMetric(ADOPTION, "breadth", plan.adoption.breadth, breadth);
    }
  }
  if (f.milestones.size > 0 && a.milestones.length > 0) {
    const milestones = countIn(a.milestones, f.milestones) / a.milestones.length;
    if (measured(milestones)) {
      raw.milestones = hundredths(milestones);
      addCurveMetric(ADOPTION, "milestones", plan.adoption.milestones, milestones);
    }
  }
  return raw;
}

function sentimentMetrics(f: Facts, model: Model, plan: ScorePlan): Record<string, number> {
  const raw: Record<string, number> = {};
  const s = model.components.sentiment;
  if (f.nps && f.nps.responses >= s.minResponses && measured(f.nps.value)) {
    raw.nps = hundredths(f.nps.value);
    addCurveMetric(SENTIMENT, "nps", plan.sentiment.nps, f.nps.value);
  }
  if (f.csat && f.csat.responses >= s.minResponses && measured(f.csat.mean)) {
    raw.csat = hundredths(f.csat.mean);
    addCurveMetric(SENTIMENT, "csat", plan.sentiment.csat, f.csat.mean);
  }
  if (f.ces && f.ces.responses >= s.minResponses && measured(f.ces.mean)) {
    raw.ces = hundredths(f.ces.mean);
    addCurveMetric(SENTIMENT, "ces", plan.sentiment.ces, f.ces.mean);
  }
  return raw;
}

function supportMetrics(f: Facts, plan: ScorePlan): Record<string, number> {
  const raw: Record<string, number> = {};
  if (!f.ticketsEver) return raw;
  const m = plan.support;
  if (measured(f.openTickets)) {
    raw.openTickets = hundredths(f.openTickets);
    addCurveMetric(SUPPORT, "openTickets", m.openTickets, f.openTickets);
  }
  if (measured(f.urgentOpenTickets)) {
    raw.urgentTickets = hundredths(f.urgentOpenTickets);
    addCurveMetric(SUPPORT, "urgentTickets", m.urgentTickets, f.urgentOpenTickets);
  }
  const volume = f.ticketsPerMonth / seatsOf(f);
  if (measured(volume)) {
    raw.volume = hundredths(volume);
    addCurveMetric(SUPPORT, "volume", m.volume, volume);
  }
  if (measured(f.reopenRate)) {
    raw.reopenRate = hundredths(f.reopenRate);
    addCurveMetric(SUPPORT, "reopenRate", m.reopenRate, f.reopenRate);
  }
  if (measured(f.ticketMood)) {
    raw.textSentiment = hundredths(f.ticketMood);
    addCurveMetric(SUPPORT, "textSentiment", m.textSentiment, f.ticketMood);
  }
  return raw;
}

function financialMetrics(f: Facts, model: Model, plan: ScorePlan): Record<string, number> {
  const raw: Record<string, number> = {};
  if (!f.billingEver) return raw;
  const fin = model.components.financial;
  const status = f.subscription?.status;
  // Every status a signal can carry has a score (the model's schema requires it); a stored
  // value that is not a status is left out, not guessed.
  if (typeof status === "string" && Object.hasOwn(fin.statusScores, status)) {
    let value = fin.statusScores[status as SubscriptionStatus];
    // A subscription set to end is as good as canceled for planning purposes, but not yet lost.
    if (f.subscription?.cancelAtPeriodEnd === true) value = Math.min(value, 20);
    raw.status = hundredths(value);
    addMetric(FINANCIAL, "status", value, value, plan.financial.status.weight);
  }
  if (measured(f.unrecoveredFailures)) {
    raw.failedPayments = hundredths(f.unrecoveredFailures);
    addCurveMetric(
      FINANCIAL,
      "failedPayments",
      plan.financial.failedPayments,
      f.unrecoveredFailures,
    );
  }
  if (f.mrr !== null && f.mrrAtLookback !== null && f.mrrAtLookback > 0) {
    const contraction = f.mrr / f.mrrAtLookback;
    if (measured(contraction)) {
      raw.contraction = hundredths(contraction);
      addCurveMetric(FINANCIAL, "contraction", plan.financial.contraction, contraction);
    }
  }
  const refundsDisputes = f.refunds + 3 * f.disputes;
  if (measured(refundsDisputes)) {
    raw.refundsDisputes = hundredths(refundsDisputes);
    addCurveMetric(FINANCIAL, "refundsDisputes", plan.financial.refundsDisputes, refundsDisputes);
  }
  const renewsAt = f.subscription?.renewsAt;
  if (typeof renewsAt === "number") {
    const days = (renewsAt - f.now) / 86_400_000;
    if (days >= 0 && days <= fin.renewalWindowDays && measured(days)) {
      raw.renewal = hundredths(days);
      addCurveMetric(FINANCIAL, "renewal", plan.financial.renewal, days);
    }
  }
  return raw;
}

/** Fills the component's weighted mean and metric coverage from its metrics in `work`. */
function evaluate(c: number, plan: ScorePlan): void {
  let sumW = 0;
  let sumWN = 0;
  const end = c * MAX_METRICS + (work.metricCount[c] as number);
  for (let k = c * MAX_METRICS; k < end; k++) {
    const w = work.metricWeight[k] as number;
    sumW += w;
    sumWN += w * (work.metricNormalized[k] as number);
  }
  work.available[c] = sumW > 0 ? 1 : 0;
  work.normalized[c] = sumW > 0 ? sumWN / sumW : 0;
  const totalW = plan.metricWeightTotals[c] as number;
  work.metricCoverage[c] = totalW > 0 ? sumW / totalW : 0;
}

/** Weighted mean over available components, skipping component `except`; null if none. */
function weightedScore(plan: ScorePlan, except: number): number | null {
  let w = 0;
  let wn = 0;
  for (let c = 0; c < COMPONENT_COUNT; c++) {
    const weight = plan.configuredWeights[c] as number;
    if (work.available[c] !== 1 || c === except || weight === 0) continue;
    w += weight;
    wn += weight * (work.normalized[c] as number);
  }
  return w > 0 ? wn / w : null;
}

/**
 * The metric that best explains a component's direction: its biggest loss, or its best
 * (the first of equals). Its index in `work`, or -1 when the component has no metrics.
 */
function telling(c: number, down: boolean): number {
  let best = -1;
  let bestValue = Number.NEGATIVE_INFINITY;
  const end = c * MAX_METRICS + (work.metricCount[c] as number);
  for (let k = c * MAX_METRICS; k < end; k++) {
    const w = work.metricWeight[k] as number;
    const normalized = work.metricNormalized[k] as number;
    const value = down ? w * (100 - normalized) : w * normalized;
    if (value > bestValue) {
      best = k;
      bestValue = value;
    }
  }
  return best;
}

/**
 * Strings built from one number, kept by that number. Reasons quote a few rounded numbers
 * ("no product usage for 21 days"), so across customers the same strings recur: building
 * them (number-to-string conversions, concatenation) costs more than finding them.
 * Keys are compared as Map keys are (-0 as 0), which no reason below tells apart.
 */
class Phrases {
  /** By small whole number (most quoted numbers are), an array index being cheaper still. */
  private readonly small: (string | undefined)[] = new Array(SMALL_NUMBERS).fill(undefined);
  private readonly built = new Map<number, string>();
  constructor(private readonly build: (n: number) => string) {}

  of(n: number): string {
    const isSmall = n >= 0 && n < SMALL_NUMBERS && Number.isInteger(n);
    let phrase = isSmall ? this.small[n] : this.built.get(n);
    if (phrase === undefined) {
      phrase = this.build(n);
      if (isSmall) this.small[n] = phrase;
      else if (this.built.size < MAX_PHRASES) this.built.set(n, phrase);
    }
    return phrase;
  }
}
const SMALL_NUMBERS = 512;
const MAX_PHRASES = 2_000;

/** The reasons that quote numbers, per model (some quote its settings too). */
function phrasesFor(model: Model) {
  const adoption = model.components.adoption;
  const financial = model.components.financial;
  const keyFeatures = adoption.keyFeatures.length;
  const milestones = adoption.milestones.length;
  const failureDays = financial.failedPaymentWindowDays;
  const lookbackDays = financial.contractionLookbackDays;
  return {
    recency: new Phrases((days) => {
      if (days >= 2) return `no product usage for ${days} days`;
      return days === 0 ? "active today" : "last active yesterday";
    }),
    usageVolume: new Phrases(
      (tenths) => `${tenths / 10} usage events per seat per day over the last week`,
    ),
    trend: new Phrases((pct) =>
      pct < 0
        ? `usage down ${-pct}% against the monthly average`
        : `usage up ${pct}% against the monthly average`,
    ),
    breadth: new Phrases((used) =>
      keyFeatures > 0
        ? `${used} of ${keyFeatures} key features used in the last ${adoption.recentDays} days`
        : `${plural(used, "feature")} used in the last ${adoption.recentDays} days`,
    ),
    milestones: new Phrases(
      (reached) => `${reached} of ${milestones} onboarding milestones reached`,
    ),
    nps: new Phrases((value) => `NPS ${value} over recent answers`),
    openTickets: new Phrases((n) => `${plural(n, "open ticket")}`),
    urgentTickets: new Phrases((n) => `${plural(n, "urgent or high-priority ticket")} open`),
    ticketVolume: new Phrases((tenths) => `${tenths / 10} tickets per seat in the last month`),
    reopenRate: new Phrases((pct) => `${pct}% of solved tickets reopened`),
    failedPayments: new Phrases((n) =>
      n === 0
        ? `no unrecovered failed payments in the last ${failureDays} days`
        : `${plural(n, "failed payment")} in the last ${failureDays} days not yet recovered`,
    ),
    contraction: new Phrases((pct) =>
      pct > 0
        ? `MRR down ${pct}% over ${lookbackDays} days`
        : `MRR steady or growing over ${lookbackDays} days`,
    ),
    disputes: new Phrases((n) => `${plural(n, "payment dispute")} recently`),
    refunds: new Phrases((n) => `${plural(n, "refund")} recently`),
    renewal: new Phrases((days) => `renews in ${plural(days, "day")}`),
  };
}
type ModelPhrases = ReturnType<typeof phrasesFor>;

/**
 * Plain-words reason for one metric, quoting the facts ("no product usage for 21 days").
 * Dispatches on the two names in turn rather than on a `component.metric` string built
 * for the purpose; each phrase gets the rounded number it quotes.
 */
function describe(
  component: ComponentName,
  metricName: string,
  raw: number,
  f: Facts,
  model: Model,
  phrases: ModelPhrases,
): string {
  switch (component) {
    case "engagement":
      switch (metricName) {
        case "recency":
          return phrases.recency.of(Math.round(raw));
        case "volume":
          return phrases.usageVolume.of(Math.round(raw * 10));
        case "trend":
          return phrases.trend.of(Math.round((raw - 1) * 100));
      }
      break;
    case "adoption":
      switch (metricName) {
        case "breadth": {
          const keyFeatures = model.components.adoption.keyFeatures.length;
          return phrases.breadth.of(
            keyFeatures > 0 ? Math.round(raw * keyFeatures) : f.recentFeatures.length,
          );
        }
        case "milestones":
          return phrases.milestones.of(
            Math.round(raw * model.components.adoption.milestones.length),
          );
      }
      break;
    case "sentiment":
      switch (metricName) {
        case "nps": {
          const last = f.lastNps;
          if (last && last.score <= 6)
            return `NPS detractor (${last.score}) on ${shortDate(last.at)}`;
          if (last && last.score >= 9)
            return `NPS promoter (${last.score}) on ${shortDate(last.at)}`;
          return phrases.nps.of(Math.round(raw));
        }
        case "csat":
          return `average CSAT ${raw.toFixed(1)} of 5`;
        case "ces":
          return `average effort score ${raw.toFixed(1)} of 7`;
      }
      break;
    case "support":
      switch (metricName) {
        case "openTickets":
          return phrases.openTickets.of(raw);
        case "urgentTickets":
          return phrases.urgentTickets.of(raw);
        case "volume":
          return phrases.ticketVolume.of(Math.round(raw * 10));
        case "reopenRate":
          return phrases.reopenRate.of(Math.round(raw * 100));
        case "textSentiment":
          return raw < -0.1
            ? "ticket messages read as frustrated"
            : raw > 0.1
              ? "ticket messages read as positive"
              : "ticket messages read as neutral";
      }
      break;
    case "financial":
      switch (metricName) {
        case "status": {
          const status = String(f.subscription?.status ?? "unknown").replace("_", " ");
          return f.subscription?.cancelAtPeriodEnd === true
            ? `subscription set to cancel at period end`
            : `subscription ${status}`;
        }
        case "failedPayments":
          return phrases.failedPayments.of(raw);
        case "contraction":
          return phrases.contraction.of(Math.round((1 - raw) * 100));
        case "refundsDisputes": {
          const disputes = Math.round(f.disputes);
          const refunds = Math.round(f.refunds);
          if (disputes > 0) return phrases.disputes.of(disputes);
          return refunds > 0 ? phrases.refunds.of(refunds) : "no recent refunds or disputes";
        }
        case "renewal":
          return phrases.renewal.of(Math.round(raw));
      }
      break;
  }
  return `${component} ${metricName} ${round1(raw)}`;
}

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
    modelVersion: compiled.modelVersion,
    segment,
    computedAt: now,
  };
}

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
function findDrivers(
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
