/**
 * `npm run bench -- rescore`: what the scheduled rescore costs in AWS, per 10k customers and
 * month at an hourly interval, measured on DynamoDB Local with AWS's billing rules
 * (bench/rescore-meter.ts). N generated customers (BENCH_RESCORE_CUSTOMERS, default 2,000)
 * are ingested through the real ingestion store and scored once, as the stream would; then
 * 48 hourly runs of the due-only rescore (two day starts, no new events) are metered, and,
 * in the same run, a few hourly runs of the way before it (every customer listed by a Scan,
 * scored and rewritten every hour) as the baseline. Both include what the scores written
 * cost the dashboard: its stream consumer runs as deployed, on its own metered client.
 */
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { DynamoProjectionStore } from "../functions/adapters/dynamo/dashboard-projection.ts";
import { handleDashboardStream } from "../functions/adapters/dynamo/dashboard-stream.ts";
import { DynamoDueScores } from "../functions/adapters/dynamo/due-scores.ts";
import { DynamoEventStore } from "../functions/adapters/dynamo/event-store.ts";
import {
  AGGREGATE_SK,
  accountPk,
  DUE_INDEX,
  SCORE_SK,
  TIER_INDEX,
} from "../functions/adapters/dynamo/keys.ts";
import { DynamoScoreStore } from "../functions/adapters/dynamo/score-store.ts";
import { handleScoreStream } from "../functions/adapters/dynamo/stream-records.ts";
import { defaultModel } from "../functions/domain/model.default.ts";
import { compileModel } from "../functions/domain/model.ts";
import type { SignalValues } from "../functions/domain/signals.ts";
import { type RescoreDeps, type RescoreResult, rescoreDue } from "../functions/scoring/rescore.ts";
import { scoreAccounts } from "../functions/scoring/score-accounts.ts";
import { type EventRecord, updateFor } from "../functions/webhook/ingest.ts";
import { startDynamoDbLocal } from "../lib/local/dynamodb-local.ts";
import { type StreamPoller, startStreamPoller } from "../lib/local/stream-poller.ts";
import { createTables } from "../lib/local/tables.ts";
import { DASHBOARD_STREAM, FUNCTIONS, HEALTH_TABLE } from "../lib/topology.ts";
import { itemBytes, localClients } from "./dynamo.ts";
import { type Report, seededRandom } from "./report.ts";
import { emptyUnits, indexUnits, meter, type Units } from "./rescore-meter.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** us-east-1 on-demand list prices (the README's cost section). */
const USD_PER_WRITE_UNIT = 0.625 / 1e6;
const USD_PER_READ_UNIT = 0.125 / 1e6;
/**
 * Lambda arm64 per GB-second, and the rescore function's memory (lib/topology.ts); the
 * dashboard stream function's share of the CPU time is billed at it too (it has less).
 */
const USD_PER_GB_SECOND = 0.0000133334;
const RESCORE_MEMORY_GB = FUNCTIONS.rescore.memoryMb / 1024;
const RUNS_PER_MONTH = 730;
const DUE_RUNS = 48;
const BASELINE_RUNS = 3;
const CONCURRENCY = 16;

/**
 * One customer's history up to `t0`, as webhook events: most use the product daily; some
 * stopped a week or more ago and fade; some have a subscription and nothing else; some have
 * failed payments. Each event is one day's signals.
 */
function customerEvents(i: number, t0: number, random: () => number): EventRecord[] {
  const accountId = `c${i}`;
  const kind = random();
  const days = new Map<number, SignalValues[]>();
  const on = (daysAgo: number, values: SignalValues) =>
    days.set(daysAgo, [...(days.get(daysAgo) ?? []), values]);
  on(90, {
    kind: "subscription",
    status: "active",
    mrr: 10_000 + Math.floor(random() * 90_000),
    seats: 5 + (i % 40),
  });
  if (kind >= 0.1) {
    // Fading customers (a fifth) last used the product 5 to 20 days ago.
    const lastUse = kind < 0.3 ? 5 + Math.floor(random() * 15) : 0;
    for (let d = lastUse; d < lastUse + 20; d++) {
      if (random() < 0.85) {
        on(d, { kind: "usage", event: "view", count: 1 + Math.floor(random() * 30) });
      }
    }
    if (random() < 0.5)
      on(Math.floor(30 * random()), { kind: "nps", score: Math.floor(random() * 11) });
    if (kind > 0.9) on(1 + Math.floor(random() * 5), { kind: "payment_failed", attempt: 1 });
  }
  return [...days].map(([daysAgo, signals], n) => ({
    source: "generic",
    eventId: `${accountId}-${n}`,
    type: "bench",
    occurredAt: t0 - daysAgo * DAY - Math.floor(random() * 8 * HOUR),
    receivedAt: t0,
    accountId,
    refs: [],
    signals,
    status: "applied",
  }));
}

