/**
 * Pure scoring benchmark: signals applied per second to in-memory aggregates, and scores
 * per second over 100k synthetic accounts, on one core.
 */
import {
  type Aggregate,
  applyUpdate,
  emptyAggregate,
  signalToUpdate,
} from "../functions/domain/aggregate.ts";
import { defaultModel } from "../functions/domain/model.default.ts";
import { compileModel } from "../functions/domain/model.ts";
import { score } from "../functions/domain/score.ts";
import type { Signal, SignalValues } from "../functions/domain/signals.ts";
import { type Report, seededRandom } from "./report.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22, 12);

/** A plausible month of signals for one synthetic account. */
function syntheticSignals(account: number, random: () => number): Signal[] {
  const signals: Signal[] = [];
  const push = (values: SignalValues, daysAgo: number) =>
    signals.push({
      accountId: `acct-${account}`,
      source: "generic",
      sourceEventId: `e-${account}-${signals.length}`,
      occurredAt: NOW - Math.floor(daysAgo * DAY),
      values,
    });
  const activeDays = Math.floor(random() * 25);
  const silence = random() < 0.2 ? Math.floor(random() * 30) : 0;
  for (let d = 0; d < activeDays; d++) {
    push(
      { kind: "usage", event: "report_viewed", count: 1 + Math.floor(random() * 40) },
      silence + d,
    );
    if (random() < 0.3)
      push({ kind: "feature_used", feature: `f${Math.floor(random() * 8)}` }, silence + d);
  }
  push(
    {
      kind: "subscription",
      status: random() < 0.9 ? "active" : "past_due",
      mrr: Math.floor(random() * 800_000),
      currency: "usd",
      seats: 1 + Math.floor(random() * 50),
      plan: random() < 0.5 ? "pro" : "team",
    },
    100 * random(),
  );
  if (random() < 0.4) push({ kind: "nps", score: Math.floor(random() * 11) }, 60 * random());
  if (random() < 0.3) push({ kind: "csat", score: 1 + Math.floor(random() * 5) }, 60 * random());
  for (let t = 0; t < Math.floor(random() * 4); t++) {
    push(
      {
        kind: "ticket_opened",
        ticketId: `t${t}`,
        priority: random() < 0.2 ? "urgent" : "normal",
        text: "The export keeps failing, please help",
      },
      20 * random(),
    );
    if (random() < 0.6) push({ kind: "ticket_solved", ticketId: `t${t}` }, 5 * random());
  }
  if (random() < 0.15)
    push({ kind: "payment_failed", invoiceId: `in_${account}`, attempt: 1 }, 10 * random());
  if (random() < 0.5) push({ kind: "milestone", name: "integration_connected" }, 200 * random());
  return signals;
}

export function benchScoring(report: Report, accounts = 100_000): void {
  const compiled = compileModel(defaultModel);
  const decay = compiled.model.decay;
  const random = seededRandom(42);
  const perAccount = Array.from({ length: accounts }, (_, i) => syntheticSignals(i, random));

  let applied = 0;
  const aggregates: Aggregate[] = new Array(accounts);
  const applyStart = performance.now();
  for (let i = 0; i < accounts; i++) {
    let agg = emptyAggregate(`acct-${i}`);
    for (const signal of perAccount[i] as Signal[]) {
      agg = applyUpdate(agg, signalToUpdate(signal, decay));
      applied++;
    }
    aggregates[i] = agg;
  }
  const applySeconds = (performance.now() - applyStart) / 1000;

  // Warm up the JIT on a slice, then time one pass over every account.
  for (let i = 0; i < 5_000; i++) score(aggregates[i] as Aggregate, compiled, null, NOW);
  let checksum = 0;
  const start = performance.now();
  for (let i = 0; i < accounts; i++) {
    checksum += score(aggregates[i] as Aggregate, compiled, null, NOW).score ?? 0;
  }
  const seconds = (performance.now() - start) / 1000;

  report("scoring.accounts", accounts, "accounts");
  report("scoring.signals_applied_per_second", Math.round(applied / applySeconds), "signals/s");
  report("scoring.scores_per_second", Math.round(accounts / seconds), "scores/s");
  report("scoring.mean_score", Math.round((checksum / accounts) * 10) / 10, "points");
}
