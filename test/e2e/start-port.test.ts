/**
 * `npm start` on a port another process holds: one line naming the port and how to pick
 * another, exit code 1, at once (before DynamoDB Local starts), never an EADDRINUSE stack.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { PortInUseError } from "../../lib/local/port.ts";
import { startLocalStack } from "../../lib/local/runtime.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const blockers: Server[] = [];
afterEach(async () => {
  for (const server of blockers.splice(0)) await new Promise((r) => server.close(r));
});

/** Holds a port on 127.0.0.1, as another `npm start` would. */
async function takenPort(): Promise<number> {
  const server = createServer();
  blockers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
}

function runStart(env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>(
    (resolve) => {
      const started = Date.now();
      const child = spawn(process.execPath, ["--import", "tsx", "bin/local.ts"], {
        cwd: root,
        env: { ...process.env, ...env },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c) => {
        stdout += c;
      });
      child.stderr.on("data", (c) => {
        stderr += c;
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      });
    },
  );
}

describe("npm start on a taken port", () => {
  it("prints one line naming the port and how to pick another, and exits 1", async () => {
    // Arrange
    const port = await takenPort();
    // Act
    const result = await runStart({ PORT: String(port) });
    // Assert
    expect(result.code).toBe(1);
    const lines = result.stderr.split("\n").filter((l) => l.trim() !== "");
    expect(lines).toEqual([
      `Port ${port} on 127.0.0.1 is already in use (another \`npm start\`?). Pick another one: PORT=${port + 1} npm start`,
    ]);
    expect(result.stderr).not.toMatch(/EADDRINUSE|\n\s+at /);
    expect(result.stdout).not.toMatch(/running locally/);
    // Before anything slow is loaded or started (it took ~19 s to fail before).
    expect(result.ms).toBeLessThan(10_000);
  });

  it("fails before starting DynamoDB Local", async () => {
    const port = await takenPort();
    const started = Date.now();

    const error = await startLocalStack({ port, log: () => {} }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as PortInUseError).port).toBe(port);
    // DynamoDB Local alone takes seconds to start.
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("says which PORT value is not a port", async () => {
    const result = await runStart({ PORT: "http" });

    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('PORT must be a port number (0-65535), got "http"');
  });
});
