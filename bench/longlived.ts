/**
 * `npm run bench -- longlived`: one heavy customer over years (BENCH_LONGLIVED_YEARS, 5 by
 * default) through the real ingestion (provider adapters, `ingestEvent`, DynamoEventStore)
 * and the real scoring (`scoreAccounts`, DynamoScoreStore) on DynamoDB Local, scored every
 * BENCH_LONGLIVED_SCORE_HOURS simulated hours (4) that had events, as the stream would.
 *
 * Request units are priced as AWS bills them (bench/aws-billing.ts) over the first and the
 * last simulated month; the meter reads items before and after each write, so latency is
 * timed over the second and the second-to-last months, unmetered.
 */

import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoEventStore } from "../functions/adapters/dynamo/event-store.ts";
import { accountPk } from "../functions/adapters/dynamo/keys.ts";
import { DynamoScoreStore } from "../functions/adapters/dynamo/score-store.ts";
import { defaultModel } from "../functions/domain/model.default.ts";
import { compileModel } from "../functions/domain/model.ts";
import { type ScoreDeps, scoreAccounts } from "../functions/scoring/score-accounts.ts";
import { type IngestOutcome, ingestEvent } from "../functions/webhook/ingest.ts";
import { parseDelivery } from "../functions/webhook/providers/index.ts";
import { startDynamoDbLocal } from "../lib/local/dynamodb-local.ts";
import { createTables } from "../lib/local/tables.ts";
import type { AwsBillingMeter } from "./aws-billing.ts";
import { itemBytes, meteredClients } from "./dynamo.ts";
import { type Delivery, deliveriesOf, HEAVY, monthStart } from "./longlived-events.ts";
import { type Report, seededRandom } from "./report.ts";

const HOUR = 3_600_000;
const START = Date.UTC(2021, 0, 1);
/** A webhook is acknowledged about a second after it happened. */
const DELIVERY_DELAY_MS = 1_000;

/** What one simulated month cost. */
interface MonthFigures {
  events: number;
  failed: number;
  ingestWcu: number;
  ingestRcu: number;
  scores: number;
  scoreRcu: number;
  scoreWcu: number;
  readonly latencies: number[];
  readonly outcomes: Map<string, number>;
}

const newMonth = (): MonthFigures => ({
  events: 0,
  failed: 0,
  ingestWcu: 0,
  ingestRcu: 0,
  scores: 0,
  scoreRcu: 0,
  scoreWcu: 0,
  latencies: [],
  outcomes: new Map(),
});

/** Runs `work` and adds the units it consumed (table writes, index writes, reads). */
async function metered<T>(
  meter: AwsBillingMeter,
  work: () => Promise<T>,
  add: (wcu: number, rcu: number) => void,
): Promise<T> {
  if (!meter.enabled) return work();
  const before = meter.snapshot();
  try {
    return await work();
  } finally {
    const after = meter.snapshot();
    add(after.wcu + after.gsiWcu - before.wcu - before.gsiWcu, after.rcu - before.rcu);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor(sorted.length / 2)] as number);
};
const perEach = (total: number, count: number) => (count > 0 ? total / count : Number.NaN);

