/**
 * Replays events through the real aggregate and score code on a simulated clock. Every
 * account is rescored at each midnight (as the hourly rescore keeps production scores
 * fresh, with the previous score for tier hysteresis), and at each observation date its
 * score is recorded with its churn label. One replay serves several models side by side.
 */
import {
  type CompiledModel,
  compactAggregate,
  emptyAggregate,
  type HealthScore,
  MutableAggregate,
  type Signal,
  score,
  signalToUpdate,
  type Tier,
  usageImpactOf,
} from "../domain.ts";
import type { ReplayEvent } from "./load.ts";

export const DAY_MS = 86_400_000;

export interface ReplayOptions {
  readonly models: readonly CompiledModel[];
  /** Observation instants, epoch ms. */
  readonly at: readonly number[];
  readonly horizonDays: number;
  /** Churn time by account; an account missing here is taken as not churned. */
  readonly labels: ReadonlyMap<string, number | null>;
}

/** One account at one observation date, as one model scored it. */
export interface Observation {
  readonly accountId: string;
  readonly at: number;
  readonly score: number | null;
  readonly tier: Tier;
  readonly coverage: number;
  /** Churned within the horizon after `at`. */
  readonly churned: boolean;
}

export interface ChurnLead {
  readonly accountId: string;
  /** Days from the start of the at-risk/critical run that lasted until churn; null: never flagged. */
  readonly leadDays: number | null;
}

/** What one model did over the replay. */
export interface ModelRun {
  readonly model: CompiledModel;
  readonly observations: Observation[];
  /** Changes between known tiers (unknown in between is skipped) on the daily rescore. */
  tierFlips: number;
  /** Account-days scored by the daily rescore while the account had not churned. */
  accountDays: number;
  readonly leads: ChurnLead[];
  scores: number;
}

interface ModelTrack {
  previous: HealthScore | null;
  lastKnown: Tier | null;
  flaggedSince: number | null;
}

interface Account {
  /** One aggregate per distinct impact setting among the models (what is stored depends on it). */
  readonly aggregates: MutableAggregate[];
  readonly tracks: ModelTrack[];
  readonly churnedAt: number | null;
  done: boolean;
}

/** The instants the clock stops at: every midnight from the first event on, and each `at`. */
function ticksOf(events: readonly ReplayEvent[], at: readonly number[]) {
  const first = events[0]?.occurredAt ?? Math.min(...at);
  const last = Math.max(events[events.length - 1]?.occurredAt ?? first, ...at);
  const ticks = new Map<number, { daily: boolean; observe: boolean }>();
  for (let t = Math.floor(first / DAY_MS + 1) * DAY_MS; t <= last + DAY_MS; t += DAY_MS) {
    ticks.set(t, { daily: true, observe: false });
  }
  for (const t of at) ticks.set(t, { daily: ticks.get(t)?.daily ?? false, observe: true });
  return [...ticks.entries()].sort(([a], [b]) => a - b);
}

/** Replays `events` (in time order) and scores every account with every model. */
export function replay(events: readonly ReplayEvent[], options: ReplayOptions): ModelRun[] {
  const { models, labels } = options;
  // Models that store the same aggregate share it: the same usage impacts (half-lives are
  // applied when reading).
  const writeKeys = models.map(({ model: { components } }) => {
    const { impacts, defaultImpact } = components.engagement;
    return JSON.stringify({ impacts, defaultImpact });
  });
  const groups = [...new Set(writeKeys)];
  const groupOf = writeKeys.map((key) => groups.indexOf(key));
  const writers = groups.map((key) => {
    const { model } = models[writeKeys.indexOf(key)] as CompiledModel;
    return { impactOf: usageImpactOf(model) };
  });
  const runs: ModelRun[] = models.map((model) => ({
    model,
    observations: [],
    tierFlips: 0,
    accountDays: 0,
    leads: [],
    scores: 0,
  }));
  const accounts = new Map<string, Account>();
  const horizonMs = options.horizonDays * DAY_MS;
  let next = 0;

  const apply = (accountId: string, signals: readonly Signal[]) => {
    let account = accounts.get(accountId);
    if (account === undefined) {
      account = {
        aggregates: groups.map(() => new MutableAggregate(emptyAggregate(accountId))),
        tracks: models.map(() => ({ previous: null, lastKnown: null, flaggedSince: null })),
        churnedAt: labels.get(accountId) ?? null,
        done: false,
      };
      accounts.set(accountId, account);
    }
    for (let g = 0; g < groups.length; g++) {
      const aggregate = account.aggregates[g] as MutableAggregate;
      const { impactOf } = writers[g] as (typeof writers)[number];
      for (const signal of signals) aggregate.apply(signalToUpdate(signal, impactOf));
    }
  };

  for (const [tick, kind] of ticksOf(events, options.at)) {
    while (next < events.length && (events[next] as ReplayEvent).occurredAt < tick) {
      const event = events[next++] as ReplayEvent;
      apply(event.accountId, event.signals);
    }
    const monthStart = kind.daily && new Date(tick).getUTCDate() === 1;
    for (const [accountId, account] of accounts) {
      if (account.done) continue;
      // Stored history is kept folded (history.ts); so is the replay's, which keeps
      // reading it cheap over long replays.
      if (monthStart)
        for (const a of account.aggregates) a.replaceHistory(compactAggregate(a.build(), tick));
      if (account.churnedAt !== null && account.churnedAt < tick) {
        // Churned: out of every population from now on. The first midnight after the
        // churn closes its trajectory with its lead time.
        if (kind.daily) {
          account.done = true;
          account.tracks.forEach((track, m) => {
            const leadDays =
              track.flaggedSince === null
                ? null
                : Math.round(((account.churnedAt as number) - track.flaggedSince) / DAY_MS);
            runs[m]?.leads.push({ accountId, leadDays });
          });
        }
        continue;
      }
      models.forEach((model, m) => {
        const run = runs[m] as ModelRun;
        const track = account.tracks[m] as ModelTrack;
        const aggregate = account.aggregates[groupOf[m] as number] as MutableAggregate;
        const result = score(aggregate.build(), model, track.previous, tick);
        run.scores++;
        if (kind.observe) {
          const churnedAt = account.churnedAt;
          run.observations.push({
            accountId,
            at: tick,
            score: result.score,
            tier: result.tier,
            coverage: result.coverage,
            churned: churnedAt !== null && churnedAt < tick + horizonMs,
          });
        }
        if (!kind.daily) return;
        track.previous = result;
        run.accountDays++;
        if (result.tier === "unknown") return;
        if (track.lastKnown !== null && track.lastKnown !== result.tier) run.tierFlips++;
        track.lastKnown = result.tier;
        if (result.tier === "healthy") track.flaggedSince = null;
        else track.flaggedSince ??= tick;
      });
    }
  }
  return runs;
}
