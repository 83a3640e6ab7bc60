/**
 * Pure scoring benchmark: signals applied per second to in-memory aggregates, and scores
 * per second over 100k synthetic accounts, on one core.
 *
 * It measures the code as shipped. Lambda runs an esbuild bundle (minified, names not
 * kept, ESM for Node 20), not TypeScript transformed module by module under tsx, and the
 * same loop can run at quite different speeds in the two (1.5x apart on this code before
 * it was tuned). So `benchScoring` bundles `runScoringBench` with the Lambda build
 * options, runs it in a fresh plain `node` process and relays its `name: value unit`
 * lines.
 *
 * Figures on a shared machine drift with the load, so each run also times a fixed
 * yardstick over the same accounts (a JSON round trip of each aggregate), interleaved
 * with the scoring passes: `scoring.scores_per_baseline` can be compared between runs
 * and machines where the absolute figure cannot. Each figure is the median of ROUNDS
 * timed passes over all the accounts, after untimed passes to warm the JIT.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Aggregate, aggregateOf } from "../functions/domain/aggregate.ts";
import { defaultModel } from "../functions/domain/model.default.ts";
import { compileModel } from "../functions/domain/model.ts";
import { score } from "../functions/domain/score.ts";
import type { Signal, SignalValues } from "../functions/domain/signals.ts";
import { type Report, seededRandom } from "./report.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22, 12);

/** A plausible month of signals for one synthetic account. */
function syntheticSignals(account: number, random: () => number): Signal[] {
  const signals: Signal[] = [];
  const push = (values: SignalValues, daysAgo: number) =>
    signals.push({
      accountId: `acct-${account}`,
      source: "generic",
      sourceEventId: `e-${account}-${signals.length}`,
      occurredAt: NOW - Math.floor(daysAgo * DAY),
      values,
    });
  const activeDays = Math.floor(random() * 25);
  const silence = random() < 0.2 ? Math.floor(random() * 30) : 0;
  for (let d = 0; d < activeDays; d++) {
    push(
      { kind: "usage", event: "report_viewed", count: 1 + Math.floor(random() * 40) },
      silence + d,
    );
    if (random() < 0.3)
      push({ kind: "feature_used", feature: `f${Math.floor(random() * 8)}` }, silence + d);
  }
  push(
    {
      kind: "subscription",
      status: random() < 0.9 ? "active" : "past_due",
      mrr: Math.floor(random() * 800_000),
      currency: "usd",
      seats: 1 + Math.floor(random() * 50),
      plan: random() < 0.5 ? "pro" : "team",
    },
    100 * random(),
  );
  if (random() < 0.4) push({ kind: "nps", score: Math.floor(random() * 11) }, 60 * random());
  if (random() < 0.3) push({ kind: "csat", score: 1 + Math.floor(random() * 5) }, 60 * random());
  for (let t = 0; t < Math.floor(random() * 4); t++) {
    push(
      {
        kind: "ticket_opened",
        ticketId: `t${t}`,
        priority: random() < 0.2 ? "urgent" : "normal",
        text: "The export keeps failing, please help",
      },
      20 * random(),
    );
    if (random() < 0.6) push({ kind: "ticket_solved", ticketId: `t${t}` }, 5 * random());
  }
  if (random() < 0.15)
    push({ kind: "payment_failed", invoiceId: `in_${account}`, attempt: 1 }, 10 * random());
  if (random() < 0.5) push({ kind: "milestone", name: "integration_connected" }, 200 * random());
  return signals;
}

/** Timed passes of scoring and of the baseline, alternated; the median is reported. */
const ROUNDS = 5;

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/**
 * Folds each account's synthetic signals into `aggregates`, timing the folds only. The
 * signals (more memory than the aggregates) are garbage once this returns, so the timed
 * passes do not share the heap with them.
 */
function foldSignals(accounts: number, aggregates: Aggregate[]) {
  const random = seededRandom(42);
  const perAccount = Array.from({ length: accounts }, (_, i) => syntheticSignals(i, random));
  let applied = 0;
  const start = performance.now();
  for (let i = 0; i < accounts; i++) {
    const signals = perAccount[i] as Signal[];
    aggregates[i] = aggregateOf(`acct-${i}`, signals);
    applied += signals.length;
  }
  return { applied, applySeconds: (performance.now() - start) / 1000 };
}

