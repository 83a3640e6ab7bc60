/**
 * How well could a model rank churn on a simulated history? The simulator knows what a
 * model can only guess: which accounts are in trouble now and since when. The ceiling
 * estimates the AUC of the best ranking from what an observation date shows, nothing later:
 *
 * - whether the account is in its trouble phase, its archetype then (the trouble's kind
 *   shows in its data) and how many weeks it has been in it;
 * - whether it has scheduled a cancellation;
 * - otherwise, its archetype only when its ordinary days set it apart (`RECOGNIZABLE`):
 *   the other archetypes behave alike until their trouble starts, so a model cannot know
 *   which of them will be in trouble next month.
 *
 * Each observation's risk is the churn rate of its group of observations with the same
 * facts, fitted on the same observations. It is an estimate, not a bound: a model could
 * still see more than these groups (how steeply usage falls hints at how soon the churn
 * comes). `seenAfterDays` says when trouble becomes visible: at 0 once its first day is
 * over (the observation is at 00:00, the simulator's events come by day), at 7 a week in.
 */

import { auc } from "../metrics.ts";
import { type Archetype, RECOGNIZABLE } from "../simulate/archetypes.ts";
import { csvTable, dayCell, LabelsError } from "./load.ts";
import { DAY_MS, type Observation } from "./replay.ts";

export interface AccountTruth {
  readonly archetype: string;
  /** The trouble phase, [from, to) epoch ms, or null without one. */
  readonly trouble: { readonly from: number; readonly to: number } | null;
  readonly cancelScheduledAt: number | null;
}

/**
 * The simulator's truth from its `accounts.csv`, or null when the file has no trouble
 * columns (an accounts file of another origin: it still gives lead times per archetype).
 */
export function parseTruth(text: string): Map<string, AccountTruth> | null {
  const table = csvTable(text);
  const [id, kind, from, to, cancel] = [
    "account_id",
    "archetype",
    "trouble_from",
    "trouble_to",
    "cancel_scheduled_on",
  ].map(table.column) as [number, number, number, number, number];
  if ([id, kind, from, to, cancel].some((c) => c < 0)) return null;
  const truth = new Map<string, AccountTruth>();
  for (const { cells, line } of table.rows) {
    const accountId = cells[id];
    if (!accountId) throw new LabelsError(`accounts line ${line}: account_id is empty`);
    const day = (column: number, name: string) =>
      dayCell(cells[column], `accounts line ${line}: ${name}`);
    const troubleFrom = day(from, "trouble_from");
    const troubleTo = day(to, "trouble_to");
    if ((troubleFrom === null) !== (troubleTo === null) || (troubleFrom ?? 0) > (troubleTo ?? 0)) {
      throw new LabelsError(
        `accounts line ${line}: trouble_from and trouble_to must both be empty, or two dates in order`,
      );
    }
    truth.set(accountId, {
      archetype: cells[kind] ?? "",
      trouble:
        troubleFrom !== null && troubleTo !== null ? { from: troubleFrom, to: troubleTo } : null,
      cancelScheduledAt: day(cancel, "cancel_scheduled_on"),
    });
  }
  return truth;
}

/** The facts of an account a model could know at `at` (module comment), as a group key. */
function visibleFacts(truth: AccountTruth | undefined, at: number, seenAfterDays: number) {
  if (truth === undefined) return "unknown";
  const { trouble, cancelScheduledAt, archetype } = truth;
  // A day's events are in once the day is over: `at` is 00:00, so a day counts from the next.
  const scheduled =
    cancelScheduledAt !== null &&
    cancelScheduledAt + DAY_MS <= at &&
    (trouble === null || at < trouble.to);
  const seenFrom = (from: number) => from + Math.max(1, seenAfterDays) * DAY_MS;
  if (trouble !== null && at >= seenFrom(trouble.from) && at < trouble.to) {
    const weeks = Math.min(8, Math.floor((at - trouble.from) / (7 * DAY_MS)));
    return `trouble ${archetype} week ${weeks} ${scheduled}`;
  }
  const kind = RECOGNIZABLE.has(archetype as Archetype) ? archetype : "ordinary";
  return `${kind} ${scheduled}`;
}

/** The ceiling AUC over `observations` (every one, scored or not). */
export function ceilingAuc(
  observations: readonly Pick<Observation, "accountId" | "at" | "churned">[],
  truth: ReadonlyMap<string, AccountTruth>,
  seenAfterDays: number,
): number {
  const keys = observations.map((o) => visibleFacts(truth.get(o.accountId), o.at, seenAfterDays));
  const groups = new Map<string, { n: number; churned: number }>();
  observations.forEach((o, i) => {
    const group = groups.get(keys[i] as string) ?? { n: 0, churned: 0 };
    group.n++;
    if (o.churned) group.churned++;
    groups.set(keys[i] as string, group);
  });
  const risk = keys.map((key) => {
    const { n, churned } = groups.get(key) as { n: number; churned: number };
    return churned / n;
  });
  return auc(
    risk,
    observations.map((o) => o.churned),
  );
}
