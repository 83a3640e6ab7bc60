/**
 * What the quality command lines (backtest, calibrate) share: one way to stop with a
 * usage error, and one way to read a date option.
 */

/** A CLI's `fail`: the message on stderr after the command's name, exit code 2. */
export function failer(command: string) {
  return (message: string): never => {
    process.stderr.write(`${command}: ${message}\n`);
    process.exit(2);
  };
}

/** An option's date: `YYYY-MM-DD` (midnight UTC) or any ISO 8601 time. */
export function dateOption(fail: (message: string) => never, option: string, value: string) {
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(t)) fail(`${option} "${value}" is not a date (YYYY-MM-DD or ISO 8601)`);
  return t;
}
