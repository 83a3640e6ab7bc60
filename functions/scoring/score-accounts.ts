/**
 * The scoring use case shared by the stream function and the hourly rescore: for each
 * customer, read its newest aggregate and current score, compute the new score, write it
 * (conditional on the version read) with today's history snapshot and any events in an
 * outbox, then publish the events and clear the outbox. A retry finds an unpublished
 * outbox and publishes it; the events' ids are deterministic, so consumers dedupe.
 *
 * Every score written records when it is next due without new events (domain/due.ts). The
 * rescore asks to keep unchanged scores: a score that shows the same is not rewritten; only
 * today's history point and the next due time are (`ScoreStore.keep`).
 */
import type { Aggregate } from "../domain/aggregate.ts";
import { nextDueAt, showsTheSame } from "../domain/due.ts";
import type { CompiledModel } from "../domain/model.ts";
import { type HealthScore, score } from "../domain/score.ts";
import type { HealthEvent } from "../events/health-events.ts";
import { type AccountLabel, decideEvents, type PreviousState } from "./decide.ts";

export interface StoredScore extends HealthScore, PreviousState, AccountLabel {
  /** Events decided with this score and not yet confirmed published. */
  readonly outbox: readonly HealthEvent[];
}

export interface AccountState {
  readonly aggregate: Aggregate | null;
  readonly current: StoredScore | null;
  /** The score `drop.windowDays` ago, from the daily history. */
  readonly earlierScore: number | null;
}

/** Storage port of the scoring use case. */
export interface ScoreStore {
  load(
    accountIds: readonly string[],
    now: number,
    windowDays: number,
  ): Promise<Map<string, AccountState>>;
  /**
   * Writes `next`, due again at `dueAt` (@default the next UTC day start after it was
   * computed), with today's history point, if the stored version is still
   * `expectedVersion`; false otherwise.
   */
  save(next: StoredScore, expectedVersion: number | null, dueAt?: number): Promise<boolean>;
  /**
   * For a rescore that found `current` showing the same at `now`: writes today's history
   * point (from `current`, as of `now`) and the next due time, without rewriting the score,
   * if the stored version is still `current.version`; false otherwise.
   */
  keep(current: StoredScore, now: number, dueAt: number): Promise<boolean>;
  clearOutbox(accountId: string, version: number): Promise<void>;
}

export interface EventPublisher {
  publish(events: readonly HealthEvent[]): Promise<void>;
}

export interface ScoreDeps {
  readonly store: ScoreStore;
  readonly publisher: EventPublisher;
  readonly model: CompiledModel;
  /** Customers scored at the same time; each one is a read and a transaction. @default 8 */
  readonly concurrency?: number;
}

export interface ScoreOptions {
  /**
   * Keep a score that shows the same as the stored one (no events, same score, tier, flags,
   * drop state): the rescore's choice. New events always write their score. @default false
   */
  readonly keepUnchanged?: boolean;
}

export interface ScoreResult {
  readonly scored: string[];
  /** Score items written; a customer with no aggregate yet is scored but not written. */
  written: number;
  /** Scores found unchanged and kept (only their history point and due time written). */
  kept: number;
  published: number;
  readonly failed: Map<string, Error>;
}

const MAX_ATTEMPTS = 4;

function labelOf(aggregate: Aggregate): AccountLabel {
  const value = (name: "profileName" | "profileOwner") => {
    const v = aggregate.registers[name]?.value;
    return typeof v === "string" ? v : null;
  };
  return { accountName: value("profileName"), owner: value("profileOwner") };
}

/** Scores each account once, from its newest state. Failures are per account. */
export async function scoreAccounts(
  deps: ScoreDeps,
  accountIds: readonly string[],
  now: number,
  options: ScoreOptions = {},
): Promise<ScoreResult> {
  const unique = [...new Set(accountIds)];
  const result: ScoreResult = {
    scored: [],
    written: 0,
    kept: 0,
    published: 0,
    failed: new Map(),
  };
  let pending = unique;
  for (let attempt = 1; pending.length > 0 && attempt <= MAX_ATTEMPTS; attempt++) {
    const conflicted: string[] = [];
    const states = await loadEach(deps, pending, now, result.failed);
    let next = 0;
    const worker = async () => {
      while (next < pending.length) {
        const accountId = pending[next++] as string;
        if (result.failed.has(accountId)) continue; // could not be read
        try {
          const outcome = await scoreOne(deps, states.get(accountId), now, options);
          if (outcome === "conflict") conflicted.push(accountId);
          else {
            result.scored.push(accountId);
            result.written += outcome.written;
            result.kept += outcome.kept;
            result.published += outcome.published;
          }
        } catch (error) {
          result.failed.set(accountId, error as Error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, deps.concurrency ?? 8) }, worker));
    pending = conflicted;
  }
  for (const id of pending) result.failed.set(id, new Error("score write kept conflicting"));
  return result;
}

/**
 * Reads the customers' states in one call; if that fails, reads them one by one, so that
 * one unreadable customer fails alone. Customers that cannot be read go to `failed`.
 */
async function loadEach(
  deps: ScoreDeps,
  accountIds: readonly string[],
  now: number,
  failed: Map<string, Error>,
): Promise<Map<string, AccountState>> {
  const windowDays = deps.model.model.drop.windowDays;
  try {
    return await deps.store.load(accountIds, now, windowDays);
  } catch (error) {
    if (accountIds.length === 1) {
      failed.set(accountIds[0] as string, error as Error);
      return new Map();
    }
  }
  const states = new Map<string, AccountState>();
  for (const id of accountIds) {
    try {
      const state = (await deps.store.load([id], now, windowDays)).get(id);
      if (state) states.set(id, state);
    } catch (error) {
      failed.set(id, error as Error);
    }
  }
  return states;
}

interface Outcome {
  readonly written: number;
  readonly kept: number;
  readonly published: number;
}

/** What scoring one customer did, or "conflict" when another writer won. */
async function scoreOne(
  deps: ScoreDeps,
  state: AccountState | undefined,
  now: number,
  options: ScoreOptions,
): Promise<Outcome | "conflict"> {
  let published = 0;
  const current = state?.current ?? null;
  if (current && current.outbox.length > 0) {
    // An earlier attempt saved these events but may not have published them.
    await deps.publisher.publish(current.outbox);
    await deps.store.clearOutbox(current.accountId, current.version);
    published += current.outbox.length;
  }
  if (!state?.aggregate) return { written: 0, kept: 0, published };

  const next = score(state.aggregate, deps.model, current, now);
  const label = labelOf(state.aggregate);
  const { events, inDrop } = decideEvents(
    current,
    next,
    state.earlierScore,
    deps.model.model,
    label,
  );
  const dueAt = nextDueAt(
    {
      aggregate: state.aggregate,
      compiled: deps.model,
      scored: next,
      inDrop,
      earlierScore: state.earlierScore,
    },
    now,
  );
  const version = (current?.version ?? 0) + 1;
  const stored: StoredScore = { ...next, ...label, version, inDrop, outbox: events };
  if (options.keepUnchanged && current && events.length === 0 && showsTheSame(current, stored)) {
    if (!(await deps.store.keep(current, now, dueAt))) return "conflict";
    return { written: 0, kept: 1, published };
  }
  if (!(await deps.store.save(stored, current?.version ?? null, dueAt))) return "conflict";
  if (events.length > 0) {
    await deps.publisher.publish(events);
    await deps.store.clearOutbox(next.accountId, version);
  }
  return { written: 1, kept: 0, published: published + events.length };
}
