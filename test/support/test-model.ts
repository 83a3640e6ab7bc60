/**
 * The fixed scoring model unit tests score with, so that editing the default model
 * (functions/domain/model.default.ts) never breaks a test that pins a number. It went
 * through the same validation as any model file; only the model tests and the backtest
 * gate run on the default model itself.
 *
 * Its values were copied from the default model of version 2026.11.1; change them only
 * together with the tests that pin them. Issue 11 added the sections that were code before
 * (red flags, urgent priorities, dispute weight, driver threshold) with the values the code
 * had, and no usage impacts; the 2026.11.2 tuning of the default is not copied here.
 */
import {
  type CompiledModel,
  compileModel,
  type Model,
  type ModelInput,
} from "../../functions/domain/model.ts";

/** The input of the test model: a fresh copy on every call, safe to edit in a test. */
export function testModelInput(): ModelInput {
  return structuredClone(TEST_MODEL_INPUT);
}

const TEST_MODEL_INPUT = {
  version: "test-model.1",
  description: "The fixed model unit tests score with",

  decay: {
    usageShortDays: 7,
    usageLongDays: 30,
    surveyDays: 90,
    supportDays: 30,
    reopenDays: 90,
    billingDays: 30,
    disputeDays: 90,
  },

  minCoverage: 0.3,

  tiers: { healthy: 70, atRisk: 40, margin: 5 },
  drop: { points: 15, windowDays: 7 },

  components: {
    engagement: {
      weight: 0.35,
      metrics: {
        volume: {
          weight: 0.4,
          curve: [
            [0, 0],
            [0.25, 35],
            [1, 70],
            [3, 100],
          ],
        },
        recency: {
          weight: 0.4,
          curve: [
            [0, 100],
            [3, 100],
            [7, 75],
            [14, 45],
            [21, 20],
            [30, 0],
          ],
        },
        trend: {
          weight: 0.2,
          curve: [
            [0.25, 0],
            [0.5, 30],
            [0.8, 60],
            [1, 80],
            [1.3, 100],
          ],
        },
      },
    },
    adoption: {
      weight: 0.15,
      metrics: {
        breadth: {
          weight: 0.7,
          curve: [
            [0, 0],
            [0.5, 60],
            [0.8, 90],
            [1, 100],
          ],
        },
        milestones: {
          weight: 0.3,
          curve: [
            [0, 0],
            [0.5, 50],
            [1, 100],
          ],
        },
      },
      keyFeatures: [],
      targetFeatureCount: 5,
      recentDays: 30,
      milestones: ["account_created", "integration_connected", "first_report", "team_invited"],
    },
    sentiment: {
      weight: 0.15,
      metrics: {
        nps: {
          weight: 0.5,
          curve: [
            [-100, 0],
            [0, 50],
            [50, 85],
            [100, 100],
          ],
        },
        csat: {
          weight: 0.3,
          curve: [
            [1, 0],
            [3, 45],
            [4, 80],
            [5, 100],
          ],
        },
        ces: {
          weight: 0.2,
          curve: [
            [1, 0],
            [4, 50],
            [7, 100],
          ],
        },
      },
      minResponses: 0.5,
    },
    support: {
      weight: 0.15,
      metrics: {
        openTickets: {
          weight: 0.25,
          curve: [
            [0, 100],
            [2, 80],
            [5, 50],
            [10, 20],
            [20, 0],
          ],
        },
        urgentTickets: {
          weight: 0.3,
          curve: [
            [0, 100],
            [1, 55],
            [2, 30],
            [4, 0],
          ],
        },
        volume: {
          weight: 0.15,
          curve: [
            [0, 100],
            [0.2, 85],
            [0.5, 60],
            [1, 30],
            [2, 0],
          ],
        },
        reopenRate: {
          weight: 0.15,
          curve: [
            [0, 100],
            [0.1, 80],
            [0.3, 40],
            [0.5, 0],
          ],
        },
        textSentiment: {
          weight: 0.15,
          curve: [
            [-0.5, 0],
            [-0.2, 30],
            [0, 60],
            [0.3, 100],
          ],
        },
      },
      urgentPriorities: ["urgent", "high"],
    },
    financial: {
      weight: 0.2,
      metrics: {
        status: { weight: 0.35 },
        failedPayments: {
          weight: 0.3,
          curve: [
            [0, 100],
            [1, 40],
            [2, 15],
            [3, 0],
          ],
        },
        contraction: {
          weight: 0.15,
          curve: [
            [0.5, 0],
            [0.8, 40],
            [0.95, 85],
            [1, 100],
          ],
        },
        refundsDisputes: {
          weight: 0.1,
          curve: [
            [0, 100],
            [1, 60],
            [3, 20],
            [5, 0],
          ],
        },
        renewal: {
          weight: 0.1,
          curve: [
            [0, 50],
            [30, 100],
          ],
        },
      },
      statusScores: {
        active: 100,
        trialing: 80,
        paused: 40,
        incomplete: 30,
        past_due: 25,
        unpaid: 10,
        incomplete_expired: 0,
        canceled: 0,
      },
      otherStatusScore: null,
      disputeWeight: 3,
      failedPaymentWindowDays: 30,
      contractionLookbackDays: 90,
      renewalWindowDays: 30,
    },
  },

  segments: [
    {
      name: "enterprise",
      when: { minMrr: 500_000 },
      weights: { engagement: 0.3, support: 0.2, financial: 0.2 },
    },
    {
      name: "self-serve",
      when: { maxSeats: 5 },
      weights: { engagement: 0.45, adoption: 0.2, sentiment: 0.1, support: 0.05 },
    },
  ],

  redFlags: {
    canceled: {
      tier: "critical",
      when: { subscriptionStatus: ["canceled", "incomplete_expired"] },
    },
    cancelScheduled: { tier: "critical", when: { cancelScheduled: true } },
    pastDue: { tier: "at-risk", when: { subscriptionStatus: ["past_due", "unpaid"] } },
    failedPayments: { tier: "at-risk", when: { minUnrecoveredFailedPayments: 2 } },
    dispute: { tier: "at-risk", when: { disputeWithinDays: 60 } },
  },

  drivers: { minImpact: 0.5 },

  alerts: {
    routing: {
      intoCritical: "page",
      healthyToAtRisk: "page",
      otherWorsening: "page",
      improvement: "report",
      drop: "page",
    },
    topDrivers: 3,
  },

  mapping: {
    typeform: { npsRef: "nps", csatRef: "csat", cesRef: "ces" },
    segment: { featureEvents: {} },
  },
} satisfies ModelInput;

/** The test model, validated and stamped `version#hash` like any deployed model. */
export const testCompiled: CompiledModel = compileModel(TEST_MODEL_INPUT);
/** The validated test model. */
export const testModel: Model = testCompiled.model;
