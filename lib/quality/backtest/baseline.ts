/**
 * The committed quality baseline: the first model's AUC on a fixed dataset. The quality
 * gate test fails when the model's AUC falls more than `tolerance` below it; a model change
 * that moves it rewrites the file on purpose (`--write-baseline`), in the same pull request.
 */
import type { BacktestResult } from "./run.ts";

export interface Baseline {
  readonly note: string;
  readonly events: string;
  readonly labels: string;
  readonly at: readonly string[];
  readonly horizonDays: number;
  readonly modelVersion: string;
  readonly observations: number;
  readonly auc: number;
  readonly prAuc: number;
  readonly tolerance: number;
}

export const DEFAULT_TOLERANCE = 0.02;

const rounded = (x: number) => Math.round(x * 10_000) / 10_000;

/** The baseline of `result`'s first model, for the given inputs. */
export function baselineOf(
  result: BacktestResult,
  inputs: { events: string; labels: string; at: readonly string[]; horizonDays: number },
): Baseline {
  const run = result.runs[0];
  if (run === undefined) throw new Error("no model was run");
  const figure = (name: string) => run.figures.find((f) => f.name === name)?.value ?? Number.NaN;
  return {
    note: "Written by `npm run backtest -- … --write-baseline`; see docs/quality.md",
    ...inputs,
    modelVersion: run.model.modelVersion,
    observations: run.observations.length,
    auc: rounded(figure("backtest.auc")),
    prAuc: rounded(figure("backtest.pr_auc")),
    tolerance: DEFAULT_TOLERANCE,
  };
}
