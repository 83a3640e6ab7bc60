/**
 * Simulator configurations: which archetypes make up the customer base, how big and how
 * expensive the accounts are, and the names a company's tools use for events, features
 * and milestones. `b2b` is tuned to nothing in particular; `plg` is a different company
 * (product-led, small accounts, other event names) to check that a model is not fitted to
 * one vocabulary.
 */
import type { Archetype } from "./archetypes.ts";

export interface Vocabulary {
  /** The everyday usage event (a session, a login). */
  readonly coreEvent: string;
  /** Feature key → the usage event that exercises it. */
  readonly features: Readonly<Record<string, string>>;
  /** Usage events that are a bad sign, by what they tell. */
  readonly badEvents: {
    readonly error: string;
    readonly seatRemoved: string;
    readonly exportAll: string;
  };
  /** Onboarding milestones, in the order a customer reaches them. */
  readonly milestones: readonly string[];
  /** Plans from smallest to largest, with the largest seat count each covers. */
  readonly plans: readonly { readonly name: string; readonly maxSeats: number }[];
}

export interface Mix {
  readonly name: string;
  readonly description: string;
  /** Relative weights; archetypes left out never occur. */
  readonly archetypes: Readonly<Partial<Record<Archetype, number>>>;
  /** Multiplies every archetype's seat range (a company of smaller or larger customers). */
  readonly seatScale: number;
  /** Price per seat per month, minor units. */
  readonly seatPrice: number;
  readonly currency: string;
  /** Share of customers on an annual contract (the rest renew monthly). */
  readonly annualShare: number;
  /** Share of customers that sign up during the window instead of before it. */
  readonly newCustomerShare: number;
  /**
   * Share of churners that first set their subscription to cancel at the period's end, 3-30
   * days ahead (the others stop paying, or the vendor cancels them). A fifth of this share
   * of the troubled customers who stay schedule one too, and take it back when they recover.
   */
  readonly scheduledCancelShare: number;
  readonly vocabulary: Vocabulary;
}

const b2b: Mix = {
  name: "b2b",
  description: "B2B SaaS sold to teams: mostly steady accounts, every kind of churn story",
  archetypes: {
    steady: 30,
    "power-user": 15,
    seasonal: 8,
    "noisy-small": 12,
    "silent-fade-out": 9,
    "billing-failure": 6,
    "support-frustration": 7,
    detractor: 6,
    "downgrade-then-leave": 7,
  },
  seatScale: 1,
  seatPrice: 4_000,
  currency: "usd",
  annualShare: 0.6,
  // Teams on invoices often just let the contract lapse; a third click "cancel" first.
  scheduledCancelShare: 0.35,
  newCustomerShare: 0.15,
  vocabulary: {
    coreEvent: "login",
    features: {
      reports: "report_viewed",
      dashboards: "dashboard_opened",
      alerts: "alert_created",
      integrations: "integration_synced",
      exports: "export_created",
      api: "api_called",
      sharing: "report_shared",
      automation: "workflow_run",
    },
    badEvents: { error: "error_shown", seatRemoved: "seat_removed", exportAll: "data_exported" },
    milestones: ["account_created", "integration_connected", "first_report", "team_invited"],
    plans: [
      { name: "starter", maxSeats: 5 },
      { name: "team", maxSeats: 25 },
      { name: "business", maxSeats: 100 },
      { name: "enterprise", maxSeats: Number.POSITIVE_INFINITY },
    ],
  },
};

const plg: Mix = {
  name: "plg",
  description: "Product-led tool: many small and seasonal accounts, involuntary churn, other names",
  archetypes: {
    steady: 15,
    "power-user": 10,
    seasonal: 15,
    "noisy-small": 30,
    "silent-fade-out": 12,
    "billing-failure": 8,
    "support-frustration": 3,
    detractor: 3,
    "downgrade-then-leave": 4,
  },
  seatScale: 0.4,
  seatPrice: 1_200,
  currency: "eur",
  annualShare: 0.2,
  // Self-serve customers leave through the billing portal: most schedule the cancellation.
  scheduledCancelShare: 0.6,
  newCustomerShare: 0.3,
  vocabulary: {
    coreEvent: "session_started",
    features: {
      editor: "doc_edited",
      templates: "template_used",
      comments: "comment_posted",
      sharing: "link_shared",
      search: "search_run",
      mobile: "mobile_session",
    },
    badEvents: {
      error: "sync_failed",
      seatRemoved: "member_removed",
      exportAll: "workspace_exported",
    },
    milestones: ["signed_up", "first_doc", "invited_teammate", "connected_calendar", "went_pro"],
    plans: [
      { name: "free-plus", maxSeats: 2 },
      { name: "pro", maxSeats: 10 },
      { name: "org", maxSeats: Number.POSITIVE_INFINITY },
    ],
  },
};

export const MIXES: Readonly<Record<string, Mix>> = { b2b, plg };
export const DEFAULT_MIX = "b2b";
