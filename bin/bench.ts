/**
 * `npm run bench`: prints every benchmark figure as `name: value unit`.
 * `npm run bench -- scoring` runs one section.
 */
import { benchIngestion } from "../bench/ingestion.ts";
import { printReport } from "../bench/report.ts";
import { benchScoring } from "../bench/scoring.ts";

const sections: Record<string, () => Promise<void> | void> = {
  scoring: () => benchScoring(printReport),
  ingestion: () => benchIngestion(printReport),
};

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(sections)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await run();
}
