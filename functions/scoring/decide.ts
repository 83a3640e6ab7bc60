/**
 * Which health events a new score publishes (pure). A tier change is routed by the model's
 * `alerts.routing`; a drop alerts once when it starts, not on every rescore while it lasts;
 * a red flag raised since the previous score alerts on its own when no tier change did.
 * Every event explains itself twice: what moved the score (`drivers`) and what holds it
 * down now (`holdingDown`), red flags first, up to the model's `alerts.topDrivers` each.
 */

import { messageLines } from "../alerts/wording.ts";
import type { AlertLevel, Model } from "../domain/model.ts";
import type { Driver, HealthScore, RaisedFlag } from "../domain/score.ts";
import { classifyTierChange, isScoreDrop, type TierChangeKind } from "../domain/tiers.ts";
import {
  customerPathOf,
  DETAIL_TYPES,
  type DriverDetail,
  deterministicEventId,
  HEALTH_EVENTS_SCHEMA_VERSION,
  type HealthEvent,
} from "../events/health-events.ts";

/** What is kept of the previous score to decide on events. */
export interface PreviousState {
  readonly version: number;
  readonly score: number | null;
  readonly tier: HealthScore["tier"];
  /** True while the score stays dropped against its window, so one drop alerts once. */
  readonly inDrop: boolean;
}

/** The previous state with its red flags (none on a score stored before flags). */
export type PreviousWithFlags = PreviousState & {
  readonly flags?: readonly Pick<RaisedFlag, "name">[];
};

export interface Decision {
  readonly events: HealthEvent[];
  readonly inDrop: boolean;
}

export interface AccountLabel {
  readonly accountName: string | null;
  readonly owner: string | null;
}

/**
 * How loud a tier change is: the model's routing for its kind. Moves into or out of
 * `unknown` are about data, not health: a customer's first real score (never scored, or too
 * little data so far) is news only if it starts out critical, and running out of data
 * (any tier → unknown) is neither an improvement nor a worsening, so it stays on the bus
 * without an alert.
 */
export function tierChangeAlert(kind: TierChangeKind, model: Model): AlertLevel {
  return kind === "unknown" ? "none" : model.alerts.routing[kind];
}

/**
 * How loud a newly raised red flag is: as loud as the move it stands for, a flag that allows
 * at most critical as a move into critical, any other as a worsening.
 */
export function flagRaisedAlert(raised: readonly RaisedFlag[], model: Model): AlertLevel {
  return raised.some((f) => f.tier === "critical")
    ? model.alerts.routing.intoCritical
    : model.alerts.routing.otherWorsening;
}

/** The flags of `next` that `previous` did not have, compared by name. */
export function newlyRaisedFlags(
  previous: Pick<PreviousWithFlags, "flags"> | null,
  next: Pick<HealthScore, "flags">,
): RaisedFlag[] {
  const before = new Set((previous?.flags ?? []).map((f) => f.name));
  return next.flags.filter((f) => !before.has(f.name));
}

/**
 * The two explanations an event carries, each at most `top` long with red flags first and
 * marked by name: the scorer lists a raised flag as a driver with the flag's reason.
 */
export function explain(next: HealthScore, raised: readonly RaisedFlag[], top: number) {
  const flagNamed = (d: Driver) =>
    next.flags.find((f) => f.component === d.component && f.reason === d.reason)?.name;
  const detail = (d: Driver): DriverDetail => {
    const flag = flagNamed(d);
    const plain = { component: d.component, impact: d.impact, reason: d.reason };
    return flag === undefined ? plain : { ...plain, flag };
  };
  const asDriver = (f: RaisedFlag): DriverDetail => {
    const points = next.holdingDown.find((d) => flagNamed(d) === f.name)?.impact ?? 0;
    return { component: f.component, impact: points, reason: f.reason, flag: f.name };
  };
  const holdingDown = [
    ...next.flags.map(asDriver),
    ...next.holdingDown.filter((d) => flagNamed(d) === undefined).map(detail),
  ].slice(0, top);
  const moved = next.drivers.map(detail);
  const drivers = [
    ...raised.filter((f) => !moved.some((d) => d.flag === f.name)).map(asDriver),
    ...moved,
  ]
    .sort((a, b) => Number(b.flag !== undefined) - Number(a.flag !== undefined))
    .slice(0, top);
  return { drivers, holdingDown };
}

