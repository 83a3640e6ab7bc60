/** Runs one of the repository's command-line tools (bin/*.ts) as `npm run` would, and collects its output. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** tsx's loader by path: `--import tsx` would resolve it from the working directory. */
const TSX_LOADER = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `bin/{name}.ts` with `args` in `cwd` (default: the repository). */
export function runCli(
  name: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", TSX_LOADER, `${REPO_ROOT}/bin/${name}.ts`, ...args],
      {
        cwd: options.cwd ?? REPO_ROOT,
        env: {
          ...process.env,
          POWERTOOLS_LOG_LEVEL: "SILENT",
          POWERTOOLS_METRICS_DISABLED: "true",
          ...options.env,
        },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The value of a `name: value` line of a tool's output, as a number. */
export function figure(stdout: string, name: string): number {
  const line = stdout.split("\n").find((l) => l.startsWith(`${name}: `));
  if (line === undefined) throw new Error(`no "${name}:" line in:\n${stdout}`);
  return Number.parseFloat(line.slice(name.length + 2));
}
