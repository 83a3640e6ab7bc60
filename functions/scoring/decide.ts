/**
 * Which health events a new score publishes (pure). A tier change is routed by the model's
 * `alerts.routing`; a drop alerts once when it starts, not on every rescore while it lasts.
 */

import type { AlertLevel, Model } from "../domain/model.ts";
import type { HealthScore } from "../domain/score.ts";
import { classifyTierChange, isScoreDrop, type TierChangeKind } from "../domain/tiers.ts";
import {
  DETAIL_TYPES,
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

/** Events for the move from `previous` to `next`; `earlierScore` is the score `drop.windowDays` ago. */
export function decideEvents(
  previous: PreviousState | null,
  next: HealthScore,
  earlierScore: number | null,
  model: Model,
  label: AccountLabel,
): Decision {
  const events: HealthEvent[] = [];
  const common = {
    schemaVersion: HEALTH_EVENTS_SCHEMA_VERSION,
    accountId: next.accountId,
    accountName: label.accountName,
    displayName: label.accountName ?? next.accountId,
    owner: label.owner,
    modelVersion: next.modelVersion,
    occurredAt: new Date(next.computedAt).toISOString(),
  } as const;
  const drivers = next.drivers.map((d) => ({ ...d }));
  const previousVersion = previous?.version ?? 0;

  const previousTier = previous?.tier ?? "unknown";
  const kind = classifyTierChange(previousTier, next.tier);
  if (kind) {
    const alert = tierChangeAlert(kind, model);
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
        drivers,
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
  if (inDrop && !previous?.inDrop) {
    events.push({
      detailType: DETAIL_TYPES.scoreDropped,
      detail: {
        ...common,
        eventId: deterministicEventId(next.accountId, "drop", previousVersion),
        alert: model.alerts.routing.drop,
        fromScore: earlierScore as number,
        toScore: next.score as number,
        windowDays: model.drop.windowDays,
        drivers,
      },
    });
  }
  return { events, inDrop };
}
