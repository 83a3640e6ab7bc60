/**
 * The events this system publishes on its EventBridge bus: one zod schema per detail
 * type, versioned. Consumers (Slack, email, anything a customer adds) read these shapes.
 */
import { createHash } from "node:crypto";
import * as z from "zod/mini";
import { AlertLevel, COMPONENTS } from "../domain/model.ts";
import { TIERS } from "../domain/tiers.ts";

export const EVENT_SOURCE = "customer-health";
export const HEALTH_EVENTS_SCHEMA_VERSION = 1;

export const DETAIL_TYPES = {
  tierChanged: "HealthTierChanged",
  scoreDropped: "HealthScoreDropped",
} as const;

const Tier = z.enum(TIERS);
const ComponentName = z.enum(COMPONENTS);

export const DriverDetail = z.object({
  component: ComponentName,
  impact: z.number(),
  reason: z.string(),
});

const ComponentDetail = z.object({
  name: ComponentName,
  available: z.boolean(),
  normalized: z.nullable(z.number()),
  weight: z.number(),
  contribution: z.number(),
});

const Common = {
  schemaVersion: z.literal(HEALTH_EVENTS_SCHEMA_VERSION),
  /** Deterministic: a retried batch republishes the same id, so consumers can dedupe. */
  eventId: z.string(),
  accountId: z.string(),
  /** Display name and account owner, when a tool told us. */
  accountName: z.nullable(z.string()),
  /** The name when known, else the account id: what a message should call the customer. */
  displayName: z.string(),
  owner: z.nullable(z.string()),
  alert: AlertLevel,
  modelVersion: z.string(),
  occurredAt: z.string(),
};

export const HealthTierChanged = z.object({
  ...Common,
  previousTier: Tier,
  tier: Tier,
  previousScore: z.nullable(z.number()),
  score: z.nullable(z.number()),
  drivers: z.array(DriverDetail),
  components: z.array(ComponentDetail),
});
export type HealthTierChanged = z.infer<typeof HealthTierChanged>;

export const HealthScoreDropped = z.object({
  ...Common,
  fromScore: z.number(),
  toScore: z.number(),
  windowDays: z.number(),
  drivers: z.array(DriverDetail),
});
export type HealthScoreDropped = z.infer<typeof HealthScoreDropped>;

export type HealthEvent =
  | { detailType: typeof DETAIL_TYPES.tierChanged; detail: HealthTierChanged }
  | { detailType: typeof DETAIL_TYPES.scoreDropped; detail: HealthScoreDropped };

/** Parses an event from the bus (e.g. in the Slack function); throws on a wrong shape. */
export function parseHealthEvent(detailType: string, detail: unknown): HealthEvent {
  if (detailType === DETAIL_TYPES.tierChanged) {
    return { detailType, detail: HealthTierChanged.parse(detail) };
  }
  if (detailType === DETAIL_TYPES.scoreDropped) {
    return { detailType, detail: HealthScoreDropped.parse(detail) };
  }
  throw new Error(`unknown detail type ${detailType}`);
}

/** A stable id from the parts that identify one change (never from time or randomness). */
export const deterministicEventId = (...parts: readonly (string | number)[]) =>
  createHash("sha256").update(parts.join("\u001f")).digest("hex").slice(0, 32);
