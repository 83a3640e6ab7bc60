/**
 * The one definition of the system's topology (design decision 10). The CDK stacks and
 * the local runtime both read this module, so the cloud and a laptop cannot drift apart.
 * Plain data only: no AWS or CDK imports.
 */

import { DAY_ATTR, DAY_BUCKET_PREFIX } from "../functions/adapters/dynamo/aggregate-layout.ts";
import {
  AGGREGATE_SK,
  DUE_INDEX,
  EVENT_LOG_INDEX,
  EVENT_SK,
  SCORE_SK,
  TIER_INDEX,
  TTL_ATTRIBUTE,
  UNMATCHED_INDEX,
} from "../functions/adapters/dynamo/keys.ts";
import { ALERT_DELIVERY } from "../functions/alerts/delivery-policy.ts";
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
    /** Attributes copied into the index. @default "ALL" */
    readonly projection?: "ALL" | "KEYS_ONLY";
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
    {
      // Each account's applied events in source-time order: what replay and import rebuild from.
      name: EVENT_LOG_INDEX,
      partitionKey: { name: "logPk", type: "S" },
      sortKey: { name: "logSk", type: "S" },
    },
    // Score items by when they are next due: keys only, so moving a due time writes ~1 unit.
    {
      name: DUE_INDEX,
      partitionKey: { name: "duePk", type: "S" },
      sortKey: { name: "dueAt", type: "N" },
      projection: "KEYS_ONLY",
    },
  ],
};

export type FunctionId =
  | "webhook"
  | "score"
  | "rescore"
  | "slack"
  | "api"
  | "dashboard"
  | "dashboardStream"
  | "dashboardLive"
  | "dashboardAuth"
  | "digest";

/**
 * DynamoDB actions a function may take (IAM action names without `dynamodb:`). A transaction
 * needs the action of each of its items: `PutItem`, `UpdateItem`, `DeleteItem`,
 * `ConditionCheckItem`; there is no `TransactWriteItems` action.
 */
export type TableAction =
  | "GetItem"
  | "BatchGetItem"
  | "Query"
  | "Scan"
  | "PutItem"
  | "UpdateItem"
  | "DeleteItem"
  | "ConditionCheckItem"
  | "BatchWriteItem";

export interface FunctionDefinition {
  readonly id: FunctionId;
  /** Path of the handler module, relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /**
   * Caps concurrency where a burst would only throttle DynamoDB or Slack, and guarantees it
   * where a flood must not take the account's concurrency from the other functions.
   */
  readonly reservedConcurrency?: number;
  /**
   * Lambda's own retries of a failed asynchronous invocation (0-2; Lambda's default is 2).
   * Omitted for functions invoked only synchronously or by an event source mapping.
   */
  readonly asyncRetryAttempts?: number;
  /** What the function may do with the table's items: only the actions its code uses. */
  readonly tableActions: readonly TableAction[];
  /** What it may do on each global secondary index, by index name (none when omitted). */
  readonly indexActions?: Readonly<Record<string, readonly TableAction[]>>;
}

/**
 * Every function and the DynamoDB actions its code uses; the CDK grants exactly these.
 * test/unit/infra/table-actions.test.ts checks them against the calls in each function's
 * bundle (a call whose action is missing here would fail in AWS only, with AccessDenied),
 * and test/unit/infra/stacks.test.ts pins the synthesized grants.
 */
