/**
 * Each function's bundle as it ships (esbuild, minified, ESM, AWS SDK bundled, the model
 * inlined: the options of lib/constructs/health-function.ts) and its module load time in a
 * fresh Node process, the cold-start cost Lambda pays before the first event. A trivial
 * bundle loaded the same way is the baseline, so figures read as ratios on a noisy machine.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { defaultModel } from "../functions/domain/model.default.ts";
import { compileModel } from "../functions/domain/model.ts";
import { modelDefine } from "../lib/model-source.ts";
import { FUNCTIONS } from "../lib/topology.ts";
import type { Report } from "./report.ts";

const ROOT = resolve(import.meta.dirname, "..");
const LOADS = 7;
/** Settings every handler reads at load, with harmless values. */
const HANDLER_ENV = {
  TABLE_NAME: "bench",
  EVENT_BUS_NAME: "bench",
  RESCORE_INTERVAL_MINUTES: "60",
  AWS_REGION: "eu-west-1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  POWERTOOLS_LOG_LEVEL: "SILENT",
};

async function bundle(entry: string, outfile: string, nodePaths?: string) {
  await build({
    entryPoints: [entry],
    ...(nodePaths ? { nodePaths: [join(nodePaths, "node_modules")] } : {}),
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    mainFields: ["module", "main"],
    minify: true,
    banner: {
      js: "import { createRequire as __healthCreateRequire } from 'node:module'; const require = __healthCreateRequire(import.meta.url);",
    },
    define: modelDefine(compileModel(defaultModel)),
    logLevel: "silent",
  });
  return statSync(outfile).size;
}

/** Median milliseconds to import `file` in a fresh Node process. */
function loadMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const times = Array.from({ length: LOADS }, () =>
    Number(
      execFileSync(process.execPath, ["--input-type=module", "-e", script], {
        env: { ...process.env, ...HANDLER_ENV },
        encoding: "utf8",
      }),
    ),
  ).sort((a, b) => a - b);
  return times[Math.floor(LOADS / 2)] as number;
}

export async function benchBundles(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "health-bundles-"));
  try {
    const trivial = join(dir, "trivial.mjs");
    writeFileSync(trivial, "export const ready = true;\n");
    const baseline = loadMs(trivial);
    report("bundle.baseline_load_ms", baseline.toFixed(1), "ms (trivial module)");
    // The reference stack every handler needs (document client, logger, middy, zod/mini),
    // bundled and loaded the same way: the floor a handler's own code adds to.
    const referenceEntry = join(dir, "reference.ts");
    writeFileSync(
      referenceEntry,
      [
        'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";',
        'import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";',
        'import { Logger } from "@aws-lambda-powertools/logger";',
        'import middy from "@middy/core";',
        'import * as z from "zod/mini";',
        "export const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));",
        "export const logger = new Logger();",
        "export const schema = z.object({ a: z.string() });",
        "export const handler = middy().handler(async () => schema.parse({ a: 'x' }));",
      ].join("\n"),
    );
    const reference = join(dir, "reference.mjs");
    const referenceBytes = await bundle(referenceEntry, reference, ROOT);
    const referenceMs = loadMs(reference);
    report(
      "bundle.reference.size_kb",
      (referenceBytes / 1024).toFixed(0),
      "KB (document client, logger, middy, zod/mini)",
    );
    report("bundle.reference.load_ms", referenceMs.toFixed(1), "ms");
    for (const fn of Object.values(FUNCTIONS)) {
      const outfile = join(dir, `${fn.id}.mjs`);
      const bytes = await bundle(resolve(ROOT, fn.entry), outfile);
      const ms = loadMs(outfile);
      report(`bundle.${fn.id}.size_kb`, (bytes / 1024).toFixed(0), "KB");
      report(`bundle.${fn.id}.load_ms`, ms.toFixed(1), "ms");
      report(`bundle.${fn.id}.load_vs_reference`, (ms / referenceMs).toFixed(2), "x");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
