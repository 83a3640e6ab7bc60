/**
 * The one definition of the system's topology (design decision 10). The CDK stacks and
 * the local runtime both read this module, so the cloud and a laptop cannot drift apart.
 * Plain data only: no AWS or CDK imports.
 */
import {
  AGGREGATE_SK,
  TIER_INDEX,
  TTL_ATTRIBUTE,
  UNMATCHED_INDEX,
} from "../functions/adapters/dynamo/keys.ts";

import { DETAIL_TYPES, EVENT_SOURCE } from "../functions/events/health-events.ts";

export { MAX_BODY_BYTES } from "../functions/webhook/inbound.ts";

export const SERVICE_NAME = "customer-health";

export interface KeyAttribute {
  readonly name: string;
  readonly type: "S" | "N";
}

export interface TableDefinition {
  readonly id: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly ttlAttribute: string;
  readonly streamView: "NEW_IMAGE";
  readonly globalIndexes: readonly {
    readonly name: string;
    readonly partitionKey: KeyAttribute;
    readonly sortKey: KeyAttribute;
  }[];
}

/** The single table: aggregates, scores, history, event records, aliases, unmatched events. */
export const HEALTH_TABLE: TableDefinition = {
  id: "HealthTable",
  partitionKey: { name: "pk", type: "S" },
  sortKey: { name: "sk", type: "S" },
  ttlAttribute: TTL_ATTRIBUTE,
  streamView: "NEW_IMAGE",
  globalIndexes: [
    {
      name: TIER_INDEX,
      partitionKey: { name: "tierPk", type: "S" },
      sortKey: { name: "tierSk", type: "S" },
    },
    {
      name: UNMATCHED_INDEX,
      partitionKey: { name: "unmatchedPk", type: "S" },
      sortKey: { name: "unmatchedSk", type: "S" },
    },
  ],
};

export type FunctionId = "webhook" | "score" | "rescore" | "slack" | "api";

export interface FunctionDefinition {
  readonly id: FunctionId;
  /** Path of the handler module, relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Caps concurrency where a burst would only throttle DynamoDB or Slack. */
  readonly reservedConcurrency?: number;
}

export const FUNCTIONS: Record<FunctionId, FunctionDefinition> = {
  webhook: {
    id: "webhook",
    entry: "functions/webhook/handler.ts",
    description: "Verifies provider webhooks and applies them to customer aggregates",
    memoryMb: 512,
    timeoutSeconds: 10,
  },
  score: {
    id: "score",
    entry: "functions/scoring/stream-handler.ts",
    description: "Rescores customers whose aggregates changed (DynamoDB stream)",
    memoryMb: 512,
    timeoutSeconds: 60,
  },
  rescore: {
    id: "rescore",
    entry: "functions/scoring/rescore-handler.ts",
    description: "Rescores customers whose score is stale, so silence decays into risk",
    memoryMb: 1024,
    timeoutSeconds: 900,
    reservedConcurrency: 1,
  },
  slack: {
    id: "slack",
    entry: "functions/slack/handler.ts",
    description: "Posts health alerts to Slack",
    memoryMb: 256,
    timeoutSeconds: 15,
    reservedConcurrency: 2,
  },
  api: {
    id: "api",
    entry: "functions/api/handler.ts",
    description: "Read and admin API: customers, aliases, unmatched events",
    memoryMb: 512,
    timeoutSeconds: 10,
  },
};

export interface RouteDefinition {
  readonly method: "GET" | "POST" | "PUT";
  readonly path: string;
  readonly function: FunctionId;
  /** Webhooks are public but signed; read and admin routes need IAM (SigV4) in AWS. */
  readonly auth: "signature" | "iam";
}

export const ROUTES: readonly RouteDefinition[] = [
  { method: "POST", path: "/webhooks/{provider}", function: "webhook", auth: "signature" },
  { method: "GET", path: "/customers", function: "api", auth: "iam" },
  { method: "GET", path: "/customers/{accountId}", function: "api", auth: "iam" },
  { method: "PUT", path: "/accounts/{accountId}/aliases", function: "api", auth: "iam" },
  { method: "GET", path: "/unmatched", function: "api", auth: "iam" },
];

/** The score function's stream trigger. */
export const SCORE_STREAM = {
  function: "score" as FunctionId,
  batchSize: 100,
  maxBatchingWindowSeconds: 1,
  retryAttempts: 3,
  maxRecordAgeSeconds: 3600,
  bisectBatchOnError: true,
  reportBatchItemFailures: true,
  /**
   * Lambda event filter (same JSON in AWS and locally): aggregate items only, so the
   * function's own writes (scores, history) never trigger it.
   */
  filterPatterns: [
    { eventName: ["INSERT", "MODIFY"], dynamodb: { Keys: { sk: { S: [AGGREGATE_SK] } } } },
  ],
} as const;

export { DETAIL_TYPES, EVENT_SOURCE };

/**
 * EventBridge rules on the custom bus; each target exists in AWS and locally. Routing
 * (model file `alerts.routing`) sets `detail.alert`: pages go to email and Slack,
 * reports to Slack only.
 */
export const EVENT_RULES = [
  {
    id: "AlertsToEmail",
    target: "emailTopic",
    pattern: {
      source: [EVENT_SOURCE],
      "detail-type": Object.values(DETAIL_TYPES),
      detail: { alert: ["page"] },
    },
  },
  {
    id: "AlertsToSlack",
    target: "slack",
    pattern: {
      source: [EVENT_SOURCE],
      "detail-type": Object.values(DETAIL_TYPES),
      detail: { alert: ["page", "report"] },
    },
  },
] as const;

export type EventRuleTarget = (typeof EVENT_RULES)[number]["target"];

export const RESCORE_SCHEDULE = {
  function: "rescore" as FunctionId,
  defaultIntervalMinutes: 60,
} as const;

/**
 * How an alert reaches Slack and email, in AWS and locally alike. EventBridge retries a
 * failed hand-off to a target; inside one invocation the Slack client retries only when
 * Slack said no (see `functions/alerts`).
 */
export const ALERT_DELIVERY = {
  /** EventBridge's retries of handing an alert to a target, and for how long. */
  retryAttempts: 10,
  maxEventAgeSeconds: 6 * 3600,
  /** Time limit of one request to Slack or to the SMTP server. */
  requestTimeoutMs: 4_000,
  /** Attempts per invocation when Slack answers 429, 5xx or refuses the connection. */
  attemptsPerInvocation: 3,
} as const;
