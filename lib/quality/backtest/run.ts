/**
 * The backtest use case: load events and labels, replay them through the real domain code
 * with each model, and compute the figures. No printing, no files written: the CLI
 * (bin/backtest.ts) and the quality gate test both call this. With `workers` > 1 the
 * accounts are split into disjoint shards replayed in worker threads (accounts never
 * interact, so the figures are the same as in one thread).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { build } from "esbuild";
import {
  type CompiledModel,
  compileModel,
  defaultModel,
  loadModel,
  type Model,
} from "../domain.ts";
import { ceilingAuc, parseTruth } from "./ceiling.ts";
import { evaluate, type Figure, formatFigures, formatValue } from "./evaluate.ts";
import { loadEvents, parseArchetypes, parseLabels, type Shard } from "./load.ts";
import { type ModelRun, replay } from "./replay.ts";

export interface BacktestInput {
  readonly eventsPath: string;
  readonly labelsPath: string;
  /** Observation instants, epoch ms. */
  readonly at: readonly number[];
  readonly horizonDays: number;
  /** Model files (.json, .ts, .js; `default`); none: the default model. */
  readonly modelFiles: readonly string[];
  /** Optional `account_id,archetype` CSV for per-archetype lead times. */
  readonly archetypesPath?: string;
  /** Worker threads to replay in (default 1: this thread). */
  readonly workers?: number;
}

export interface LoadSummary {
  readonly lines: number;
  readonly applied: number;
  readonly malformed: number;
  readonly ignored: number;
  readonly duplicates: number;
  readonly problems: readonly string[];
}

type RunData = Omit<ModelRun, "model">;

/** What one shard sends back: plain data, cheap to pass between threads. */
export interface ShardResult {
  readonly loaded: LoadSummary;
  readonly runs: RunData[];
}

export interface NamedRun extends ModelRun {
  readonly label: string;
  readonly figures: Figure[];
}

export interface BacktestResult {
  readonly runs: NamedRun[];
  readonly loaded: LoadSummary;
  readonly seconds: number;
  /** Every printed line, model columns side by side. */
  readonly lines: string[];
}

async function modelsOf(files: readonly string[]) {
  if (files.length === 0) return [{ label: "default", model: compileModel(defaultModel) }];
  return Promise.all(
    files.map(async (file) => ({
      label: file === "default" ? "default" : basename(file),
      model: file === "default" ? compileModel(defaultModel) : await loadModel(file, process.cwd()),
    })),
  );
}

/**
 * Loads and replays the accounts of one shard with `models` (plain, validated models: a
 * worker thread gets them from its parent, which read the model files).
 */
export async function runShard(
  input: BacktestInput,
  shard: Shard,
  plainModels: readonly Model[],
): Promise<ShardResult> {
  const models = plainModels.map((model) => compileModel(model));
  const labels = parseLabels(await readFile(input.labelsPath, "utf8"));
  const { events, ...counts } = await loadEvents(
    input.eventsPath,
    models[0] as CompiledModel,
    shard,
  );
  const runs = replay(events, { models, at: input.at, horizonDays: input.horizonDays, labels });
  return {
    loaded: { ...counts, applied: events.length },
    runs: runs.map(({ model: _model, ...data }) => data),
  };
}

/**
 * The worker entry bundled into one JavaScript file (esbuild, a few hundred ms): a thread
 * then starts in well under a second, where one running the TypeScript sources through
 * tsx's loader took seconds. Returns the file and a function that removes it.
 */
async function bundleWorker(): Promise<{ file: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "backtest-worker-"));
  const file = join(dir, "worker.mjs");
  await build({
    entryPoints: [fileURLToPath(new URL("./worker.ts", import.meta.url))],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "error",
    // Bundled CommonJS packages (sentiment) call require for Node's own modules.
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
    },
  });
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

