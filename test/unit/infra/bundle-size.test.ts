/**
 * What each Lambda bundle carries from zod: `zod/mini` tree-shakes to ~30 KB, while the
 * classic API, or `import { z } from "zod/mini"` (a namespace object esbuild cannot shake),
 * drags in all of zod and its locales (~420 KB per function, paid on every cold start).
 */
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { FUNCTIONS, type FunctionId } from "../../../lib/topology.ts";

const FUNCTION_IDS = Object.keys(FUNCTIONS) as FunctionId[];
const ZOD_BUDGET_BYTES = 60 * 1024;

async function zodBytesIn(entry: string): Promise<number> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    logLevel: "silent",
  });
  let bytes = 0;
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (input.includes("node_modules/zod/")) bytes += bytesInOutput;
    }
  }
  return bytes;
}

describe("Lambda bundles", () => {
  it.each(FUNCTION_IDS)("%s carries zod/mini only, tree-shaken", async (id) => {
    expect(await zodBytesIn(FUNCTIONS[id].entry)).toBeLessThan(ZOD_BUDGET_BYTES);
  }, 60_000);
});