export const FUNCTIONS: Record<FunctionId, FunctionDefinition> = {
  webhook: {
    id: "webhook",
    entry: "functions/webhook/handler.ts",
    description: "Verifies provider webhooks and applies them to customer aggregates",
    memoryMb: 512,
    timeoutSeconds: 10,
    // Reserved, so that a flood of webhooks (signed or not) can never use the concurrency the
    // stream consumer needs to score, and capped at what the table's writes sustain.
    reservedConcurrency: 25,
    tableActions: [
      // Aliases: one BatchGetItem to resolve, PutItem to learn one.
      "BatchGetItem",
      // Event record + aggregate in one transaction (Put, Update); applying a waiting
      // unmatched event also deletes its index entries (Delete) and checks that the alias
      // still names the account (ConditionCheck) in that transaction.
      "PutItem",
      "UpdateItem",
      "DeleteItem",
      "ConditionCheckItem",
      // Unmatched events waiting for an alias.
      "Query",
    ],
  },
  score: {
    id: "score",
    entry: "functions/scoring/stream-handler.ts",
    description: "Rescores customers whose aggregates changed (DynamoDB stream)",
    memoryMb: 512,
    timeoutSeconds: 60,
    // Reads the aggregate's items (Query), score and snapshot (BatchGetItem); writes score and
    // snapshot in one transaction (Put, Put); clears the outbox (Update); folds old day
    // buckets into their month (Put, Delete).
    tableActions: ["Query", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem"],
  },
  rescore: {
    id: "rescore",
    entry: "functions/scoring/rescore-handler.ts",
    description: "Rescores customers whose score is due, so silence decays into risk",
    memoryMb: 1024,
    timeoutSeconds: 900,
    reservedConcurrency: 1,
    // As the score function (Query, BatchGetItem, Put, Update, Delete); reads and records
    // the model it swept to (GetItem, Put).
    tableActions: ["Query", "BatchGetItem", "GetItem", "PutItem", "UpdateItem", "DeleteItem"],
    // Finds the customers due with a Query of each shard of the due index; after a model
    // change, once, the scores of another model with a parallel Scan of the tier index.
    indexActions: { [DUE_INDEX]: ["Query"], [TIER_INDEX]: ["Scan"] },
  },
  slack: {
    id: "slack",
    entry: "functions/slack/handler.ts",
    description: "Posts health alerts to Slack",
    memoryMb: 256,
    timeoutSeconds: 15,
    reservedConcurrency: 2,
    // Invoked asynchronously by EventBridge. Lambda retries a failed invocation: safe, because
    // an invocation fails only when Slack refused the message (or another invocation holds
    // it), and the alert ledger keeps a posted alert from being posted again.
    asyncRetryAttempts: ALERT_DELIVERY.invocationRetryAttempts,
    // The alert ledger: claim (conditional Put), mark sent (Update), release (Delete), read.
    // With the daily digest on, an alert is recorded in its day's digest instead (Put).
    tableActions: ["GetItem", "PutItem", "UpdateItem", "DeleteItem"],
  },
  digest: {
    id: "digest",
    entry: "functions/alerts/digest-handler.ts",
    description: "Posts the daily Slack digest of tier moves (when alerts.digest is on)",
    memoryMb: 256,
    timeoutSeconds: 30,
    reservedConcurrency: 1,
    // Reads the day's digest entries (Query of one partition); posts once through the alert
    // ledger: claim (conditional Put), mark sent (Update), release (Delete), read.
    tableActions: ["Query", "GetItem", "PutItem", "UpdateItem", "DeleteItem"],
  },
  api: {
    id: "api",
    entry: "functions/api/handler.ts",
    description: "Read and admin API: customers, aliases, unmatched events",
    memoryMb: 512,
    timeoutSeconds: 10,
    tableActions: [
      // A customer's score and aggregate (GetItem) and daily history (Query).
      "GetItem",
      "Query",
      // Aliases (Put) and the waiting unmatched events they apply, as the webhook function
      // applies them (Update, Delete and the alias owner's ConditionCheck in one transaction).
      "PutItem",
      "UpdateItem",
      "DeleteItem",
      "ConditionCheckItem",
    ],
    // Customers of a tier; unmatched events, oldest first.
    indexActions: { [TIER_INDEX]: ["Query"], [UNMATCHED_INDEX]: ["Query"] },
  },
  // ---- The dashboard (issue 12): data routes, the stream projection and live feed, the
  // WebSocket routes and their authorizer.
  dashboard: {
    id: "dashboard",
    entry: "functions/dashboard/handler.ts",
    description: "Dashboard data routes: portfolio, customers, customer page, alerts",
    memoryMb: 512,
    timeoutSeconds: 10,
    // Summary, rows, history, event log and alerts (Query, GetItem); rows and week-old
    // snapshots of the customers needing attention (BatchGetItem).
    tableActions: ["GetItem", "BatchGetItem", "Query"],
    // The lowest-scored critical and at-risk customers.
    indexActions: { [TIER_INDEX]: ["Query"] },
  },
  dashboardStream: {
    id: "dashboardStream",
    entry: "functions/dashboard/stream-handler.ts",
    description: "Keeps the dashboard summary, rows, event log and alerts; pushes scores live",
    memoryMb: 512,
    timeoutSeconds: 60,
    // Rows and billing (BatchGetItem); rows (Put) and counters (Update) in one transaction;
    // alerts and event log lines (Put); open connections (Query) and gone ones (Delete).
    tableActions: ["BatchGetItem", "PutItem", "UpdateItem", "Query", "DeleteItem"],
  },
  dashboardLive: {
    id: "dashboardLive",
    entry: "functions/dashboard/live-handler.ts",
    description: "Live feed WebSocket routes: keeps the open connections",
    memoryMb: 256,
    timeoutSeconds: 10,
    // Connections (Put, Delete); listing them is the dashboard stream function's.
    tableActions: ["PutItem", "DeleteItem"],
  },
  dashboardAuth: {
    id: "dashboardAuth",
    entry: "functions/dashboard/authorizer.ts",
    description: "Live feed WebSocket authorizer: verifies the Cognito access token",
    memoryMb: 256,
    timeoutSeconds: 10,
    tableActions: [],
  },
};

export interface RouteDefinition {
  readonly method: "GET" | "POST" | "PUT";
  readonly path: string;
  readonly function: FunctionId;
  /**
   * Webhooks are public but signed; read and admin routes need IAM (SigV4) in AWS; the
   * dashboard's routes a Cognito JWT. Locally only signatures are checked.
   */
  readonly auth: "signature" | "iam" | "jwt";
}

export const ROUTES: readonly RouteDefinition[] = [
  { method: "POST", path: "/webhooks/{provider}", function: "webhook", auth: "signature" },
  { method: "GET", path: "/customers", function: "api", auth: "iam" },
  { method: "GET", path: "/customers/{accountId}", function: "api", auth: "iam" },
  { method: "PUT", path: "/accounts/{accountId}/aliases", function: "api", auth: "iam" },
  { method: "GET", path: "/unmatched", function: "api", auth: "iam" },
  { method: "GET", path: "/dashboard/portfolio", function: "dashboard", auth: "jwt" },
  { method: "GET", path: "/dashboard/customers", function: "dashboard", auth: "jwt" },
  { method: "GET", path: "/dashboard/customers/{accountId}", function: "dashboard", auth: "jwt" },
  { method: "GET", path: "/dashboard/alerts", function: "dashboard", auth: "jwt" },
];

export interface Throttle {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Short bursts above the steady rate. */
  readonly burstLimit: number;
}

/**
 * API Gateway throttles each route by its group (by `auth`): the one public webhook route and
 * each IAM-signed read and admin route have their own budgets, so a flood on the webhooks
 * never locks operators out.
 */
export const ROUTE_THROTTLES: Readonly<Record<RouteDefinition["auth"], Throttle>> = {
  signature: { rateLimit: 100, burstLimit: 200 },
  iam: { rateLimit: 20, burstLimit: 40 },
  // A few people with the dashboard open, each page a handful of calls.
  jwt: { rateLimit: 20, burstLimit: 40 },
};

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
   * Lambda event filter (same JSON in AWS and locally): what webhooks write to an
   * aggregate (its state item and day buckets) only, so the function's own writes (scores,
   * history, the months it folds days into) never trigger it. A day bucket counts only as
   * ingestion writes it (`ingested`): a rebuild writes its buckets first and its state item
   * last, and a batch holding some of its buckets but not its state item would score a
   * half-written aggregate.
   */
  filterPatterns: [
    { eventName: ["INSERT", "MODIFY"], dynamodb: { Keys: { sk: { S: [AGGREGATE_SK] } } } },
    {
      eventName: ["INSERT", "MODIFY"],
      dynamodb: {
        Keys: { sk: { S: [{ prefix: DAY_BUCKET_PREFIX }] } },
        NewImage: { [DAY_ATTR.ingested]: { BOOL: [true] } },
      },
    },
  ],
} as const;

