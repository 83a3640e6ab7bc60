/**
 * `npm run bench`: prints every benchmark figure as `name: value unit`.
 * Sections: scoring (pure, bundled), ingestion, rescore (48 hourly runs over 2,000 customers
 * by default: BENCH_RESCORE_CUSTOMERS to change), local (the whole local stack over HTTP), bundles,
 * dashboard (the page in Chromium, 10k customers: BENCH_DASHBOARD_CUSTOMERS to change),
 * longlived (one heavy customer over 5 years, billed as AWS would: BENCH_LONGLIVED_YEARS),
 * import (a year of history of 5 customers imported, billed as AWS would:
 * BENCH_IMPORT_CUSTOMERS).
 * `npm run bench -- scoring` runs one section. Arguments starting with `--` go to the
 * `node` that runs the bundled scoring benchmark, e.g.
 * `npm run bench -- scoring --cpu-prof --cpu-prof-dir=/tmp/prof`.
 */
import { benchBundles } from "../bench/bundles.ts";
import { benchDashboard } from "../bench/dashboard.ts";
import { benchImport } from "../bench/import.ts";
import { benchIngestion } from "../bench/ingestion.ts";
import { benchLocalStack } from "../bench/local-stack.ts";
import { benchLonglived } from "../bench/longlived.ts";
import { printReport } from "../bench/report.ts";
import { benchRescore } from "../bench/rescore.ts";
import { benchScoring } from "../bench/scoring.ts";

const args = process.argv.slice(2);
const wanted = args.filter((arg) => !arg.startsWith("--"));
const nodeArgs = args.filter((arg) => arg.startsWith("--"));

const sections: Record<string, () => Promise<void> | void> = {
  scoring: () => benchScoring(printReport, { nodeArgs }),
  ingestion: () => benchIngestion(printReport),
  rescore: () => benchRescore(printReport),
  local: () => benchLocalStack(printReport),
  bundles: () => benchBundles(printReport),
  dashboard: () => benchDashboard(printReport),
  longlived: () => benchLonglived(printReport),
  import: () => benchImport(printReport),
};

for (const [name, run] of Object.entries(sections)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await run();
}
