/**
 * The default model meets common sense (issue 11 item 8): the cases a CS manager judges at
 * a glance land in the tier they expect. Like the backtest gate, this test scores with the
 * default model itself (unit tests otherwise use the frozen test model), so a change of
 * the default that breaks common sense fails here.
 */
import { describe, expect, it } from "vitest";
import { aggregateOf } from "../../../functions/domain/aggregate.ts";
import { defaultModel } from "../../../functions/domain/model.default.ts";
import { compileModel } from "../../../functions/domain/model.ts";
import { type HealthScore, score } from "../../../functions/domain/score.ts";
import type { Signal } from "../../../functions/domain/signals.ts";
import { DAY, NOW, signal } from "../../support/signals.ts";

const compiled = compileModel(defaultModel);

/** Scores the history daily for its last `days` days, as the hourly rescore would. */
function rescoreDaily(signals: readonly Signal[], days: number): HealthScore[] {
  const scores: HealthScore[] = [];
  let previous: HealthScore | null = null;
  for (let d = days; d >= 0; d--) {
    const now = NOW - d * DAY;
    const seen = signals.filter((s) => s.occurredAt <= now);
    previous = score(aggregateOf("acct-1", seen), compiled, previous, now);
    scores.push(previous);
  }
  return scores;
}

const scoreNow = (signals: readonly Signal[]) => rescoreDaily(signals, 0).at(-1) as HealthScore;

/** A busy, healthy customer of 20 seats: 90 days of daily use, features, milestones. */
function busyCustomer(): Signal[] {
  const signals: Signal[] = [
    signal({ kind: "subscription", status: "active", mrr: 200_000, seats: 20, plan: "pro" }, 120),
  ];
  for (const name of ["account_created", "integration_connected", "first_report", "team_invited"]) {
    signals.push(signal({ kind: "milestone", name }, 110));
  }
  for (let d = 0; d < 90; d++) {
    signals.push(signal({ kind: "usage", event: "login", count: 60 }, d + 0.1));
    for (const feature of ["reports", "dashboards", "alerts", "exports", "api"]) {
      if (d % 3 === 0) signals.push(signal({ kind: "feature_used", feature }, d + 0.2));
    }
  }
  signals.push(signal({ kind: "nps", score: 9 }, 60));
  return signals;
}

describe("the default model meets common sense", () => {
  it("keeps a steady, busy customer healthy day after day", () => {
    const scores = rescoreDaily(busyCustomer(), 30);

    expect(scores.map((s) => s.tier)).toEqual(scores.map(() => "healthy"));
    expect(scores.at(-1)?.flags).toEqual([]);
  });

  it("makes a busy customer critical the day its subscription is canceled", () => {
    const canceled = [
      ...busyCustomer(),
      signal({ kind: "subscription", status: "canceled", mrr: 0, seats: 20 }, 0.5),
    ];

    const scores = rescoreDaily(canceled, 3);

    expect(scores.at(-2)?.tier).toBe("healthy");
    expect(scores.at(-1)?.tier).toBe("critical");
    expect(scores.at(-1)?.drivers[0]?.reason).toBe("subscription canceled on Nov 22");
  });

  it("makes a busy customer set to cancel at period end critical", () => {
    const scheduled = [
      ...busyCustomer(),
      signal(
        {
          kind: "subscription",
          status: "active",
          mrr: 200_000,
          seats: 20,
          cancelAtPeriodEnd: true,
        },
        2,
      ),
    ];

    const result = scoreNow(scheduled);

    expect(result.tier).toBe("critical");
    expect(result.flags.map((f) => f.name)).toEqual(["cancelScheduled"]);
  });

  it("puts a busy customer with billing and support trouble at-risk or critical", () => {
    // Two failed payments, past due, an NPS of 1 and three urgent tickets, while still busy.
    const troubled = [
      ...busyCustomer(),
      signal({ kind: "payment_failed", invoiceId: "in_1" }, 9),
      signal({ kind: "payment_failed", invoiceId: "in_1", attempt: 2 }, 5),
      signal({ kind: "payment_failed", invoiceId: "in_2" }, 2),
      signal({ kind: "subscription", status: "past_due", mrr: 200_000, seats: 20 }, 9),
      signal({ kind: "nps", score: 1 }, 4),
      ...[1, 2, 3].map((i) =>
        signal({ kind: "ticket_opened", ticketId: `t${i}`, priority: "urgent" }, 3 + i),
      ),
    ];

    const result = scoreNow(troubled);

    expect(["at-risk", "critical"]).toContain(result.tier);
    // Each kind of trouble is named: the billing, the escalation and the detractor.
    expect(result.flags.map((f) => f.name)).toEqual([
      "pastDue",
      "failedPayments",
      "escalation",
      "detractor",
    ]);
    expect(result.holdingDown[0]?.reason).toBe("subscription past due since Nov 13");
  });
});
