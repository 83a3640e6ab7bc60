/**
 * Projects what the table's stream shows into the dashboard's items: each score written
 * updates its customer's row and the portfolio summary (exactly once per score version),
 * records the alerts it decided, and is pushed to open pages; each event applied becomes a
 * line of its customer's event log. Use case over the ProjectionStore and LiveFeed ports.
 *
 * Exactly once: a row remembers the last score version applied, and the row write (on the
 * condition that the row is still the one read) and the summary's counters change in one
 * transaction. A redelivered score is older than the row, so it changes nothing; a
 * transaction that lost a race is re-read and recomputed. Alerts and event lines are keyed
 * by their ids, so writing them again is harmless.
 */
import type { AlertItem, LiveMessage } from "./contract.ts";
import {
  addTransition,
  type Billing,
  type DashboardRow,
  rowOf,
  type ScoreWritten,
  SummaryDelta,
  sameView,
} from "./summary.ts";

/** An alert sent, with the id of the event that carried it. */
export interface AlertRecord extends AlertItem {
  readonly eventId: string;
}

/** One line of a customer's event log. */
export interface FeedEntry {
  readonly accountId: string;
  readonly occurredAt: number;
  readonly source: string;
  readonly eventId: string;
  readonly text: string;
}

export type StreamChange =
  | {
      readonly kind: "score";
      readonly score: ScoreWritten;
      readonly alerts: readonly AlertRecord[];
    }
  | { readonly kind: "event"; readonly entry: FeedEntry };

/** A row to write, and the version and day of the row it replaces (null: there was none). */
export interface RowWrite {
  readonly row: DashboardRow;
  readonly replaces: { readonly version: number; readonly day: string } | null;
}

/** Storage port of the projection. */
export interface ProjectionStore {
  /** Each customer's row (null if none yet) and current billing. */
  load(
    accountIds: readonly string[],
  ): Promise<Map<string, { row: DashboardRow | null; billing: Billing }>>;
  /**
   * Writes the rows and adds `delta` in one transaction, each row on the condition that its
   * stored version and day are still `replaces`; false (nothing written) when one is not.
   */
  commit(rows: readonly RowWrite[], delta: SummaryDelta): Promise<boolean>;
  putAlerts(alerts: readonly AlertRecord[]): Promise<void>;
  putFeed(entries: readonly FeedEntry[]): Promise<void>;
}

/** Pushes live messages to every open page. */
export interface LiveFeed {
  send(messages: readonly LiveMessage[]): Promise<void>;
}

/** Items one transaction may hold (DynamoDB's limit). */
export const MAX_TRANSACTION_ITEMS = 100;
const MAX_ATTEMPTS = 5;

export interface ProjectionResult {
  /** Score versions applied now (not seen before). */
  readonly applied: number;
  /** Score versions already applied (redeliveries) or superseded in the batch. */
  readonly skipped: number;
  readonly live: LiveMessage[];
}

interface AccountPlan {
  readonly write: RowWrite | null;
  readonly delta: SummaryDelta;
  readonly live: LiveMessage[];
  readonly alerts: AlertRecord[];
  readonly applied: number;
}

/** What the scores of one customer (in version order) change, from the row stored now. */
function planAccount(
  stored: DashboardRow | null,
  billing: Billing,
  scores: readonly { score: ScoreWritten; alerts: readonly AlertRecord[] }[],
): AccountPlan {
  const delta = new SummaryDelta();
  const live: LiveMessage[] = [];
  const alerts: AlertRecord[] = [];
  let row = stored;
  let applied = 0;
  for (const { score, alerts: decided } of scores) {
    const next = rowOf(score, billing);
    // The same version kept on a later day counts in that day's average; anything else not
    // newer than the row was applied before (a redelivery).
    const kept = row !== null && score.version === row.version && next.day > row.day;
    if (row && score.version <= row.version && !kept) continue;
    const previous = row;
    addTransition(delta, previous, next);
    row = next;
    applied++;
    if (kept) continue; // nothing new to show or to alert
    live.push({
      type: "score",
      accountId: score.accountId,
      displayName: next.displayName,
      score: score.score,
      tier: score.tier,
      previousTier: previous?.tier ?? null,
      computedAt: new Date(score.computedAt).toISOString(),
    });
    alerts.push(...decided);
  }
  const unchanged = row === stored || (stored !== null && row !== null && sameView(stored, row));
  const write =
    row === null || (unchanged && delta.items().length === 0)
      ? null
      : { row, replaces: stored ? { version: stored.version, day: stored.day } : null };
  return { write, delta, live, alerts, applied };
}

