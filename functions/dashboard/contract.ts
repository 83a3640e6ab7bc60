/**
 * What the dashboard's data routes and live feed send, shared by the routes (functions/
 * dashboard) and the page (dashboard/). Types only: the server builds these shapes, the
 * page reads them. Money is in minor units of `currency`; days are ISO dates (UTC); times
 * are ISO 8601 strings.
 *
 * Routes (JSON; locally open on the same port as the read API, in AWS behind a JWT
 * authorizer on the HTTP API):
 * - `GET /dashboard/portfolio?segment=&owner=`                         → Portfolio
 * - `GET /dashboard/customers?q=&tier=&segment=&owner=&renewalWithinDays=&sort=&limit=&cursor=`
 *                                                                       → Page<CustomerRow>
 *   `sort`: `score` (default, lowest first), `-score`, `mrr`, `-mrr`, `name`, `renewal`.
 * - `GET /dashboard/customers/{accountId}`                              → CustomerPage
 * - `GET /dashboard/alerts?limit=&cursor=`                              → Page<AlertItem>
 * - `GET /config.json` (static, next to the page)                       → DashboardConfig
 * Live: a WebSocket at `DashboardConfig.liveUrl` (locally `ws://host:port/dashboard/live`)
 * sends one LiveMessage per score written. After a reconnect the page refetches what it
 * shows (catch-up); the feed itself keeps no backlog.
 */
import type { Tier } from "../domain/tiers.ts";

export interface DashboardConfig {
  /** Base URL of the data routes ("" = same origin). */
  readonly apiBase: string;
  /** WebSocket URL of the live feed. */
  readonly liveUrl: string;
  /** Cognito sign-in (AWS); null locally, where the routes are open. */
  readonly auth: null | {
    readonly region: string;
    readonly userPoolId: string;
    readonly clientId: string;
    /** Hosted UI domain, e.g. https://name.auth.us-east-1.amazoncognito.com */
    readonly domain: string;
  };
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; null on the last page. */
  readonly cursor: string | null;
}

export interface TierTotals {
  readonly customers: number;
  readonly mrr: number;
}

export interface TierMoves {
  /** Customers whose tier got worse (e.g. healthy → at-risk) in the window. */
  readonly worse: number;
  readonly better: number;
}

export interface Portfolio {
  readonly asOf: string;
  /** The currency of the MRR figures; null when no customer reported one. */
  readonly currency: string | null;
  readonly tiers: Readonly<Record<Tier, TierTotals>>;
  /** MRR of at-risk and critical customers. */
  readonly mrrAtRisk: number;
  readonly moves: { readonly days7: TierMoves; readonly days30: TierMoves };
  /** Average score per day, oldest first, 90 days; null on a day with no score. */
  readonly averageScore: readonly { readonly day: string; readonly score: number | null }[];
  /** The customers to act on today, most urgent first. */
  readonly needsAttention: readonly AttentionItem[];
  /** The values the filters offer. */
  readonly filters: { readonly segments: readonly string[]; readonly owners: readonly string[] };
}

export interface AttentionItem {
  readonly accountId: string;
  readonly displayName: string;
  readonly tier: Tier;
  readonly score: number | null;
  readonly mrr: number;
  readonly owner: string | null;
  /** Its red flag, else its top reason, in words. */
  readonly reason: string;
  /** Score change over 7 days; null without a score 7 days ago. */
  readonly change7d: number | null;
  readonly renewsAt: string | null;
}

export interface CustomerRow {
  readonly accountId: string;
  readonly displayName: string;
  readonly tier: Tier;
  readonly score: number | null;
  readonly mrr: number;
  readonly segment: string;
  readonly owner: string | null;
  readonly renewsAt: string | null;
  readonly updatedAt: string;
  /** Daily scores of the last 30 days, oldest first; null on a day with no score. */
  readonly sparkline: readonly (number | null)[];
}

export interface Reason {
  readonly component: string;
  /** Points: negative pulls the score down. */
  readonly impact: number;
  readonly reason: string;
}

export interface CustomerPage extends CustomerRow {
  readonly modelVersion: string;
  /** Share of the model's weight backed by data, 0-1. */
  readonly coverage: number;
  readonly thresholds: { readonly healthy: number; readonly atRisk: number };
  readonly components: readonly {
    readonly name: string;
    readonly available: boolean;
    readonly normalized: number | null;
    readonly weight: number;
    readonly contribution: number;
  }[];
  /** What moved the score at its last change. */
  readonly drivers: readonly Reason[];
  /** What holds it down now: the largest gaps to full marks. */
  readonly holdingDown: readonly Reason[];
  /** Red flags raised now. */
  readonly flags: readonly {
    readonly name: string;
    readonly tier: Tier;
    readonly reason: string;
  }[];
  /** Daily history, oldest first. */
  readonly history: readonly {
    readonly day: string;
    readonly score: number | null;
    readonly tier: Tier;
    readonly modelVersion: string;
  }[];
  /** Recent events from the event log, newest first, in words. */
  readonly events: readonly {
    readonly at: string;
    readonly source: string;
    readonly text: string;
  }[];
  readonly alerts: readonly AlertItem[];
}

export interface AlertItem {
  readonly at: string;
  readonly accountId: string;
  readonly displayName: string;
  readonly kind: "tier" | "drop" | "flag";
  readonly previousTier: Tier | null;
  readonly tier: Tier;
  readonly score: number | null;
  /** One line, as the alert said it. */
  readonly text: string;
}

export type LiveMessage =
  | { readonly type: "hello"; readonly at: string }
  | {
      readonly type: "score";
      readonly accountId: string;
      readonly displayName: string;
      readonly score: number | null;
      readonly tier: Tier;
      readonly previousTier: Tier | null;
      readonly computedAt: string;
    };
