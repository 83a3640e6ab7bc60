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
  /** A red flag raised while the tier stayed (a tier change already names its flags). */
  flagRaised: "HealthFlagRaised",
} as const;

const Tier = z.enum(TIERS);
const ComponentName = z.enum(COMPONENTS);

export const DriverDetail = z.object({
  component: ComponentName,
  impact: z.number(),
  reason: z.string(),
  /** The model's name of the red flag this driver is, when it is one. */
  flag: z.optional(z.string()),
});
export type DriverDetail = z.infer<typeof DriverDetail>;

export const FlagDetail = z.object({
  /** The model's key, e.g. "cancelScheduled". */
  name: z.string(),
  component: ComponentName,
  /** The best tier the flag allows. */
  tier: Tier,
  reason: z.string(),
});
export type FlagDetail = z.infer<typeof FlagDetail>;

/**
 * Ready-made text lines for consumers that can only copy fields, such as the alert email's
 * EventBridge input transformer: every value a plain string on one line, never null, so a
 * template prints no "null"; a list index past the end prints nothing.
 */
export const MessageLines = z.object({
  /** "72 → 48 (−24)". */
  score: z.string(),
  /** What moved it, one line each, red flags first; one line saying so when nothing did. */
  changed: z.array(z.string()),
  /** What holds it down, one line each, red flags first. */
  holdingDown: z.array(z.string()),
  /** "Owner: jane", or "" when no tool named one. */
  owner: z.string(),
});
export type MessageLines = z.infer<typeof MessageLines>;

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
  /**
   * The customer's page, relative to the dashboard's URL: `/customers/` and the account id,
   * percent-encoded. Consumers prefix their configured dashboard URL.
   */
  customerPath: z._default(z.string(), ""),
  /** What moved the score since the previous one (up to the model's `alerts.topDrivers`). */
  drivers: z.array(DriverDetail),
  /** What holds it down now, red flags first (up to `alerts.topDrivers`). Absent before v1.1. */
  holdingDown: z._default(z.array(DriverDetail), []),
  /** Every red flag raised now, worst first. Absent before v1.1. */
  flags: z._default(z.array(FlagDetail), []),
  lines: z.optional(MessageLines),
};

export const HealthTierChanged = z.object({
  ...Common,
  previousTier: Tier,
  tier: Tier,
  previousScore: z.nullable(z.number()),
  score: z.nullable(z.number()),
  components: z.array(ComponentDetail),
});
export type HealthTierChanged = z.infer<typeof HealthTierChanged>;

export const HealthScoreDropped = z.object({
  ...Common,
  fromScore: z.number(),
  toScore: z.number(),
  windowDays: z.number(),
});
export type HealthScoreDropped = z.infer<typeof HealthScoreDropped>;

/** One or more red flags raised since the previous score, the tier staying where it was. */
export const HealthFlagRaised = z.object({
  ...Common,
  tier: Tier,
  score: z.nullable(z.number()),
  /** The flags raised since the previous score (also in `flags`). */
  raised: z.array(FlagDetail),
});
export type HealthFlagRaised = z.infer<typeof HealthFlagRaised>;

export type HealthEvent =
  | { detailType: typeof DETAIL_TYPES.tierChanged; detail: HealthTierChanged }
  | { detailType: typeof DETAIL_TYPES.scoreDropped; detail: HealthScoreDropped }
  | { detailType: typeof DETAIL_TYPES.flagRaised; detail: HealthFlagRaised };

/** Parses an event from the bus (e.g. in the Slack function); throws on a wrong shape. */
export function parseHealthEvent(detailType: string, detail: unknown): HealthEvent {
  if (detailType === DETAIL_TYPES.tierChanged) {
    return { detailType, detail: HealthTierChanged.parse(detail) };
  }
  if (detailType === DETAIL_TYPES.scoreDropped) {
    return { detailType, detail: HealthScoreDropped.parse(detail) };
  }
  if (detailType === DETAIL_TYPES.flagRaised) {
    return { detailType, detail: HealthFlagRaised.parse(detail) };
  }
  throw new Error(`unknown detail type ${detailType}`);
}

/** A stable id from the parts that identify one change (never from time or randomness). */
/** The dashboard page of a customer, relative to the dashboard's URL. */
export const customerPathOf = (accountId: string) => `/customers/${encodeURIComponent(accountId)}`;

export const deterministicEventId = (...parts: readonly (string | number)[]) =>
  createHash("sha256").update(parts.join("\u001f")).digest("hex").slice(0, 32);
