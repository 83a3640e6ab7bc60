/**
 * Reads the scoring model chosen for a deployment (context `modelFile`), validates it with
 * the same `compileModel` the functions use, and turns it into the esbuild `define` that
 * inlines it into every bundle as HEALTH_MODEL_JSON (read by functions/domain/active-model.ts).
 * A model that does not validate fails the synth, so it can never reach Lambda.
 */
import { readFile } from "node:fs/promises";
import { extname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type CompiledModel, compileModel } from "../functions/domain/model.ts";

/** The model module's export names tried in order (`defaultModel` is model.default.ts's). */
const MODULE_EXPORTS = ["defaultModel", "model", "default"] as const;

/** The model file could not be read, or does not hold a model. */
export class ModelFileError extends Error {
  override readonly name = "ModelFileError";
}

/**
 * JSON with `//` line comments to JSON: drops every `//` to the end of its line outside a
 * string (a `//` inside a string, e.g. a URL, stays).
 */
export function stripLineComments(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (inString) {
      out += ch;
      if (ch === "\\") {
        out += text[i + 1] ?? "";
        i++;
      } else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      continue;
    }
    if (ch === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
      continue;
    }
    out += ch;
  }
  return out;
}

async function readModelInput(path: string): Promise<unknown> {
  const extension = extname(path);
  if (extension === ".json") {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new ModelFileError(`cannot read model file ${path}: ${(error as Error).message}`);
    }
    try {
      // JSONC: a calibrated model explains each changed weight in a `//` comment.
      return JSON.parse(stripLineComments(text));
    } catch (error) {
      throw new ModelFileError(`model file ${path} is not JSON: ${(error as Error).message}`);
    }
  }
  if (![".ts", ".mts", ".js", ".mjs"].includes(extension)) {
    throw new ModelFileError(`model file ${path} must be .json, .ts or .js`);
  }
  // A TypeScript model needs a TS-aware loader: tsx (cdk.json's app) and vitest both are.
  const module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const name = MODULE_EXPORTS.find((n) => module[n] !== undefined);
  if (name === undefined) {
    throw new ModelFileError(
      `model module ${path} must export the model as ${MODULE_EXPORTS.join(", ")}`,
    );
  }
  return module[name];
}

/** Loads and validates the model at `file` (relative to `root` unless absolute). */
export async function loadModel(file: string, root: string): Promise<CompiledModel> {
  const path = isAbsolute(file) ? file : resolve(root, file);
  return compileModel(await readModelInput(path));
}

/**
 * The esbuild `define` inlining `model` as HEALTH_MODEL_JSON: the value is a JS expression,
 * hence a JSON string literal of the model's JSON text.
 */
export function modelDefine(model: CompiledModel): Record<string, string> {
  return { "process.env.HEALTH_MODEL_JSON": JSON.stringify(JSON.stringify(model.model)) };
}
