/**
 * `npm start` checks its port before anything slow starts, so a taken port is one clear
 * line at once instead of a raw EADDRINUSE stack after DynamoDB Local has booted.
 */
import { createServer } from "node:net";

/** The port the local stack was asked for is taken by another process. */
export class PortInUseError extends Error {
  override readonly name = "PortInUseError";
  constructor(
    readonly port: number,
    readonly host: string,
  ) {
    super(
      `Port ${port} on ${host} is already in use (another \`npm start\`?). Pick another one: PORT=${port + 1} npm start`,
    );
  }
}

/** Resolves when `port` on `host` can be listened on; rejects with PortInUseError if taken. */
export function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      reject(error.code === "EADDRINUSE" ? new PortInUseError(port, host) : error);
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** The port from the PORT variable, or `fallback`; throws a clear error for anything else. */
export function portFromEnv(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`PORT must be a port number (0-65535), got "${value}"`);
  }
  return port;
}
