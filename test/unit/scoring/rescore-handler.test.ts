import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const loadHandler = () => import("../../../functions/scoring/rescore-handler.ts");

describe("rescore handler configuration", () => {
  beforeEach(() => {
    vi.resetModules();
    vi.stubEnv("TABLE_NAME", "health-test");
    vi.stubEnv("EVENT_BUS_NAME", "health-bus");
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("loads with a whole number of minutes", async () => {
    vi.stubEnv("RESCORE_INTERVAL_MINUTES", "60");

    await expect(loadHandler()).resolves.toHaveProperty("handler");
  });

  it.each([
    "soon",
    "0",
    "1.5",
    "-5",
    "1441",
    " ",
  ])("fails at load naming RESCORE_INTERVAL_MINUTES when it is %j", async (value) => {
    vi.stubEnv("RESCORE_INTERVAL_MINUTES", value);

    await expect(loadHandler()).rejects.toThrow(/RESCORE_INTERVAL_MINUTES/);
  });

  it("fails at load naming RESCORE_INTERVAL_MINUTES when it is missing", async () => {
    vi.stubEnv("RESCORE_INTERVAL_MINUTES", undefined);

    await expect(loadHandler()).rejects.toThrow(/RESCORE_INTERVAL_MINUTES/);
  });
});
