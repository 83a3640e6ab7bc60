/**
 * What `npm run replay`, `npm run import` and the demo share: the replay use case wired to
 * a table (DynamoDB adapters), a checkpoint and a progress bar, and the model to score with.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoEventLog } from "../../functions/adapters/dynamo/event-log.ts";
import { DynamoRebuildTarget } from "../../functions/adapters/dynamo/rebuild-target.ts";
import { MemoryCheckpoint } from "../../functions/adapters/memory/replay-store.ts";
import type { CompiledModel } from "../../functions/domain/model.ts";
import type { Checkpoint } from "../../functions/replay/ports.ts";
import { type ReplayReport, replayAccounts } from "../../functions/replay/replay.ts";
import { loadModel } from "../model-source.ts";
import { progressBar } from "./progress.ts";

export interface TableRun {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly model: CompiledModel;
}

export interface RebuildOptions {
  /** @default a checkpoint in memory (nothing to resume) */
  readonly checkpoint?: Checkpoint;
  readonly expected?: ReadonlyMap<string, ReadonlySet<string>>;
  readonly concurrency?: number;
  /** Wait before checking the log again after a rebuild (the index's lag in AWS). @default 0 */
  readonly recheckAfterMs?: number;
  /** Label of the progress bar on stderr; none when omitted. */
  readonly progress?: string;
  readonly now?: number;
}

/**
 * How long a global secondary index may lag its table: in AWS, reads of the event log wait
 * this long before checking that a rebuild missed no webhook (DynamoDB Local's indexes are
 * updated with the table).
 */
export const indexLagMs = (endpoint: string | undefined) => (endpoint === undefined ? 1_000 : 0);

/** Every account the table lists for `--all` (see DynamoEventLog.accounts). */
export async function allAccounts(run: TableRun): Promise<string[]> {
  const ids = new Set<string>();
  for await (const page of new DynamoEventLog(run.db, { tableName: run.tableName }).accounts()) {
    for (const id of page) ids.add(id);
  }
  return [...ids];
}

/** Rebuilds `accountIds` in the table from its event log. */
export async function rebuildInTable(
  run: TableRun,
  accountIds: readonly string[],
  options: RebuildOptions = {},
): Promise<ReplayReport> {
  const bar = options.progress ? progressBar(options.progress) : null;
  try {
    return await replayAccounts(
      {
        log: new DynamoEventLog(run.db, { tableName: run.tableName }),
        target: new DynamoRebuildTarget(run.db, { tableName: run.tableName }),
        model: run.model,
      },
      accountIds,
      options.now ?? Date.now(),
      {
        checkpoint: options.checkpoint ?? new MemoryCheckpoint(),
        ...(options.expected ? { expected: options.expected } : {}),
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
        ...(options.recheckAfterMs ? { recheckAfterMs: options.recheckAfterMs } : {}),
        ...(bar ? { onProgress: bar.update } : {}),
      },
    );
  } finally {
    bar?.end();
  }
}

/**
 * The model to score with: `--model FILE` (`default`: the default model), else the one this
 * process's environment selects (HEALTH_MODEL_JSON, as `npm start` reads it; else the default).
 */
export async function chosenModel(file: string | undefined): Promise<CompiledModel> {
  if (file === undefined)
    return (await import("../../functions/domain/active-model.ts")).activeModel;
  if (file === "default") {
    const { compileModel } = await import("../../functions/domain/model.ts");
    const { defaultModel } = await import("../../functions/domain/model.default.ts");
    return compileModel(defaultModel);
  }
  return loadModel(file, process.cwd());
}

/** The summary lines of a rebuild, `name: value` first, then each failed account. */
export function rebuildLines(prefix: string, report: ReplayReport): string[] {
  const days = report.rebuilt.reduce((n, r) => n + r.days, 0);
  const empty = report.rebuilt.filter((r) => r.events === 0).length;
  const lines = [
    `${prefix}.accounts_rebuilt: ${report.rebuilt.length - empty}`,
    `${prefix}.events_read: ${report.events}`,
    `${prefix}.daily_points_written: ${days}`,
  ];
  if (empty > 0) {
    lines.push(
      `${prefix}.accounts_without_events: ${empty} (nothing in their event log: left as they are)`,
    );
  }
  if (report.skipped > 0)
    lines.push(`${prefix}.accounts_skipped: ${report.skipped} (finished by the run resumed)`);
  if (report.failed.size > 0) {
    lines.push(`${prefix}.accounts_failed: ${report.failed.size}`);
    for (const [id, error] of [...report.failed].slice(0, 20)) {
      lines.push(`  ✗ ${id}: ${error.name === "Error" ? "" : `${error.name}: `}${error.message}`);
    }
  }
  return lines;
}
