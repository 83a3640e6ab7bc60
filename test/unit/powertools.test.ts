import type { Context } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";

const context = {
  functionName: "test",
  awsRequestId: "req-1",
  getRemainingTimeInMillis: () => 1_000,
} as unknown as Context;

/** The shared wrapper, loaded with metrics on (tests keep them off by default). */
async function loadWithMetrics() {
  vi.resetModules();
  vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
  return import("../../functions/adapters/powertools.ts");
}

/** What the process prints on stdout (where EMF goes), and on stderr as `stderr:` lines. */
function captureOutput(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(`stderr: ${String(chunk)}`);
    return true;
  });
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe("lambdaHandler metrics", () => {
  it("prints nothing for an invocation that counted nothing (no warning per invocation)", async () => {
    const { lambdaHandler } = await loadWithMetrics();
    const lines = captureOutput();
    await expect(lambdaHandler(async () => "done")({}, context)).resolves.toBe("done");
    expect(lines.join("")).toBe("");
  });

  it("flushes the counts an invocation added as EMF, with their dimensions", async () => {
    const { lambdaHandler, countMetric } = await loadWithMetrics();
    const lines = captureOutput();
    await lambdaHandler(async () => {
      countMetric("ScoresWritten", 3);
      countMetric("WebhookUnmatched", 1, { provider: "zendesk" });
    })({}, context);
    const emf = lines.map((line) => JSON.parse(line));
    expect(emf).toContainEqual(expect.objectContaining({ ScoresWritten: 3 }));
    expect(emf).toContainEqual(
      expect.objectContaining({ WebhookUnmatched: 1, provider: "zendesk" }),
    );
    expect(emf.every((line) => line._aws.CloudWatchMetrics[0].Namespace === "CustomerHealth")).toBe(
      true,
    );
  });
});