export async function benchLonglived(report: Report): Promise<void> {
  const years = Number(process.env.BENCH_LONGLIVED_YEARS ?? 5);
  const scoreHours = Number(process.env.BENCH_LONGLIVED_SCORE_HOURS ?? 4);
  if (!(years > 0) || !(scoreHours > 0)) {
    throw new Error("BENCH_LONGLIVED_YEARS and BENCH_LONGLIVED_SCORE_HOURS must be positive");
  }
  const months = Math.max(1, Math.round(years * 12));
  const meteredMonths = new Set([0, months - 1]);
  const timedMonths = months >= 4 ? new Set([1, months - 2]) : meteredMonths;
  const started = performance.now();

  const local = await startDynamoDbLocal();
  try {
    const { client, doc, meter } = meteredClients(local.endpoint);
    const { tableName } = await createTables(client, "bench-longlived");
    const compiled = compileModel(defaultModel);
    const store = new DynamoEventStore(doc, { tableName });
    const scoring: ScoreDeps = {
      store: new DynamoScoreStore(doc, { tableName }),
      publisher: { publish: async () => {} },
      model: compiled,
      concurrency: 1,
    };
    const { accountId } = HEAVY;
    meter.enabled = false;
    // The operator links the customer's Zendesk organization and Stripe ids once.
    await store.saveAliases(accountId, [
      { kind: "zendesk", id: HEAVY.zendeskOrganization },
      { kind: "stripe", id: HEAVY.stripeCustomer },
      { kind: "stripe", id: HEAVY.stripeSubscription },
    ]);

    const deliveries = deliveriesOf(HEAVY, START, months, seededRandom(10));
    const figures = Array.from({ length: months }, newMonth);
    const yearly: { year: number; bytes: number; sk: string; items: number }[] = [];
    const errors = new Map<string, number>();
    let month = 0;
    let nextMonthAt = monthStart(START, 1);
    let dirty = false;
    const boundaryAfter = (t: number) =>
      START + (Math.floor((t - START) / (scoreHours * HOUR)) + 1) * scoreHours * HOUR;
    let nextScoreAt = boundaryAfter(START);

    const scoreNow = async (at: number) => {
      const f = figures[month] as MonthFigures;
      const result = await metered(
        meter,
        () => scoreAccounts(scoring, [accountId], at),
        (wcu, rcu) => {
          f.scoreWcu += wcu;
          f.scoreRcu += rcu;
        },
      );
      for (const error of result.failed.values()) count(errors, `score: ${error.message}`);
      f.scores += 1;
      dirty = false;
    };
    const closeMonth = async () => {
      if (month % 12 === 11 || month === months - 1) {
        meter.enabled = false;
        yearly.push({ year: Math.floor(month / 12) + 1, ...(await partition(doc, tableName)) });
      }
      const done = figures[month] as MonthFigures;
      // Progress on stderr, so that a long run shows where it is without touching the figures.
      process.stderr.write(
        `longlived: month ${month + 1}/${months}, ${done.events} events, ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
      );
      month += 1;
      nextMonthAt = monthStart(START, month + 1);
      meter.enabled = meteredMonths.has(month);
    };

    meter.enabled = meteredMonths.has(0);
    for (const delivery of deliveries) {
      while (delivery.at >= nextScoreAt || delivery.at >= nextMonthAt) {
        // Scores (as the stream would after a batch) and month ends, in time order.
        if (nextScoreAt <= nextMonthAt) {
          if (dirty) await scoreNow(nextScoreAt);
          nextScoreAt = boundaryAfter(Math.max(nextScoreAt, delivery.at - scoreHours * HOUR));
        } else {
          await closeMonth();
        }
      }
      const f = figures[month] as MonthFigures;
      const t = performance.now();
      const outcome = await metered(
        meter,
        () => ingest(store, compiled.model, delivery),
        (wcu, rcu) => {
          f.ingestWcu += wcu;
          f.ingestRcu += rcu;
        },
      ).catch((error: Error) => {
        count(errors, `ingest: ${error.name}: ${error.message.slice(0, 120)}`);
        return "failed" as const;
      });
      if (timedMonths.has(month)) f.latencies.push(performance.now() - t);
      f.events += 1;
      if (outcome === "failed") f.failed += 1;
      count(f.outcomes, outcome);
      dirty = true;
    }
    if (dirty) await scoreNow(nextScoreAt);
    while (month < months) await closeMonth();

    const first = figures[0] as MonthFigures;
    const last = figures[months - 1] as MonthFigures;
    const wcuPerEvent = (f: MonthFigures) => perEach(f.ingestWcu, f.events - f.failed);
    const rcuPerEvent = (f: MonthFigures) => perEach(f.ingestRcu, f.events - f.failed);
    const end = yearly[yearly.length - 1] as (typeof yearly)[number];
    const outcomes = new Map<string, number>();
    for (const f of figures) for (const [k, v] of f.outcomes) count(outcomes, k, v);
    const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

    report("longlived.years", fixed(months / 12, 2), "years");
    report("longlived.events", deliveries.length, "webhook events");
    for (const [outcome, n] of [...outcomes].sort()) {
      report(`longlived.events_${outcome}`, n, "events");
    }
    report(
      "longlived.scores",
      figures.reduce((n, f) => n + f.scores, 0),
      "scoring runs",
    );
    report("longlived.largest_item_bytes", end.bytes, `bytes (${end.sk}; target <= 16384)`);
    report("longlived.items_in_partition", end.items, `items under ${accountPk(accountId)}`);
    report(
      "longlived.aws_wcu_per_event",
      fixed(wcuPerEvent(last)),
      "WCU, last month (target <= 8)",
    );
    report("longlived.aws_rcu_per_event", fixed(rcuPerEvent(last)), "RCU, last month");
    report(
      "longlived.aws_rcu_per_score",
      fixed(perEach(last.scoreRcu, last.scores)),
      "RCU, last month (target <= 8)",
    );
    report(
      "longlived.aws_wcu_per_score",
      fixed(perEach(last.scoreWcu, last.scores)),
      "WCU, last month",
    );
    report("longlived.month1.aws_wcu_per_event", fixed(wcuPerEvent(first)), "WCU");
    report("longlived.month1.aws_rcu_per_event", fixed(rcuPerEvent(first)), "RCU");
    report(
      "longlived.month1.aws_rcu_per_score",
      fixed(perEach(first.scoreRcu, first.scores)),
      "RCU",
    );
    report(
      "longlived.month1.aws_wcu_per_score",
      fixed(perEach(first.scoreWcu, first.scores)),
      "WCU",
    );
    report(
      "longlived.wcu_per_event_to_month1",
      fixed(wcuPerEvent(last) / wcuPerEvent(first)),
      "ratio (last month / first month)",
    );
    const [early, late] = [...timedMonths].map((m) => figures[m] as MonthFigures);
    report(
      "longlived.early.webhook_p50_ms",
      fixed(median(early?.latencies ?? []), 1),
      "ms (month 2)",
    );
    report(
      "longlived.webhook_p50_ms",
      fixed(median(late?.latencies ?? early?.latencies ?? []), 1),
      `ms (month ${([...timedMonths].at(-1) as number) + 1})`,
    );
    for (const y of yearly) {
      report(
        `longlived.year${y.year}.largest_item_bytes`,
        y.bytes,
        `bytes (${y.sk}, ${y.items} items)`,
      );
    }
    for (const [message, n] of errors) report("longlived.error", n, `times: ${message}`);
    report("longlived.seconds", fixed((performance.now() - started) / 1000, 0), "s");
  } finally {
    await local.stop();
  }
}

/** One delivery through the provider's adapter and the ingestion use case. */
async function ingest(
  store: DynamoEventStore,
  model: ReturnType<typeof compileModel>["model"],
  delivery: Delivery,
): Promise<IngestOutcome> {
  const raw = Buffer.from(JSON.stringify(delivery.body));
  const events = parseDelivery(delivery.provider, raw, model.mapping, delivery.headers);
  let outcome: IngestOutcome = "ignored";
  for (const event of events) {
    outcome = await ingestEvent(store, model, event, delivery.at + DELIVERY_DELAY_MS);
  }
  return outcome;
}

/** The account partition's item count and its largest item (read unmetered). */
async function partition(doc: ReturnType<typeof meteredClients>["doc"], table: string) {
  let items = 0;
  let bytes = 0;
  let sk = "";
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": accountPk(HEAVY.accountId) },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      items += 1;
      const size = itemBytes(item);
      if (size > bytes) [bytes, sk] = [size, String(item.sk)];
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return { items, bytes, sk };
}

function count(map: Map<string, number>, key: string, by = 1) {
  if (!map.has(key) && /^(ingest|score):/.test(key)) process.stderr.write(`longlived: ${key}\n`);
  map.set(key, (map.get(key) ?? 0) + by);
}
