/**
 * The one place where the quality tools (simulator, backtest) reach into the domain code:
 * the generic webhook's payload mapping, the aggregate rules, the score and the model. The
 * backtest runs exactly this code, in memory, so what it measures is what the Lambdas do.
 * When modules move, only these imports change.
 */
export type { Aggregate, AggregateUpdate, LatestValue } from "../../functions/domain/aggregate.ts";
export {
  aggregateOf,
  emptyAggregate,
  isNewer,
  MutableAggregate,
  signalToUpdate,
  usageImpactOf,
} from "../../functions/domain/aggregate.ts";
export { compactAggregate } from "../../functions/domain/history.ts";
export { defaultModel } from "../../functions/domain/model.default.ts";
export { type CompiledModel, compileModel, type Model } from "../../functions/domain/model.ts";
export { type HealthScore, score } from "../../functions/domain/score.ts";
export type { Signal, SignalValues } from "../../functions/domain/signals.ts";
export type { Tier } from "../../functions/domain/tiers.ts";
export { type InboundEvent, MalformedPayloadError } from "../../functions/webhook/inbound.ts";
export { parse as parseGenericEvent } from "../../functions/webhook/providers/generic/map.ts";
export { loadModel } from "../model-source.ts";
