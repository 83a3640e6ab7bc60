/**
 * The quality gate: the default model, backtested on the committed simulator dataset, must
 * not lose more than the baseline's tolerance of AUC. A model change that moves the AUC
 * rewrites test/fixtures/quality/baseline.json on purpose (docs/quality.md says how).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { Baseline } from "../../../lib/quality/backtest/baseline.ts";
import { type BacktestResult, runBacktest } from "../../../lib/quality/backtest/run.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const baseline = JSON.parse(
  readFileSync(`${root}test/fixtures/quality/baseline.json`, "utf8"),
) as Baseline;

describe("backtest quality gate", () => {
  let result: BacktestResult;
  beforeAll(async () => {
    result = await runBacktest({
      eventsPath: `${root}${baseline.events}`,
      labelsPath: `${root}${baseline.labels}`,
      at: baseline.at.map((d) => Date.parse(`${d}T00:00:00Z`)),
      horizonDays: baseline.horizonDays,
      modelFiles: [],
    });
  }, 180_000);

  it("reads every line of the dataset through the generic mapping", () => {
    expect(result.loaded.malformed).toBe(0);
    expect(result.loaded.problems).toEqual([]);
    expect(result.runs[0]?.observations).toHaveLength(baseline.observations);
  });

  it("keeps the default model's AUC within the tolerance of the baseline", () => {
    const auc = result.runs[0]?.figures.find((f) => f.name === "backtest.auc")?.value;
    const floor = baseline.auc - baseline.tolerance;
    expect(
      auc,
      `AUC ${auc} is below the baseline ${baseline.auc} − ${baseline.tolerance} (model ${result.runs[0]?.model.modelVersion}, baseline ${baseline.modelVersion}). If the drop is intended, rewrite the baseline as docs/quality.md says.`,
    ).toBeGreaterThanOrEqual(floor);
  });
});
