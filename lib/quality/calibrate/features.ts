/**
 * The calibration's observations: at each observation date, every account in the
 * backtest's population (an event before it, not churned before it) with the scores the
 * real domain code gives its metrics and components, its churn label, and its usage rate
 * per event name. Events are loaded and folded with the backtest's own loader and
 * in-place fold (lib/quality/backtest), scored with the domain's `score`.
 */
import {
  COMPONENTS,
  type ComponentName,
  evalCurve,
  type Model,
} from "../../../functions/domain/model.ts";
import type { ReplayEvent } from "../backtest/load.ts";
import { DAY_MS } from "../backtest/replay.ts";
import {
  type CompiledModel,
  emptyAggregate,
  MutableAggregate,
  score,
  signalToUpdate,
  usageImpactOf,
} from "../domain.ts";

/** `component.metric`, e.g. `engagement.volume`: one feature of the weight fit. */
export type MetricKey = `${ComponentName}.${string}`;

export interface CalibrationRow {
  readonly accountId: string;
  readonly at: number;
  readonly churned: boolean;
  /** The model's segment for this account ("" : none). */
  readonly segment: string;
  /** The model's score, or null (coverage too low: left out of the fit, as of the AUC). */
  readonly score: number | null;
  /** Metric scores 0-100 by `component.metric`; absent when the metric had no data. */
  readonly metrics: Readonly<Record<MetricKey, number>>;
  /** Component scores 0-100; absent when the component had no data. */
  readonly components: Readonly<Partial<Record<ComponentName, number>>>;
  /** Usage events per seat per day by event name, decayed over the short usage window. */
  readonly usageRates: Readonly<Record<string, number>>;
}

/** Every metric of the model, in a fixed order (component order, then the model's keys). */
export function metricKeysOf(model: Model): MetricKey[] {
  return COMPONENTS.flatMap((c) =>
    Object.keys(model.components[c].metrics).map((m) => `${c}.${m}` as MetricKey),
  );
}

/**
 * A metric's score from its raw value as the score reports it: by its curve, or for the
 * financial status (no curve) the raw value is already the status score.
 */
function metricScore(model: Model, c: ComponentName, m: string, raw: number): number {
  const settings = (model.components[c].metrics as Record<string, { curve?: [number, number][] }>)[
    m
  ];
  return settings?.curve ? evalCurve(settings.curve, raw) : raw;
}

/** Decayed count of one event name: value at `t`, decayed from there on. */
interface Decayed {
  value: number;
  t: number;
}

export interface ObserveOptions {
  readonly at: readonly number[];
  readonly horizonDays: number;
  readonly labels: ReadonlyMap<string, number | null>;
}

/** Replays `events` (time order) to each `at` and reads every account in its population. */
export function observe(
  events: readonly ReplayEvent[],
  compiled: CompiledModel,
  options: ObserveOptions,
): CalibrationRow[] {
  const model = compiled.model;
  const decay = model.decay;
  // The base model's impacts, as the Lambdas would have stored these events.
  const impactOf = usageImpactOf(model);
  const halfLifeMs = decay.usageShortDays * DAY_MS;
  // Decayed sum over a half-life h has mean lifetime h/ln 2: divided by it, a daily rate.
  const daysScale = decay.usageShortDays / Math.LN2;
  const aggregates = new Map<string, MutableAggregate>();
  const usage = new Map<string, Map<string, Decayed>>();
  const rows: CalibrationRow[] = [];
  const horizonMs = options.horizonDays * DAY_MS;
  let next = 0;
  for (const at of [...options.at].sort((a, b) => a - b)) {
    while (next < events.length && (events[next] as ReplayEvent).occurredAt < at) {
      const event = events[next++] as ReplayEvent;
      let aggregate = aggregates.get(event.accountId);
      if (aggregate === undefined) {
        aggregate = new MutableAggregate(emptyAggregate(event.accountId));
        aggregates.set(event.accountId, aggregate);
      }
      for (const signal of event.signals) {
        aggregate.apply(signalToUpdate(signal, impactOf));
        if (signal.values.kind !== "usage") continue;
        let byName = usage.get(event.accountId);
        if (byName === undefined) {
          byName = new Map();
          usage.set(event.accountId, byName);
        }
        const d = byName.get(signal.values.event);
        const t = signal.occurredAt;
        if (d === undefined) byName.set(signal.values.event, { value: signal.values.count, t });
        else {
          d.value = d.value * 2 ** (-(t - d.t) / halfLifeMs) + signal.values.count;
          d.t = t;
        }
      }
    }
    for (const [accountId, live] of aggregates) {
      const aggregate = live.build();
      const churnedAt = options.labels.get(accountId) ?? null;
      if (churnedAt !== null && churnedAt < at) continue;
      const result = score(aggregate, compiled, null, at);
      const metrics: Record<string, number> = {};
      const components: Partial<Record<ComponentName, number>> = {};
      for (const component of result.components) {
        if (component.normalized !== null) components[component.name] = component.normalized;
        for (const [m, raw] of Object.entries(component.raw)) {
          metrics[`${component.name}.${m}`] = metricScore(model, component.name, m, raw);
        }
      }
      const sub = aggregate.registers.subscription?.seats;
      const profile = aggregate.registers.profileSeats?.value;
      const seatsValue = typeof sub === "number" ? sub : typeof profile === "number" ? profile : 1;
      const seats = Math.max(1, seatsValue);
      const usageRates: Record<string, number> = {};
      for (const [name, d] of usage.get(accountId) ?? []) {
        usageRates[name] = (d.value * 2 ** (-(at - d.t) / halfLifeMs)) / daysScale / seats;
      }
      rows.push({
        accountId,
        at,
        churned: churnedAt !== null && churnedAt < at + horizonMs,
        segment: result.segment,
        score: result.score,
        metrics,
        components,
        usageRates,
      });
    }
  }
  return rows;
}