/** Events for the move from `previous` to `next`; `earlierScore` is the score `drop.windowDays` ago. */
export function decideEvents(
  previous: PreviousWithFlags | null,
  next: HealthScore,
  earlierScore: number | null,
  model: Model,
  label: AccountLabel,
): Decision {
  const events: HealthEvent[] = [];
  const raised = newlyRaisedFlags(previous, next);
  const { drivers, holdingDown } = explain(next, raised, model.alerts.topDrivers);
  const flags = next.flags.map(({ name, component, tier, reason }) => ({
    name,
    component,
    tier,
    reason,
  }));
  const newFlags = new Set(raised.map((f) => f.name));
  const linesFrom = (previousScore: number | null) =>
    messageLines({
      previousScore,
      score: next.score,
      drivers,
      holdingDown,
      newFlags,
      owner: label.owner,
    });
  const common = {
    schemaVersion: HEALTH_EVENTS_SCHEMA_VERSION,
    accountId: next.accountId,
    accountName: label.accountName,
    displayName: label.accountName ?? next.accountId,
    owner: label.owner,
    modelVersion: next.modelVersion,
    occurredAt: new Date(next.computedAt).toISOString(),
    customerPath: customerPathOf(next.accountId),
    drivers,
    holdingDown,
    flags,
  } as const;
  const previousVersion = previous?.version ?? 0;

  const previousTier = previous?.tier ?? "unknown";
  const kind = classifyTierChange(previousTier, next.tier);
  let tierAlerted = false;
  if (kind) {
    const alert = tierChangeAlert(kind, model);
    tierAlerted = alert !== "none";
    events.push({
      detailType: DETAIL_TYPES.tierChanged,
      detail: {
        ...common,
        // The same change from the same stored version always gets the same id.
        eventId: deterministicEventId(
          next.accountId,
          "tier",
          previousVersion,
          previousTier,
          next.tier,
        ),
        alert,
        previousTier,
        tier: next.tier,
        previousScore: previous?.score ?? null,
        score: next.score,
        lines: linesFrom(previous?.score ?? null),
        components: next.components.map(
          ({ name, available, normalized, weight, contribution }) => ({
            name,
            available,
            normalized,
            weight,
            contribution,
          }),
        ),
      },
    });
  }

  const inDrop = isScoreDrop(next.score, earlierScore, model.drop.points);
  let dropAlerted = false;
  if (inDrop && !previous?.inDrop) {
    dropAlerted = model.alerts.routing.drop !== "none";
    events.push({
      detailType: DETAIL_TYPES.scoreDropped,
      detail: {
        ...common,
        eventId: deterministicEventId(next.accountId, "drop", previousVersion),
        alert: model.alerts.routing.drop,
        fromScore: earlierScore as number,
        toScore: next.score as number,
        windowDays: model.drop.windowDays,
        lines: linesFrom(earlierScore),
      },
    });
  }
  // A tier change or drop that alerts already names the new flags; otherwise they alert alone.
  if (raised.length > 0 && !tierAlerted && !dropAlerted) {
    events.push({
      detailType: DETAIL_TYPES.flagRaised,
      detail: {
        ...common,
        eventId: deterministicEventId(
          next.accountId,
          "flag",
          previousVersion,
          ...raised.map((f) => f.name).sort(),
        ),
        alert: flagRaisedAlert(raised, model),
        tier: next.tier,
        score: next.score,
        lines: linesFrom(previous?.score ?? null),
        raised: flags.filter((f) => newFlags.has(f.name)),
      },
    });
  }

  return { events, inDrop };
}
