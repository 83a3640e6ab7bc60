/**
 * The stored score item: how its explanation is encoded, and the item read back as the
 * scoring use case sees it. Apart from the store itself so that read-only bundles (API,
 * dashboard, preview) do not carry its writes.
 *
 * The explanation (components, flags, drivers, what holds the score down) is most of a score
 * item, and the item is copied whole into the tier index. Each entry is stored as a tuple,
 * the same values without a name per field: a score item then stays under 1 KB, so a score
 * written costs one write unit on the table and one per tier index entry it moves, not two.
 * Items stored before (entries as maps) read the same.
 */
import type { RaisedFlag } from "../../domain/flags.ts";
import type { ComponentName } from "../../domain/model.ts";
import type { ComponentScore, Driver, HealthScore } from "../../domain/score.ts";
import type { Tier } from "../../domain/tiers.ts";
import type { StoredScore } from "../../scoring/score-accounts.ts";
import { accountIdFromPk, accountPk, SCORE_SK } from "./keys.ts";

type ComponentTuple = [
  name: ComponentName,
  available: boolean,
  normalized: number | null,
  weight: number,
  contribution: number,
  raw: Readonly<Record<string, number>>,
];
type DriverTuple = [component: ComponentName, impact: number, reason: string];
type FlagTuple = [name: string, component: ComponentName, tier: Tier, reason: string];

type Explanation = Pick<HealthScore, "components" | "flags" | "drivers" | "holdingDown">;

/**
 * The score item of `score`, without its index keys. The account id is its partition key
 * only; an empty outbox is left out.
 */
export function toScoreItem(score: StoredScore): Record<string, unknown> {
  const { accountId, outbox, components, flags, drivers, holdingDown, ...shown } = score;
  return {
    pk: accountPk(accountId),
    sk: SCORE_SK,
    ...shown,
    ...explanationAttributes(score),
    ...(outbox.length > 0 ? { outbox } : {}),
  };
}

/** The stored attributes of a score's explanation. */
function explanationAttributes(score: Explanation) {
  const driver = (d: Driver): DriverTuple => [d.component, d.impact, d.reason];
  return {
    components: score.components.map(
      (c): ComponentTuple => [c.name, c.available, c.normalized, c.weight, c.contribution, c.raw],
    ),
    flags: score.flags.map((f): FlagTuple => [f.name, f.component, f.tier, f.reason]),
    drivers: score.drivers.map(driver),
    holdingDown: score.holdingDown.map(driver),
  };
}

/** Each entry of a stored list, from its tuple or (items stored before) its map. */
function entries<T>(list: unknown, fromTuple: (tuple: unknown[]) => T): T[] {
  if (!Array.isArray(list)) return [];
  return list.map((entry) => (Array.isArray(entry) ? fromTuple(entry) : (entry as T)));
}

const toDriver = ([component, impact, reason]: unknown[]): Driver => ({
  component: component as ComponentName,
  impact: Number(impact),
  reason: String(reason),
});

/** The explanation of a stored score item; a list absent (scores stored before it) is []. */
export function explanationOf(item: Record<string, unknown>): Explanation {
  return {
    components: entries(
      item.components,
      ([name, available, normalized, weight, contribution, raw]): ComponentScore => ({
        name: name as ComponentName,
        available: available === true,
        normalized: (normalized as number | null) ?? null,
        weight: Number(weight),
        contribution: Number(contribution),
        raw: (raw as Record<string, number>) ?? {},
      }),
    ),
    flags: entries(
      item.flags,
      ([name, component, tier, reason]): RaisedFlag => ({
        name: String(name),
        component: component as ComponentName,
        tier: tier as Tier,
        reason: String(reason),
      }),
    ),
    drivers: entries(item.drivers, toDriver),
    holdingDown: entries(item.holdingDown, toDriver),
  };
}

/** The stored score item as the use case sees it. */
export function toStoredScore(item: Record<string, unknown>): StoredScore {
  return {
    accountId: accountIdFromPk(String(item.pk)),
    score: (item.score as number | null) ?? null,
    tier: item.tier as StoredScore["tier"],
    ...explanationOf(item),
    coverage: Number(item.coverage ?? 0),
    modelVersion: String(item.modelVersion ?? ""),
    segment: String(item.segment ?? ""),
    computedAt: Number(item.computedAt ?? 0),
    version: Number(item.version ?? 0),
    inDrop: item.inDrop === true,
    accountName: (item.accountName as string | null) ?? null,
    owner: (item.owner as string | null) ?? null,
    outbox: (item.outbox as StoredScore["outbox"]) ?? [],
  };
}
