/**
 * A replay's checkpoint as a local file: a header line naming the table, then one line
 * per finished account (JSON strings), appended as each finishes, so a killed run loses at
 * most the accounts in flight. `--resume` reads it; a run that finishes without failures
 * removes it.
 */
import { appendFile, readFile, rm, writeFile } from "node:fs/promises";
import type { Checkpoint } from "../../functions/replay/ports.ts";

export const CHECKPOINT_FILE = ".replay-checkpoint.jsonl";

/** The checkpoint names another table, or cannot be read. */
export class CheckpointError extends Error {
  override readonly name = "CheckpointError";
}

export class FileCheckpoint implements Checkpoint {
  private started = false;
  private resumed: ReadonlySet<string> = new Set();

  private constructor(
    private readonly path: string,
    private readonly tableName: string,
  ) {}

  /** A fresh checkpoint for `tableName`, or (`resume`) the one an earlier run left. */
  static async open(path: string, tableName: string, resume: boolean): Promise<FileCheckpoint> {
    const checkpoint = new FileCheckpoint(path, tableName);
    if (resume) checkpoint.resumed = await checkpoint.read();
    return checkpoint;
  }

  private async read(): Promise<ReadonlySet<string>> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch {
      throw new CheckpointError(`--resume: no checkpoint ${this.path} here; run without --resume`);
    }
    const [header, ...lines] = text.split("\n").filter((line) => line.trim() !== "");
    let table: unknown;
    try {
      table = (JSON.parse(header ?? "") as { table?: unknown }).table;
    } catch {
      throw new CheckpointError(`${this.path} is not a replay checkpoint`);
    }
    if (table !== this.tableName) {
      throw new CheckpointError(
        `${this.path} is a checkpoint of table ${String(table)}, not ${this.tableName}; run without --resume to start over`,
      );
    }
    const done = new Set<string>();
    for (const line of lines) {
      try {
        done.add(JSON.parse(line) as string);
      } catch {
        // A line cut by a kill: that account is simply rebuilt again.
      }
    }
    return done;
  }

  /** Accounts `--resume` skips. */
  get resumedCount(): number {
    return this.resumed.size;
  }

  async finished(): Promise<ReadonlySet<string>> {
    return this.resumed;
  }

  async markFinished(accountId: string): Promise<void> {
    if (!this.started) {
      this.started = true;
      if (this.resumed.size === 0) {
        await writeFile(this.path, `${JSON.stringify({ table: this.tableName })}\n`);
      }
    }
    await appendFile(this.path, `${JSON.stringify(accountId)}\n`);
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
