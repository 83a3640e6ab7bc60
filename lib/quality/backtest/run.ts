/**
 * The backtest use case: load events and labels, replay them through the real domain code
 * with each model, and compute the figures. No printing, no files written: the CLI
 * (bin/backtest.ts) and the quality gate test both call this.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { type CompiledModel, compileModel, defaultModel, loadModel } from "../domain.ts";
import { evaluate, type Figure, formatFigures } from "./evaluate.ts";
import { type LoadedEvents, loadEvents, parseArchetypes, parseLabels } from "./load.ts";
import { type ModelRun, replay } from "./replay.ts";

export interface BacktestInput {
  readonly eventsPath: string;
  readonly labelsPath: string;
  /** Observation instants, epoch ms. */
  readonly at: readonly number[];
  readonly horizonDays: number;
  /** Model files (.json, .ts, .js); none: the default model. */
  readonly modelFiles: readonly string[];
  /** Optional `account_id,archetype` CSV for per-archetype lead times. */
  readonly archetypesPath?: string;
}

export interface NamedRun extends ModelRun {
  readonly label: string;
  readonly figures: Figure[];
}

export interface BacktestResult {
  readonly runs: NamedRun[];
  readonly loaded: LoadedEvents;
  readonly seconds: number;
  readonly cpuSeconds: number;
  /** Every printed line, model columns side by side. */
  readonly lines: string[];
}

async function modelsOf(
  files: readonly string[],
): Promise<{ label: string; model: CompiledModel }[]> {
  if (files.length === 0) return [{ label: "default", model: compileModel(defaultModel) }];
  return Promise.all(
    files.map(async (file) => ({
      label: file === "default" ? "default" : basename(file),
      model: file === "default" ? compileModel(defaultModel) : await loadModel(file, process.cwd()),
    })),
  );
}

/** Runs the backtest; throws LabelsError, ModelFileError or InvalidModelError on bad input. */
export async function runBacktest(input: BacktestInput): Promise<BacktestResult> {
  const models = await modelsOf(input.modelFiles);
  const labels = parseLabels(await readFile(input.labelsPath, "utf8"));
  const archetypes = input.archetypesPath
    ? parseArchetypes(await readFile(input.archetypesPath, "utf8"))
    : undefined;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const loaded = await loadEvents(input.eventsPath, (models[0] as { model: CompiledModel }).model);
  const runs = replay(loaded.events, {
    models: models.map((m) => m.model),
    at: input.at,
    horizonDays: input.horizonDays,
    labels,
  });
  const named: NamedRun[] = runs.map((run, i) => ({
    ...run,
    label: models[i]?.label ?? `model ${i + 1}`,
    figures: evaluate(run, archetypes),
  }));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const header = [
    `backtest.models: ${named.map((r) => `${r.label} (${r.model.modelVersion})`).join(" | ")}`,
    `backtest.at: ${input.at.map((t) => new Date(t).toISOString().slice(0, 10)).join(", ")} (horizon ${input.horizonDays} days)`,
  ];
  const speed = [
    `backtest.events: ${loaded.lines} lines (${loaded.events.length} applied, ${loaded.ignored} ignored, ${loaded.duplicates} duplicate, ${loaded.malformed} malformed)`,
    `backtest.scores: ${named.reduce((sum, r) => sum + r.scores, 0)} scores`,
    `backtest.seconds: ${seconds.toFixed(2)} s`,
    `backtest.events_per_second: ${Math.round(loaded.lines / seconds)} events/s`,
    `backtest.events_per_cpu_second: ${Math.round(loaded.lines / cpuSeconds)} events/s (process CPU time; the wall figure depends on machine load)`,
  ];
  return {
    runs: named,
    loaded,
    seconds,
    cpuSeconds,
    lines: [...header, ...formatFigures(named.map((r) => r.figures)), ...speed],
  };
}
