/**
 * `npm run bench`: prints every benchmark figure as `name: value unit`.
 * `npm run bench -- scoring` runs one section. Arguments starting with `--` go to the
 * `node` that runs the bundled scoring benchmark, e.g.
 * `npm run bench -- scoring --cpu-prof --cpu-prof-dir=/tmp/prof`.
 */
import { benchIngestion } from "../bench/ingestion.ts";
import { printReport } from "../bench/report.ts";
import { benchScoring } from "../bench/scoring.ts";

const args = process.argv.slice(2);
const wanted = args.filter((arg) => !arg.startsWith("--"));
const nodeArgs = args.filter((arg) => arg.startsWith("--"));

const sections: Record<string, () => Promise<void> | void> = {
  scoring: () => benchScoring(printReport, { nodeArgs }),
  ingestion: () => benchIngestion(printReport),
};

for (const [name, run] of Object.entries(sections)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await run();
}
