/** Factories for published health events in tests. */
import {
  HEALTH_EVENTS_SCHEMA_VERSION,
  type HealthTierChanged,
} from "../../functions/events/health-events.ts";

/** A page-level HealthTierChanged detail (Acme Corp, healthy → critical). */
export function tierChangedDetail(overrides: Partial<HealthTierChanged> = {}): HealthTierChanged {
  return {
    schemaVersion: HEALTH_EVENTS_SCHEMA_VERSION,
    eventId: "evt-1",
    accountId: "acct-42",
    accountName: "Acme Corp",
    displayName: "Acme Corp",
    owner: "jane",
    alert: "page",
    modelVersion: "2025.06-1",
    occurredAt: "2025-06-01T09:00:00.000Z",
    previousTier: "healthy",
    tier: "critical",
    previousScore: 72,
    score: 48,
    drivers: [{ component: "engagement", impact: -20, reason: "no product usage for 21 days" }],
    components: [],
    customerPath: "/customers/acct-42",
    holdingDown: [],
    flags: [],
    ...overrides,
  };
}
