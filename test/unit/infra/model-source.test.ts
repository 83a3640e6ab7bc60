import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultModel } from "../../../functions/domain/model.default.ts";
import { compileModel, InvalidModelError } from "../../../functions/domain/model.ts";
import { PROJECT_ROOT } from "../../../lib/app.ts";
import { loadModel, ModelFileError, modelDefine } from "../../../lib/model-source.ts";

let dir: string | undefined;
const tempFile = (name: string, content: string) => {
  dir ??= mkdtempSync(join(tmpdir(), "customer-health-model-"));
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("loadModel", () => {
  it("loads the default TypeScript model by its repository-relative path", async () => {
    const model = await loadModel("functions/domain/model.default.ts", PROJECT_ROOT);
    expect(model.modelVersion).toBe(compileModel(defaultModel).modelVersion);
  });

  it("loads a JSON model file", async () => {
    const path = tempFile("model.json", JSON.stringify({ ...defaultModel, version: "json-1" }));
    const model = await loadModel(path, PROJECT_ROOT);
    expect(model.model.version).toBe("json-1");
  });

  it("fails on a model that does not validate, naming the problem", async () => {
    const path = tempFile("bad.json", JSON.stringify({ ...defaultModel, minCoverage: 2 }));
    await expect(loadModel(path, PROJECT_ROOT)).rejects.toThrow(InvalidModelError);
    await expect(loadModel(path, PROJECT_ROOT)).rejects.toThrow(/minCoverage/);
  });

  it("fails on a missing file, bad JSON or an unknown extension", async () => {
    await expect(loadModel("nope/model.json", PROJECT_ROOT)).rejects.toThrow(ModelFileError);
    await expect(loadModel(tempFile("x.json", "{"), PROJECT_ROOT)).rejects.toThrow(/not JSON/);
    await expect(loadModel(tempFile("x.yaml", "a: 1"), PROJECT_ROOT)).rejects.toThrow(
      /must be .json, .ts or .js/,
    );
  });
});

describe("modelDefine", () => {
  it("inlines a JS string literal that the functions compile to the same model version", () => {
    const model = compileModel(defaultModel);
    const define = modelDefine(model);
    const inlined = JSON.parse(define["process.env.HEALTH_MODEL_JSON"] as string) as string;
    expect(compileModel(JSON.parse(inlined)).modelVersion).toBe(model.modelVersion);
  });
});