function runInWorker(
  file: string,
  input: BacktestInput,
  shard: Shard,
  models: readonly Model[],
): Promise<ShardResult> {
  const worker = new Worker(file, { workerData: { input, shard, models } });
  return new Promise((resolve, reject) => {
    worker.once("message", (result: ShardResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once("error", reject);
  });
}

const lineNumber = (problem: string) => Number(/^line (\d+)/.exec(problem)?.[1] ?? 0);

function merge(shards: readonly ShardResult[]): ShardResult {
  const sum = (f: (s: ShardResult) => number) => shards.reduce((total, s) => total + f(s), 0);
  const loaded: LoadSummary = {
    lines: Math.max(...shards.map((s) => s.loaded.lines)),
    applied: sum((s) => s.loaded.applied),
    malformed: sum((s) => s.loaded.malformed),
    ignored: sum((s) => s.loaded.ignored),
    duplicates: sum((s) => s.loaded.duplicates),
    problems: shards
      .flatMap((s) => s.loaded.problems)
      .sort((a, b) => lineNumber(a) - lineNumber(b))
      .slice(0, 5),
  };
  const runs = (shards[0]?.runs ?? []).map((_, m) => {
    const parts = shards.map((s) => s.runs[m] as RunData);
    return {
      observations: parts
        .flatMap((p) => p.observations)
        .sort((a, b) => a.at - b.at || (a.accountId < b.accountId ? -1 : 1)),
      tierFlips: parts.reduce((t, p) => t + p.tierFlips, 0),
      accountDays: parts.reduce((t, p) => t + p.accountDays, 0),
      leads: parts.flatMap((p) => p.leads).sort((a, b) => (a.accountId < b.accountId ? -1 : 1)),
      scores: parts.reduce((t, p) => t + p.scores, 0),
    };
  });
  return { loaded, runs };
}

/** Runs the backtest; throws LabelsError, ModelFileError or InvalidModelError on bad input. */
export async function runBacktest(input: BacktestInput): Promise<BacktestResult> {
  const models = await modelsOf(input.modelFiles);
  const accountsText = input.archetypesPath
    ? await readFile(input.archetypesPath, "utf8")
    : undefined;
  const archetypes = accountsText === undefined ? undefined : parseArchetypes(accountsText);
  const truth = accountsText === undefined ? null : parseTruth(accountsText);
  const workers = Math.max(1, Math.floor(input.workers ?? 1));
  const started = performance.now();
  const cpuStarted = process.cpuUsage(); // the whole process: worker threads included
  const plain = models.map((m) => m.model.model);
  let shards: ShardResult[];
  if (workers === 1) {
    shards = [await runShard(input, { index: 0, count: 1 }, plain)];
  } else {
    const bundle = await bundleWorker();
    try {
      shards = await Promise.all(
        Array.from({ length: workers }, (_, index) =>
          runInWorker(bundle.file, input, { index, count: workers }, plain),
        ),
      );
    } finally {
      await bundle.remove();
    }
  }
  // One thread's result goes through `merge` too: the same order, the same float sums.
  const { loaded, runs } = merge(shards);
  const named: NamedRun[] = runs.map((run, i) => ({
    ...run,
    model: (models[i] as { model: CompiledModel }).model,
    label: models[i]?.label ?? `model ${i + 1}`,
    figures: evaluate({ ...run, model: (models[i] as { model: CompiledModel }).model }, archetypes),
  }));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const header = [
    `backtest.models: ${named.map((r) => `${r.label} (${r.model.modelVersion})`).join(" | ")}`,
    `backtest.at: ${input.at.map((t) => new Date(t).toISOString().slice(0, 10)).join(", ")} (horizon ${input.horizonDays} days)`,
  ];
  const speed = [
    `backtest.events: ${loaded.lines} lines (${loaded.applied} applied, ${loaded.ignored} ignored, ${loaded.duplicates} duplicate, ${loaded.malformed} malformed)`,
    `backtest.scores: ${named.reduce((sum, r) => sum + r.scores, 0)} scores`,
    `backtest.workers: ${workers} threads`,
    `backtest.seconds: ${seconds.toFixed(2)} s`,
    `backtest.events_per_second: ${Math.round(loaded.lines / seconds)} events/s`,
    `backtest.events_per_cpu_second: ${Math.round(loaded.lines / cpuSeconds)} events/s (per second of the process's CPU time: steadier than wall time on a loaded machine)`,
  ];
  // Every model sees the same population: the ceiling is the data's, not a model's.
  const population = named[0]?.observations ?? [];
  const ceilingLines = truth
    ? [
        `backtest.ceiling_auc.seen_at_onset: ${formatValue(ceilingAuc(population, truth, 0))} (an estimate of the best ranking from what each date shows, trouble spotted once its first day is over: docs/quality.md)`,
        `backtest.ceiling_auc.seen_after_7_days: ${formatValue(ceilingAuc(population, truth, 7))} (the same, trouble spotted a week in)`,
      ]
    : [];
  return {
    runs: named,
    loaded,
    seconds,
    lines: [...header, ...formatFigures(named.map((r) => r.figures)), ...ceilingLines, ...speed],
  };
}