/**
 * Items a commit may add beyond rows and counters: the filter values, and today's "all" day
 * item for the count of row writes.
 */
const EXTRA_ITEMS = 2;

/** Packs account plans into transactions of at most MAX_TRANSACTION_ITEMS items. */
function pack(plans: readonly AccountPlan[]): AccountPlan[][] {
  const chunks: AccountPlan[][] = [];
  let chunk: AccountPlan[] = [];
  let keys = new Set<string>();
  for (const plan of plans) {
    if (!plan.write) continue;
    const merged = new Set([...keys, ...plan.delta.keys()]);
    if (chunk.length > 0 && chunk.length + 1 + merged.size + EXTRA_ITEMS > MAX_TRANSACTION_ITEMS) {
      chunks.push(chunk);
      chunk = [];
      keys = new Set(plan.delta.keys());
    } else keys = merged;
    chunk.push(plan);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Applies a batch of stream changes; throws when storage keeps failing (the batch is retried). */
export async function projectChanges(
  store: ProjectionStore,
  changes: readonly StreamChange[],
): Promise<ProjectionResult> {
  const entries = changes.flatMap((c) => (c.kind === "event" ? [c.entry] : []));
  if (entries.length > 0) await store.putFeed(entries);

  const byAccount = new Map<string, { score: ScoreWritten; alerts: readonly AlertRecord[] }[]>();
  for (const change of changes) {
    if (change.kind !== "score") continue;
    const list = byAccount.get(change.score.accountId) ?? [];
    list.push({ score: change.score, alerts: change.alerts });
    byAccount.set(change.score.accountId, list);
  }
  for (const list of byAccount.values()) list.sort((a, b) => a.score.version - b.score.version);
  const total = [...byAccount.values()].reduce((n, list) => n + list.length, 0);

  let pending = [...byAccount.keys()];
  let applied = 0;
  const live: LiveMessage[] = [];
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > MAX_ATTEMPTS) {
      throw new Error(`dashboard rows kept changing under the projection: ${pending.join(", ")}`);
    }
    const state = await store.load(pending);
    const plans = pending.map((id) => {
      const { row, billing } = state.get(id) ?? { row: null, billing: NO_BILLING };
      return { id, plan: planAccount(row, billing, byAccount.get(id) ?? []) };
    });
    const alerts = plans.flatMap(({ plan }) => plan.alerts);
    // Before the commit: if it fails, the retry writes the same keys again.
    if (alerts.length > 0) await store.putAlerts(alerts);
    const retry: string[] = [];
    for (const chunk of pack(plans.map(({ plan }) => plan))) {
      const delta = new SummaryDelta();
      for (const plan of chunk) delta.merge(plan.delta);
      const writes = chunk.flatMap((plan) => (plan.write ? [plan.write] : []));
      if (await store.commit(writes, delta)) {
        for (const plan of chunk) {
          applied += plan.applied;
          live.push(...plan.live);
        }
      } else retry.push(...writes.map((w) => w.row.accountId));
    }
    // Plans with nothing to write (every score seen before, or nothing shown changed).
    for (const { plan } of plans) {
      if (plan.write === null) {
        applied += plan.applied;
        live.push(...plan.live);
      }
    }
    pending = retry;
  }
  return { applied, skipped: total - applied, live };
}

export const NO_BILLING: Billing = { mrr: 0, currency: null, renewsAt: null };
