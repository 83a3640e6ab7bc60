/**
 * `npm run bench -- import`: what `npm run import` costs in AWS write units, billed as AWS
 * would (bench/aws-billing.ts), for a year of history of a few steady customers. Baseline,
 * measured in the same run: the same lines ingested as webhooks are (record and aggregate
 * update per line, as the import did before it wrote records only), then the same rebuild.
 */

import { DynamoEventStore } from "../functions/adapters/dynamo/event-store.ts";
import { defaultModel } from "../functions/domain/model.default.ts";
import { compileModel } from "../functions/domain/model.ts";
import { importLines } from "../functions/replay/import.ts";
import { startDynamoDbLocal } from "../lib/local/dynamodb-local.ts";
import { createTables } from "../lib/local/tables.ts";
import { rebuildInTable } from "../lib/replay/run.ts";
import { steadyCustomerLines } from "../test/support/event-lines.ts";
import { ingestLinesAsWebhooks } from "../test/support/ingest-lines.ts";
import type { BillingTotals } from "./aws-billing.ts";
import { meteredClients } from "./dynamo.ts";
import type { Report } from "./report.ts";

const CUSTOMERS = Number(process.env.BENCH_IMPORT_CUSTOMERS ?? 5);
const DAYS = 365;

const writeUnits = (t: BillingTotals) => t.wcu + t.gsiWcu;
const round = (n: number) => Math.round(n * 100) / 100;

export async function benchImport(report: Report): Promise<void> {
  const local = await startDynamoDbLocal();
  try {
    const { client, doc, meter } = meteredClients(local.endpoint);
    const compiled = compileModel(defaultModel);
    const now = Date.now();
    const ids = Array.from({ length: CUSTOMERS }, (_, i) => `steady-${i}`);
    const lines = ids.flatMap((id) => steadyCustomerLines(id, now, DAYS));
    report("import.lines", lines.length, "lines");
    report("import.customers", CUSTOMERS, "customers");

    const ways = {
      // Before: every line wrote its record and its aggregate update (a transaction).
      per_line_aggregate: (store: DynamoEventStore) =>
        ingestLinesAsWebhooks(store, compiled.model, lines, now),
      // Now: every line writes its record; the rebuild writes each aggregate once.
      record_only: async (store: DynamoEventStore) => {
        const imported = await importLines({ store, model: compiled.model }, lines, now);
        if (imported.failed > 0) throw new Error(`import failed on ${imported.failed} lines`);
      },
    };
    const totals: Record<string, number> = {};
    for (const [way, ingest] of Object.entries(ways)) {
      const { tableName } = await createTables(client, `bench-import-${way}`);
      meter.reset();
      await ingest(new DynamoEventStore(doc, { tableName }));
      const ingested = writeUnits(meter.snapshot());
      meter.reset();
      const rebuilt = await rebuildInTable({ db: doc, tableName, model: compiled }, ids, { now });
      if (rebuilt.failed.size > 0) throw new Error(`rebuild failed for ${rebuilt.failed.size}`);
      const rebuild = writeUnits(meter.snapshot());
      totals[way] = ingested + rebuild;
      report(`import.${way}.ingest_wcu_per_line`, round(ingested / lines.length), "WCU");
      report(`import.${way}.rebuild_wcu_per_customer`, round(rebuild / CUSTOMERS), "WCU");
      report(`import.${way}.wcu_per_customer`, round(totals[way] / CUSTOMERS), "WCU");
    }
    report(
      "import.record_only.wcu_vs_per_line_aggregate",
      round((totals.record_only as number) / (totals.per_line_aggregate as number)),
      "x",
    );
  } finally {
    await local.stop();
  }
}