async function pool<T>(items: readonly T[], worker: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await worker(items[next++] as T);
    }),
  );
}

/**
 * CPU seconds of this process since `start`: Lambda's billed time, were the function's
 * DynamoDB waits overlapped (8 customers in flight per shard). Wall time on a shared
 * DynamoDB Local says more about the machine than about AWS; this includes the meter's reads.
 */
function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

const usd = (u: Units, exceptIndexes: readonly string[] = []) =>
  (u.table + indexUnits(u, exceptIndexes)) * USD_PER_WRITE_UNIT + u.reads * USD_PER_READ_UNIT;

function add(into: Units, from: Units) {
  into.table += from.table;
  into.reads += from.reads;
  for (const [k, v] of from.indexes) into.indexes.set(k, (into.indexes.get(k) ?? 0) + v);
  for (const [k, v] of from.requests) into.requests.set(k, (into.requests.get(k) ?? 0) + v);
  for (const [k, v] of from.bySk) {
    const sum = into.bySk.get(k) ?? { writes: 0, units: 0 };
    into.bySk.set(k, { writes: sum.writes + v.writes, units: sum.units + v.units });
  }
}

export async function benchRescore(report: Report): Promise<void> {
  const customers = Number(process.env.BENCH_RESCORE_CUSTOMERS ?? 2_000);
  const per10k = 10_000 / customers;
  const local = await startDynamoDbLocal();
  let dashboard: StreamPoller | undefined;
  try {
    // Two clients: a document client shares its client's middleware stack, so the meter's
    // own reads of the images around each write must go through another client.
    const { client, doc } = localClients(local.endpoint);
    const { doc: raw } = localClients(local.endpoint);
    const tally = meter(doc, raw, HEALTH_TABLE);
    const { tableName, streamArn } = await createTables(client, "bench-rescore");
    const compiled = compileModel(defaultModel);
    const deps: RescoreDeps = {
      store: new DynamoScoreStore(doc, { tableName }),
      due: new DynamoDueScores(doc, { tableName }),
      publisher: { publish: async () => {} },
      model: compiled,
      concurrency: 8,
    };
    // The first run is at 00:30 UTC: 48 hourly runs hold two day starts, as any 48 hours do.
    const t0 = Math.floor(Date.now() / DAY) * DAY - HOUR / 2;
    /** The simulated time of the run being metered. */
    let clock = t0;
    const random = seededRandom(7);
    const ids = Array.from({ length: customers }, (_, i) => `c${i}`);

    // The dashboard's stream consumer, as deployed, on its own metered client: each score
    // written (or due time moved) reaches it, and its rows and summary are part of the bill.
    const projection = localClients(local.endpoint);
    const projectionTally = meter(projection.doc, raw, HEALTH_TABLE);
    let projectionFailures = 0;
    const poller = startStreamPoller({
      ...DASHBOARD_STREAM,
      streamsClient: new DynamoDBStreamsClient({
        endpoint: local.endpoint,
        region: "local",
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      }),
      streamArn,
      startingPosition: "TRIM_HORIZON",
      pollIntervalMs: 50,
      handler: (event) =>
        handleDashboardStream(
          {
            // On the simulated clock, as the scores it projects (its day items are by day).
            store: new DynamoProjectionStore(projection.doc, { tableName, now: () => clock }),
            live: null,
          },
          event.Records,
          () => {},
        ),
      onFailure: (records) => {
        projectionFailures += records.length;
      },
    });
    dashboard = poller;
    /** Both bills of one run: the rescore's, and the dashboard's once it has seen every write. */
    const metered = async (run: () => Promise<void>) => {
      tally.current = emptyUnits();
      projectionTally.current = emptyUnits();
      const cpu = process.cpuUsage();
      await run();
      await poller.drain(60_000);
      return {
        cpuSeconds: cpuSecondsSince(cpu),
        rescore: tally.current,
        dashboard: projectionTally.current,
      };
    };

    // Seed through the ingestion store (unmetered), then score everyone as the stream would.
    const seedStart = performance.now();
    const ingest = new DynamoEventStore(raw, { tableName });
    const events = ids.flatMap((_, i) => customerEvents(i, t0, random));
    await pool(events, async (record) => {
      await ingest.recordApplied(
        record,
        updateFor(record, record.accountId as string, compiled.model),
      );
    });
    for (let i = 0; i < ids.length; i += 99) {
      await scoreAccounts(
        { ...deps, store: new DynamoScoreStore(raw, { tableName }) },
        ids.slice(i, i + 99),
        t0,
      );
    }
    // Every score is of the active model and was swept at t0: the day's first run (00:30)
    // sweeps for the scores due at the day start, as every day.
    await deps.due.markSwept({ modelVersion: compiled.modelVersion, at: t0 });
    await poller.drain(120_000);
    const seedSeconds = (performance.now() - seedStart) / 1000;

    // The due-only rescore: 48 hourly runs, metered.
    const due = emptyUnits();
    const dueDashboard = emptyUnits();
    const totals = { due: 0, scored: 0, written: 0, kept: 0, failed: 0, published: 0 };
    let cpuSeconds = 0;
    let busiest = { due: 0, seconds: 1 };
    for (let run = 1; run <= DUE_RUNS; run++) {
      const started = performance.now();
      let result: RescoreResult | undefined;
      const bill = await metered(async () => {
        clock = t0 + run * HOUR;
        result = await rescoreDue(deps, {}, clock);
      });
      const took = (performance.now() - started) / 1000;
      if (!result) throw new Error("the rescore returned nothing");
      cpuSeconds += bill.cpuSeconds;
      if (result.due > busiest.due) busiest = { due: result.due, seconds: took };
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += result[key];
      add(due, bill.rescore);
      add(dueDashboard, bill.dashboard);
    }
    const scoreItem = (
      await raw.send(
        new GetCommand({ TableName: tableName, Key: { pk: accountPk("c0"), sk: SCORE_SK } }),
      )
    ).Item;

    // The baseline: every customer listed (a Scan of the tier index), scored and rewritten
    // with its history point in one transaction (billed twice), as before.
    const baseline = emptyUnits();
    const baselineDashboard = emptyUnits();
    tally.singleWriteFactor = 2;
    let baselineCpuSeconds = 0;
    const afterDue = t0 + DUE_RUNS * HOUR;
    for (let run = 1; run <= BASELINE_RUNS; run++) {
      const bill = await metered(async () => {
        const listed: string[] = [];
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await doc.send(
            new ScanCommand({
              TableName: tableName,
              IndexName: TIER_INDEX,
              ExclusiveStartKey: startKey,
            }),
          );
          listed.push(
            ...(page.Items ?? []).map((item) => String(item.pk).slice("ACCOUNT#".length)),
          );
          startKey = page.LastEvaluatedKey;
        } while (startKey);
        for (let i = 0; i < listed.length; i += 99) {
          clock = afterDue + run * HOUR;
          await scoreAccounts(deps, listed.slice(i, i + 99), clock);
        }
      });
      baselineCpuSeconds += bill.cpuSeconds;
      add(baseline, bill.rescore);
      add(baselineDashboard, bill.dashboard);
    }

    tally.singleWriteFactor = 1;

    // Per 10k customers and month: the due runs stand for 48 of the month's 730 hours.
    const dueScale = (RUNS_PER_MONTH / DUE_RUNS) * per10k;
    const baseScale = (RUNS_PER_MONTH / BASELINE_RUNS) * per10k;
    const lambda = (s: number, scale: number) => s * scale * RESCORE_MEMORY_GB * USD_PER_GB_SECOND;
    const dueUsd = (usd(due) + usd(dueDashboard)) * dueScale + lambda(cpuSeconds, dueScale);
    // The byDue index did not exist before: its writes are not the baseline's.
    const baselineUsd =
      (usd(baseline, [DUE_INDEX]) + usd(baselineDashboard)) * baseScale +
      lambda(baselineCpuSeconds, baseScale);
    const perCustomerDay = (n: number) => (n / customers / (DUE_RUNS / 24)).toFixed(2);

    report("rescore.customers", customers, "customers");
    report("rescore.seed_seconds", seedSeconds.toFixed(1), "s");
    report("rescore.failed", totals.failed, "customers");
    report(
      "rescore.customers_per_second",
      Math.round(busiest.due / busiest.seconds),
      "customers/s",
    );
    report("rescore.looks_per_customer_day", perCustomerDay(totals.due), "rescores");
    report("rescore.score_writes_per_customer_day", perCustomerDay(totals.written), "writes");
    report("rescore.kept_per_customer_day", perCustomerDay(totals.kept), "scores");
    report(
      "rescore.query_requests_per_run",
      ((due.requests.get("QueryCommand") ?? 0) / DUE_RUNS).toFixed(1),
      "requests",
    );
    report(
      "rescore.batch_get_requests_per_look",
      ((due.requests.get("BatchGetItemCommand") ?? 0) / Math.max(1, totals.due)).toFixed(3),
      "requests",
    );
    report("rescore.score_item_bytes", itemBytes(scoreItem), "bytes");
    report("rescore.aws_wru_per_customer_day", perCustomerDay(due.table + indexUnits(due)), "WRU");
    report("rescore.aws_wru_table_per_customer_day", perCustomerDay(due.table), "WRU");
    for (const [kind, { units }] of due.bySk) {
      report(`rescore.aws_wru_${kind}_items_per_customer_day`, perCustomerDay(units), "WRU");
    }
    for (const [index, units] of due.indexes) {
      report(`rescore.aws_wru_${index}_per_customer_day`, perCustomerDay(units), "WRU");
    }
    report("rescore.aws_rru_per_customer_day", perCustomerDay(due.reads), "RRU");
    report(
      "rescore.dashboard_aws_wru_per_customer_day",
      perCustomerDay(dueDashboard.table + indexUnits(dueDashboard)),
      "WRU",
    );
    report("rescore.dashboard_aws_rru_per_customer_day", perCustomerDay(dueDashboard.reads), "RRU");
    report("rescore.dashboard_failed_records", projectionFailures, "records");
    report(
      "rescore.dashboard_aws_usd_per_10k_customers_month",
      (usd(dueDashboard) * dueScale).toFixed(2),
      "USD",
    );
    report(
      "rescore.lambda_cpu_seconds_per_10k_customers_month",
      (cpuSeconds * dueScale).toFixed(0),
      "s",
    );
    report("rescore.aws_usd_per_10k_customers_month", dueUsd.toFixed(2), "USD");
    report("rescore.baseline_aws_usd_per_10k_customers_month", baselineUsd.toFixed(2), "USD");
    report("rescore.baseline_to_due_cost_ratio", (baselineUsd / dueUsd).toFixed(1), "ratio");

    // One stream batch of 100 records over 10 customers: each customer's score written once.
    const streamCustomers = 10;
    const records: DynamoDBRecord[] = Array.from({ length: 100 }, (_, n) => ({
      eventID: String(n),
      eventName: "MODIFY",
      dynamodb: {
        Keys: { pk: { S: accountPk(`c${n % streamCustomers}`) }, sk: { S: AGGREGATE_SK } },
        SequenceNumber: String(1000 + n),
      },
    }));
    tally.current = emptyUnits();
    await handleScoreStream(deps, { Records: records }, afterDue + 4 * HOUR);
    report(
      "scoring.score_writes_per_customer_per_batch",
      ((tally.current.bySk.get(SCORE_SK)?.writes ?? 0) / streamCustomers).toFixed(2),
      "writes",
    );
  } finally {
    await dashboard?.stop();
    await local.stop();
  }
}
