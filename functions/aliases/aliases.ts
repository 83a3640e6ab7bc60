/**
 * Aliases: which account a tool's own id belongs to (a Stripe customer, a Zendesk
 * organization, a Segment user, an email domain), and the events that wait for one.
 *
 * Primary course of `registerAliases`: claim the aliases for the account (conditional: an
 * alias another account holds is a conflict unless moving it is asked for), then apply the
 * events waiting for them in batches, exactly once each, until none is left or the request's
 * work budget is spent, and say how many remain. Calling again continues where it stopped.
 */
import type { AggregateUpdate } from "../domain/aggregate.ts";
import type { Model } from "../domain/model.ts";
import type { Source } from "../domain/signals.ts";
import { type ExternalRef, uniqueRefs } from "../webhook/inbound.ts";
import { type EventRecord, updateFor } from "../webhook/ingest.ts";

/** An alias and the account holding it. */
export interface AliasOwner {
  readonly ref: ExternalRef;
  readonly accountId: string;
}

/** What saving did to one alias. */
export interface AliasChange {
  readonly ref: ExternalRef;
  readonly change: "registered" | "unchanged" | "moved";
  /** The account the alias was moved from. */
  readonly from?: string;
}

export type SaveAliasesResult =
  | { readonly saved: true; readonly changes: readonly AliasChange[] }
  /** Nothing was saved: these aliases belong to other accounts. */
  | { readonly saved: false; readonly conflicts: readonly AliasOwner[] };

/** A waiting event and the update it makes to the account it is applied to. */
export interface WaitingEvent {
  readonly record: EventRecord;
  readonly update: AggregateUpdate;
}

export interface ApplyWaitingResult {
  /** Events applied by this call (those applied meanwhile by someone else are not counted). */
  readonly applied: number;
  /** Set when the alias no longer belongs to the account: the rest was left waiting. */
  readonly ownerNow?: string | null;
}

/** Where a page of unmatched events ended: the next page starts after it. */
export interface UnmatchedPosition {
  readonly receivedAt: number;
  readonly source: Source;
  readonly eventId: string;
}

export interface UnmatchedPage {
  readonly records: readonly EventRecord[];
  readonly next: UnmatchedPosition | null;
}

/** Storage port for aliases and the unmatched events waiting for them. */
export interface AliasStore {
  /** The owner of each ref that has an alias, keyed by `refKey`. */
  resolveAliases(refs: readonly ExternalRef[]): Promise<Map<string, string>>;
  /**
   * Saves aliases to `accountId`, all or none. An alias held by another account is a
   * conflict (nothing saved) unless `move` is set; two concurrent claims of one alias
   * cannot both win.
   */
  saveAliases(
    accountId: string,
    refs: readonly ExternalRef[],
    options?: { readonly move?: boolean },
  ): Promise<SaveAliasesResult>;
  /** Up to `limit` unmatched events waiting for `ref`. */
  unmatchedFor(ref: ExternalRef, limit: number): Promise<EventRecord[]>;
  /** How many unmatched events wait for `ref`. */
  countUnmatchedFor(ref: ExternalRef): Promise<number>;
  /**
   * Applies waiting events of `ref` to `accountId`, each exactly once, and only while the
   * alias of `ref` still belongs to `accountId`.
   */
  applyWaiting(
    ref: ExternalRef,
    accountId: string,
    events: readonly WaitingEvent[],
  ): Promise<ApplyWaitingResult>;
  /** Applies one unmatched event to `accountId`; false if it was applied meanwhile. */
  applyUnmatched(record: EventRecord, accountId: string, update: AggregateUpdate): Promise<boolean>;
  /** Unmatched events, oldest first, starting after `after`. */
  listUnmatched(limit: number, after?: UnmatchedPosition | null): Promise<UnmatchedPage>;
}

/** How much one request may do before it answers with what remains. */
export interface WorkBudget {
  /** Most events applied in one request. */
  readonly maxEvents: number;
  /** No new batch starts after this time (ms since the epoch, per `clock`). */
  readonly deadline: number;
  readonly clock: () => number;
}