/** The measurement itself; `benchScoring` runs it from the Lambda-style bundle. */
export function runScoringBench(report: Report, accounts = 100_000): void {
  const compiled = compileModel(defaultModel);
  const aggregates: Aggregate[] = new Array(accounts);
  const { applied, applySeconds } = foldSignals(accounts, aggregates);

  let checksum = 0;
  const scorePass = () => {
    let sum = 0;
    for (let i = 0; i < accounts; i++) {
      sum += score(aggregates[i] as Aggregate, compiled, null, NOW).score ?? 0;
    }
    checksum = sum;
  };
  // Same accounts, a fixed amount of generic work (walking objects, building and parsing
  // strings; sets serialise as {}): a yardstick of how fast the machine is right now, not
  // a model of scoring.
  let sink = 0;
  const baselinePass = () => {
    for (let i = 0; i < accounts; i++) {
      sink += Object.keys(JSON.parse(JSON.stringify(aggregates[i]))).length;
    }
  };
  // No forced collection between passes: tried, a forced full GC left the next pass up to
  // a third slower (V8 resizes its heap after it), which a warm process does not see.
  const rate = (pass: () => void) => {
    const start = performance.now();
    pass();
    return accounts / ((performance.now() - start) / 1000);
  };

  // Two untimed passes of each first: after one, the first timed pass still ran ~10% slower
  // than the next ones (the JIT was still settling), and a warm Lambda runs at steady state.
  for (let warmup = 0; warmup < 2; warmup++) {
    scorePass();
    baselinePass();
  }
  const scoreRates: number[] = [];
  const baselineRates: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const scores = rate(scorePass);
    const baseline = rate(baselinePass);
    scoreRates.push(scores);
    baselineRates.push(baseline);
    // Each round's ratio compares passes run back to back, under the same load.
    ratios.push(scores / baseline);
  }
  if (sink === 0) throw new Error("baseline did no work");

  report("scoring.accounts", accounts, "accounts");
  report("scoring.signals_applied_per_second", Math.round(applied / applySeconds), "signals/s");
  report("scoring.scores_per_second", Math.round(median(scoreRates)), "scores/s");
  report(
    "scoring.baseline_json_roundtrips_per_second",
    Math.round(median(baselineRates)),
    "roundtrips/s",
  );
  report("scoring.scores_per_baseline", Math.round(median(ratios) * 100) / 100, "ratio");
  report("scoring.mean_score", Math.round((checksum / accounts) * 10) / 10, "points");
}

/** Options of the Lambda bundle (CDK NodejsFunction with esbuild): keep them in step. */
const LAMBDA_BUILD = {
  bundle: true,
  platform: "node",
  format: "esm",
  minify: true,
  target: "node20",
} as const;

/**
 * Bundles `runScoringBench` like a Lambda function and runs it in a fresh `node`, with
 * `nodeArgs` (e.g. `--cpu-prof`) before the script.
 */
export async function benchScoring(
  report: Report,
  { accounts = 100_000, nodeArgs = [] }: { accounts?: number; nodeArgs?: readonly string[] } = {},
): Promise<void> {
  // Loaded here, not at the top: this module is itself bundled, and the bundle must not
  // pull in (or try to resolve) the bundler.
  const { build } = await import("esbuild");
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), "customer-health-bench-"));
  try {
    const outfile = join(dir, "scoring.mjs");
    await build({
      ...LAMBDA_BUILD,
      stdin: {
        contents: [
          `import { printReport } from "./report.ts";`,
          `import { runScoringBench } from "./scoring.ts";`,
          `runScoringBench(printReport, ${Number(accounts)});`,
        ].join("\n"),
        resolveDir: here,
        sourcefile: "scoring-entry.ts",
        loader: "ts",
      },
      outfile,
      external: ["esbuild"],
      logLevel: "warning",
      // sentiment's optional `require("../languages/" + code)` matches no file; English is
      // built in, and the warning says nothing about the scoring code.
      logOverride: { "empty-glob": "silent" },
    });
    const output = await runNode([...nodeArgs, outfile]);
    for (const line of output.split("\n")) {
      const m = /^([\w.]+): (\S+) (.+)$/.exec(line);
      if (!m) continue;
      const value = Number(m[2]);
      report(m[1] as string, Number.isNaN(value) ? (m[2] as string) : value, m[3] as string);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs a plain `node` (no tsx loader), returning its stdout. */
function runNode(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`scoring bench exited with ${signal ?? code}`));
    });
  });
}
