/**
 * Where the demo sends its webhooks: `--url URL` (or `--url=URL`), else DEMO_URL, else
 * the port `npm start` uses (`PORT`, default 3000) on 127.0.0.1.
 */

export interface DemoUrl {
  readonly url: string;
  /** Given with --url: the demo must not quietly fall back to a stack of its own. */
  readonly explicit: boolean;
}

/** A bad --url, DEMO_URL or PORT: one clear line for the user. */
export class DemoUrlError extends Error {
  override readonly name = "DemoUrlError";
}

/** Resolves the stack URL from the command line and the environment. */
export function demoUrl(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): DemoUrl {
  const flag = argv.findIndex((a) => a === "--url" || a.startsWith("--url="));
  let fromFlag: string | undefined;
  if (flag >= 0) {
    const arg = argv[flag] as string;
    fromFlag = arg.startsWith("--url=") ? arg.slice("--url=".length) : argv[flag + 1];
    if (!fromFlag) throw new DemoUrlError("--url needs a URL, e.g. --url http://127.0.0.1:3001");
  }
  const port = env.PORT?.trim() || "3000";
  const raw = fromFlag ?? (env.DEMO_URL?.trim() || `http://127.0.0.1:${port}`);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new DemoUrlError(
      `${fromFlag ? "--url" : env.DEMO_URL ? "DEMO_URL" : "PORT"} gives no usable URL: "${raw}"`,
    );
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new DemoUrlError(`the stack URL must be http(s), got "${raw}"`);
  }
  return { url: raw.replace(/\/+$/, ""), explicit: fromFlag !== undefined };
}
