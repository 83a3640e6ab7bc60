import { describe, expect, it } from "vitest";
import {
  FunctionTimeoutError,
  invokeFunction,
  lambdaContext,
  timeoutOf,
} from "../../../lib/local/lambda.ts";
import { FUNCTIONS } from "../../../lib/topology.ts";

describe("local Lambda invocation", () => {
  it("takes every function's timeout and memory from the topology", () => {
    for (const def of Object.values(FUNCTIONS)) {
      const context = lambdaContext(def.id);
      expect(timeoutOf(def.id)).toBe(def.timeoutSeconds * 1000);
      expect(context.memoryLimitInMB).toBe(String(def.memoryMb));
      expect(context.getRemainingTimeInMillis()).toBeGreaterThan(def.timeoutSeconds * 1000 - 100);
      expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(def.timeoutSeconds * 1000);
    }
  });

  it("fails an invocation that runs past its timeout, as Lambda does", async () => {
    const never = () => new Promise<never>(() => {});

    const error = await invokeFunction("slack", never, {}, 50).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FunctionTimeoutError);
    expect((error as Error).message).toMatch(/slack: task timed out after 0.05 seconds/);
  });

  it("returns the handler's result and passes a context with the time left", async () => {
    const result = await invokeFunction(
      "api",
      async (event: { n: number }, context) => ({
        n: event.n + 1,
        left: context.getRemainingTimeInMillis(),
      }),
      { n: 1 },
    );
    expect(result.n).toBe(2);
    expect(result.left).toBeGreaterThan(FUNCTIONS.api.timeoutSeconds * 1000 - 1000);
  });
});
