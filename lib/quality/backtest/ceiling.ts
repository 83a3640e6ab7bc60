/**
 * How well could any model rank churn on a simulated history? The simulator knows what a
 * model can only guess: which accounts are in trouble now and since when. The ceiling is
 * the AUC of the best ranking that uses what an observation date shows and nothing later:
 *
 * - whether the account is in its trouble phase, its archetype then (the trouble's kind
 *   shows in its data) and how many weeks it has been in it;
 * - whether it has scheduled a cancellation;
 * - otherwise, its archetype only when its ordinary days set it apart (`RECOGNIZABLE`):
 *   the other archetypes behave alike until their trouble starts, so a model cannot know
 *   which of them will be in trouble next month.
 *
 * Each observation's risk is the churn rate of its group of observations with the same
 * facts (fitted on the same observations: if anything, optimistic). `seenAfterDays` says
 * when trouble becomes visible: at 0 a model spots it on its first day, at 7 a week in.
 */

import { auc } from "../metrics.ts";
import type { Archetype } from "../simulate/archetypes.ts";
import { RECOGNIZABLE } from "../simulate/archetypes.ts";
import { LabelsError } from "./load.ts";
import type { Observation } from "./replay.ts";

const DAY_MS = 86_400_000;

export interface AccountTruth {
  readonly archetype: string;
  /** The trouble phase, [from, to) epoch ms, or null without one. */
  readonly trouble: { readonly from: number; readonly to: number } | null;
  readonly cancelScheduledAt: number | null;
}

const dayOf = (cell: string | undefined, what: string, line: number): number | null => {
  if (!cell) return null;
  const at = Date.parse(`${cell}T00:00:00Z`);
  if (!Number.isFinite(at))
    throw new LabelsError(`accounts line ${line}: ${what} "${cell}" is not a date`);
  return at;
};

/**
 * The simulator's truth from its `accounts.csv`, or null when the file has no trouble
 * columns (an accounts file of another origin: it still gives lead times per archetype).
 */
export function parseTruth(text: string): Map<string, AccountTruth> | null {
  const rows = text.split(/\r?\n/).filter((row) => row.trim() !== "");
  const header = (rows[0] ?? "").split(",").map((h) => h.trim());
  const column = (name: string) => header.indexOf(name);
  const [id, kind, from, to, cancel] = [
    "account_id",
    "archetype",
    "trouble_from",
    "trouble_to",
    "cancel_scheduled_on",
  ].map(column) as [number, number, number, number, number];
  if ([id, kind, from, to, cancel].some((c) => c < 0)) return null;
  const truth = new Map<string, AccountTruth>();
  rows.slice(1).forEach((row, i) => {
    const cells = row.split(",").map((c) => c.trim());
    const line = i + 2;
    const troubleFrom = dayOf(cells[from], "trouble_from", line);
    const troubleTo = dayOf(cells[to], "trouble_to", line);
    truth.set(cells[id] as string, {
      archetype: cells[kind] ?? "",
      trouble:
        troubleFrom !== null && troubleTo !== null ? { from: troubleFrom, to: troubleTo } : null,
      cancelScheduledAt: dayOf(cells[cancel], "cancel_scheduled_on", line),
    });
  });
  return truth;
}

/** The facts of an account a model could know at `at` (module comment), as a group key. */
function visibleFacts(truth: AccountTruth | undefined, at: number, seenAfterDays: number) {
  if (truth === undefined) return "unknown";
  const { trouble, cancelScheduledAt, archetype } = truth;
  const scheduled =
    cancelScheduledAt !== null && cancelScheduledAt <= at && (trouble === null || at < trouble.to);
  if (trouble !== null && at >= trouble.from + seenAfterDays * DAY_MS && at < trouble.to) {
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
