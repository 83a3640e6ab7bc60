/**
 * Forward decay (Cormode et al., ICDE 2009), design decision 3.
 *
 * A decayed sum is stored as S = Σ wᵢ · 2^((tᵢ − L)/h) for a fixed landmark L, so each
 * event is one commutative `ADD` and reading it at time T is S · 2^(−(T − L)/h).
 *
 * The exponent grows with t − L, so the landmark moves: time is cut into epochs of
 * EPOCH_DAYS, and an event adds to the sum of the epoch it happened in, with that epoch's
 * start as landmark. The exponent therefore stays below EPOCH_DAYS / h (2^182 at worst for
 * a one-day half-life, far inside DynamoDB's 1e125 and a double's range), and a reader
 * adds up the epochs it finds. Old epochs fade to nothing and can be dropped.
 */
import { DAY_MS } from "./time.ts";

/** Start of epoch 0. */
export const DECAY_BASE_MS = Date.UTC(2026, 0, 1);
export const EPOCH_DAYS = 182;
const EPOCH_MS = EPOCH_DAYS * DAY_MS;

export const decayEpoch = (t: number) => Math.floor((t - DECAY_BASE_MS) / EPOCH_MS);
export const epochLandmark = (epoch: number) => DECAY_BASE_MS + epoch * EPOCH_MS;

/** Name of the stored sum for `metric` with half-life `halfLifeDays` in `epoch`. */
export const decayedKey = (metric: string, halfLifeDays: number, epoch: number) =>
  `d_${metric}_${halfLifeDays}d_e${epoch}`;

/** What one event of weight `weight` at time `t` adds to its epoch's sum. */
export function forwardWeight(weight: number, t: number, halfLifeDays: number): number {
  const landmark = epochLandmark(decayEpoch(t));
  return weight * 2 ** ((t - landmark) / (halfLifeDays * DAY_MS));
}

/** The stored key and increment for one event. */
export function decayedIncrement(metric: string, halfLifeDays: number, weight: number, t: number) {
  return {
    key: decayedKey(metric, halfLifeDays, decayEpoch(t)),
    value: forwardWeight(weight, t, halfLifeDays),
  };
}

/** Reads a stored epoch sum back as its decayed value at time `now`. */
export const decayedValueOf = (
  storedSum: number,
  epoch: number,
  halfLifeDays: number,
  now: number,
) => storedSum * 2 ** (-(now - epochLandmark(epoch)) / (halfLifeDays * DAY_MS));

/**
 * Parses a stored decayed-sum key. Returns undefined for any other attribute name.
 * Kept cheap: it runs for every attribute of every aggregate that is scored.
 */
export function parseDecayedKey(
  key: string,
): { metric: string; halfLifeDays: number; epoch: number } | undefined {
  if (!key.startsWith("d_")) return undefined;
  const e = key.lastIndexOf("_e");
  const h = key.lastIndexOf("_", e - 1);
  if (e < 0 || h < 2 || key.charCodeAt(e - 1) !== 100 /* "d" */) return undefined;
  const halfLifeDays = Number(key.slice(h + 1, e - 1));
  const epoch = Number(key.slice(e + 2));
  if (!Number.isFinite(halfLifeDays) || !Number.isInteger(epoch)) return undefined;
  return { metric: key.slice(2, h), halfLifeDays, epoch };
}