/**
 * The default budget: at most 1,000 events and 4 s of work, well inside the 10 s function
 * timeout even when a batch near the deadline is slow.
 */
export function defaultBudget(clock: () => number = Date.now): WorkBudget {
  return { maxEvents: 1_000, deadline: clock() + 4_000, clock };
}

/**
 * Events applied so far under each budget: one request may spend its budget over several
 * calls (a webhook delivery whose events teach several aliases), never more than once over.
 */
const spentEvents = new WeakMap<WorkBudget, number>();

/** Events `budget` still allows. */
const eventsLeft = (budget: WorkBudget) => budget.maxEvents - (spentEvents.get(budget) ?? 0);

/** Events read and applied per step; the store splits a step further to fit its limits. */
const STEP_EVENTS = 50;

export interface PendingResult {
  readonly applied: number;
  /** Events still waiting for aliases the account holds; call again to apply them. */
  readonly remaining: number;
  /** Aliases that another account took over while this request was applying. */
  readonly lost: readonly AliasOwner[];
}

/**
 * Applies, exactly once each, the unmatched events waiting for any of `refs`, within
 * `budget` (shared with any other call given the same budget object).
 */
export async function applyPendingEvents(
  store: AliasStore,
  model: Model,
  accountId: string,
  refs: readonly ExternalRef[],
  budget: WorkBudget = defaultBudget(),
): Promise<PendingResult> {
  let applied = 0;
  const unfinished: ExternalRef[] = [];
  const lost: AliasOwner[] = [];
  for (const ref of uniqueRefs(refs)) {
    let done = false;
    while (!done) {
      if (eventsLeft(budget) <= 0 || budget.clock() >= budget.deadline) break;
      const page = await store.unmatchedFor(ref, Math.min(STEP_EVENTS, eventsLeft(budget)));
      if (page.length === 0) {
        done = true;
        break;
      }
      const result = await store.applyWaiting(
        ref,
        accountId,
        page.map((record) => ({ record, update: updateFor(record, accountId, model) })),
      );
      applied += result.applied;
      spentEvents.set(budget, (spentEvents.get(budget) ?? 0) + result.applied);
      if (result.ownerNow !== undefined) {
        if (result.ownerNow !== null) lost.push({ ref, accountId: result.ownerNow });
        done = true;
      }
      // A step that applied nothing found its events taken by a concurrent request: stop
      // rather than spin, and let the count below say what is left.
      if (result.applied === 0) break;
    }
    if (!done) unfinished.push(ref);
  }
  let remaining = 0;
  for (const ref of unfinished) remaining += await store.countUnmatchedFor(ref);
  return { applied, remaining, lost };
}

/** An alias of another account, found when claiming it without moving it. */
export class AliasConflictError extends Error {
  override readonly name = "AliasConflictError";
  constructor(readonly conflicts: readonly AliasOwner[]) {
    super(
      conflicts
        .map((c) => `${c.ref.kind} alias "${c.ref.id}" belongs to account "${c.accountId}"`)
        .join("; "),
    );
  }
}

export interface RegisterResult extends PendingResult {
  readonly accountId: string;
  /** Number of distinct aliases in the request. */
  readonly aliases: number;
  readonly changes: readonly AliasChange[];
}

/**
 * Registers aliases for an account (admin API) and applies the events they unlock. Throws
 * AliasConflictError, saving nothing, when an alias belongs to another account and `move`
 * is not set. Events applied before a move stay with the account they were applied to.
 */
export async function registerAliases(
  store: AliasStore,
  model: Model,
  accountId: string,
  refs: readonly ExternalRef[],
  options: { readonly move?: boolean; readonly budget?: WorkBudget } = {},
): Promise<RegisterResult> {
  const unique = uniqueRefs(refs);
  const saved = await store.saveAliases(accountId, unique, { move: options.move === true });
  if (!saved.saved) throw new AliasConflictError(saved.conflicts);
  const pending = await applyPendingEvents(store, model, accountId, unique, options.budget);
  return { accountId, aliases: unique.length, changes: saved.changes, ...pending };
}
