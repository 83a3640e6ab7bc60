/**
 * What the command lines (backtest, calibrate, replay, import, preview) share: one way to stop with
 * a usage error, one way to report a failure, and one way to read a date option.
 */

/**
 * A CLI's `fail` for a usage error: the message on stderr after the command's name (then the
 * usage line, when given), exit code 2.
 */
export function failer(command: string, usage?: string) {
  return (message: string): never => {
    process.stderr.write(`${command}: ${message}\n${usage ? `${usage}\n` : ""}`);
    process.exit(2);
  };
}

/** The error's words, with its name unless it is a plain Error. */
export const errorText = (error: unknown) => {
  const e = error as Error;
  return e.name === "Error" || !e.name ? e.message : `${e.name}: ${e.message}`;
};

/** Runs a CLI's `main`; a failure is one line on stderr after the command's name, exit 1. */
export function runCli(command: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${command}: ${errorText(error)}\n`);
    process.exit(1);
  });
}

/** An option's date: `YYYY-MM-DD` (midnight UTC) or any ISO 8601 time. */
export function dateOption(fail: (message: string) => never, option: string, value: string) {
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(t)) fail(`${option} "${value}" is not a date (YYYY-MM-DD or ISO 8601)`);
  return t;
}