/**
 * The dashboard function's stream trigger (the table's second and last consumer: DynamoDB
 * streams serve two readers per shard). Score items and applied event records only; no
 * batching window, so a score reaches open pages within a second of being written.
 */
export const DASHBOARD_STREAM = {
  function: "dashboardStream" as FunctionId,
  batchSize: 100,
  maxBatchingWindowSeconds: 0,
  retryAttempts: 3,
  maxRecordAgeSeconds: 3600,
  bisectBatchOnError: true,
  reportBatchItemFailures: true,
  filterPatterns: [
    { eventName: ["INSERT", "MODIFY"], dynamodb: { Keys: { sk: { S: [SCORE_SK] } } } },
    {
      eventName: ["INSERT", "MODIFY"],
      dynamodb: { Keys: { sk: { S: [EVENT_SK] } }, NewImage: { status: { S: ["applied"] } } },
    },
  ],
} as const;

/** The live feed's WebSocket path locally (in AWS, the WebSocket API's own URL). */
export const LIVE_PATH = "/dashboard/live";

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
  /** EventBridge Scheduler's retries of a trigger it could not deliver. */
  retryAttempts: 2,
} as const;

/**
 * The daily Slack digest: EventBridge Scheduler invokes the digest function once a day at
 * `hourUtc` (CDK context `alerts.digestHourUtc`), and it posts the previous UTC day. Deployed
 * always; it posts only with `alerts.digest` on.
 */
export const DIGEST_SCHEDULE = {
  function: "digest" as FunctionId,
  defaultHourUtc: 8,
  /** Scheduler's retries of a trigger it could not deliver (the post itself is once per day). */
  retryAttempts: 2,
  /** A trigger older than this is dropped: the next day's run would be due soon after. */
  maxEventAgeSeconds: 6 * 3600,
} as const;

/** CloudWatch namespace of the functions' business metrics (Powertools Metrics, EMF). */
export const METRICS_NAMESPACE = "CustomerHealth";

/**
 * How an alert reaches Slack and email (EventBridge and Lambda retries, request timeout,
 * attempts per invocation): defined next to the alert code so the Slack bundle stays small.
 */
export { ALERT_DELIVERY };
