/**
 * `npm run calibrate` end to end on the committed simulator dataset (seed 11): fitted on
 * two dates, reported on a later held-out one, the calibrated model is written, valid,
 * loadable by the backtest, and ranks churn on the held-out date no worse than the
 * unfitted model (less a small tolerance).
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { loadModel } from "../../../../lib/model-source.ts";
import {
  CalibrateError,
  type CalibrateResult,
  runCalibrate,
} from "../../../../lib/quality/calibrate/run.ts";
import { testModelInput } from "../../../support/test-model.ts";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const fixture = (name: string) => `${root}test/fixtures/quality/${name}`;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const TOLERANCE = 0.01;

describe("calibrate on the committed fixture", () => {
  let out: string;
  let result: CalibrateResult;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), "calibrate-"));
    out = join(dir, "calibrated.json");
    // Calibrated from the test model, not the default: the model file belongs to its owner.
    const modelFile = join(dir, "base.json");
    await writeFile(modelFile, JSON.stringify(testModelInput()));
    result = await runCalibrate({
      modelFile,
      eventsPath: fixture("events.jsonl.gz"),
      labelsPath: fixture("labels.csv"),
      at: [day("2026-03-06"), day("2026-04-05")],
      horizonDays: 60,
      tiers: false,
      outPath: out,
      folds: 3,
    });
  }, 120_000);

  it("reports on the last date with a full horizon, after the fit dates", () => {
    expect(new Date(result.holdout).toISOString().slice(0, 10)).toBe("2026-05-04");
    expect(result.lines).toContain("calibrate.holdout: 2026-05-04 (never fitted on)");
  });

  it("prints the held-out AUC of both models, the calibrated one no worse", () => {
    const before = result.before.auc as number;
    const after = result.after.auc as number;
    expect(result.lines).toContain(`calibrate.before.auc: ${before.toFixed(3)}`);
    expect(result.lines).toContain(`calibrate.after.auc: ${after.toFixed(3)}`);
    expect(result.before.observations).toBeGreaterThan(200);
    expect(after).toBeGreaterThanOrEqual(before - TOLERANCE);
  });

  it("writes a valid, versioned model the backtest can load, explaining each change", async () => {
    const text = await readFile(out, "utf8");
    const loaded = await loadModel(out, root);
    expect(loaded.model.version).toBe("test-model.1-calibrated.20260405");
    expect(loaded.model).toEqual(result.model);
    expect(text).toMatch(
      /\/\/ calibrated: 0\.35 → [\d.]+ \(the sum of its metrics' fitted shares\)\n\s+"weight"/,
    );
    const changedWeights = (text.match(/^\s+\/\/ calibrated: [\d.]+ → [\d.]+/gm) ?? []).length;
    expect(changedWeights).toBeGreaterThan(5);
    expect(Object.keys(loaded.model.components.engagement.impacts).length).toBeGreaterThan(3);
  });

  it("refuses a held-out date that is a fit date", async () => {
    await expect(
      runCalibrate({
        eventsPath: fixture("events.jsonl.gz"),
        labelsPath: fixture("labels.csv"),
        at: [day("2026-03-06"), day("2026-04-05")],
        holdout: day("2026-04-05"),
        horizonDays: 60,
        tiers: false,
        outPath: `${out}.never.json`,
      }),
    ).rejects.toThrow(CalibrateError);
  });
});
