/**
 * `npm run demo` end to end, as a user runs it: it starts its own stack (nothing answers on
 * the port given), sends the 90 days, and checks that every story ended where it says
 * (bin/demo/customers.ts STORY_ENDS) with the default model: the model's common-sense check
 * on a whole customer base, not only on single cases.
 */
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { CUSTOMERS } from "../../bin/demo/customers.ts";
import { runCli } from "../support/cli.ts";

/** A port nothing listens on: the demo finds no stack there and starts its own. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("npm run demo", () => {
  it("ends every story where it says, and keeps steady customers healthy", async () => {
    const { code, stdout, stderr } = await runCli("demo", [], {
      env: { PORT: String(await freePort()), DEMO_URL: "" },
    });
    const verdicts = stdout.split("\n").filter((line) => /[✓✗] /.test(line));
    expect(stdout, stderr).toContain("Every customer ended where its story says");
    // One verdict per story customer (10 in the demo), all of them kept.
    expect(verdicts.filter((line) => line.includes("✓ as its story says"))).toHaveLength(10);
    expect(verdicts.filter((line) => line.includes("✗"))).toEqual([]);
    expect(stdout).not.toContain("Stack problems");
    // Daily history rebuilt from the event log: a point for every day of the 90-day window
    // (GET /customers/{id}) for each customer older than it; newer ones since signing up.
    const history =
      /at least (\d+) daily points for each of the (\d+) customers older than the window/.exec(
        stdout,
      );
    expect(history, stdout).not.toBeNull();
    expect(Number(history?.[1])).toBeGreaterThanOrEqual(90);
    expect(Number(history?.[2])).toBe(CUSTOMERS.filter((c) => c.signupDaysAgo >= 90).length);
    expect(code).toBe(0);
  }, 300_000);
});
