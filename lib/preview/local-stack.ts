/**
 * How tools on this machine find a running `npm start` stack's storage: `npm start` writes
 * a small file naming its DynamoDB Local endpoint and table, keyed by its HTTP port, and
 * removes it when it stops. `npm run preview -- --url http://127.0.0.1:3000` reads it.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface LocalStackInfo {
  readonly baseUrl: string;
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly pid: number;
}

export const localStackInfoPath = (port: string | number) =>
  join(tmpdir(), `customer-health-local-${port}.json`);

export async function writeLocalStackInfo(info: LocalStackInfo): Promise<string> {
  const path = localStackInfoPath(new URL(info.baseUrl).port || "80");
  await writeFile(path, `${JSON.stringify(info, null, 2)}\n`);
  return path;
}

export async function removeLocalStackInfo(baseUrl: string): Promise<void> {
  await rm(localStackInfoPath(new URL(baseUrl).port || "80"), { force: true });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** The stack serving `baseUrl`, or null when no live `npm start` wrote its file. */
export async function readLocalStackInfo(baseUrl: string): Promise<LocalStackInfo | null> {
  let info: LocalStackInfo;
  try {
    info = JSON.parse(
      await readFile(localStackInfoPath(new URL(baseUrl).port || "80"), "utf8"),
    ) as LocalStackInfo;
  } catch {
    return null;
  }
  return alive(info.pid) ? info : null;
}
