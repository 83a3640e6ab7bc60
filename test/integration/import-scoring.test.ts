/**
 * `npm run import` with the score function on the table's stream, against DynamoDB Local:
 * history imported from before deployment is scored once, from all of it, and pages nobody
 * on the way. Scoring each line as it landed would have scored a steady customer from its
 * first weeks alone (silent for months: critical), then again and again as the rest came.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDueScores } from "../../functions/adapters/dynamo/due-scores.ts";
import { accountPk } from "../../functions/adapters/dynamo/keys.ts";
import { DynamoScoreStore } from "../../functions/adapters/dynamo/score-store.ts";
import { handleScoreStream } from "../../functions/adapters/dynamo/stream-records.ts";
import { compileModel } from "../../functions/domain/model.ts";
import type { HealthEvent } from "../../functions/events/health-events.ts";
import { type StreamPoller, startStreamPoller } from "../../lib/local/stream-poller.ts";
import { SCORE_STREAM } from "../../lib/topology.ts";
import { runCli } from "../support/cli.ts";
import { freshTable, testClients } from "../support/dynamo.ts";
import { eventLine, steadyCustomerLines } from "../support/event-lines.ts";
import { testModelInput } from "../support/test-model.ts";

const { doc, streams, endpoint } = testClients();
const compiled = compileModel(testModelInput());
const env = { HEALTH_MODEL_JSON: JSON.stringify(testModelInput()) };
const DAY_MS = 86_400_000;

describe("npm run import with the score function on the stream", () => {
  let tableName: string;
  let poller: StreamPoller;
  const published: HealthEvent[] = [];
  /** Stream records the score function was given, per customer. */
  const delivered = new Map<string, number>();
  const deadLetters: unknown[] = [];

  beforeAll(async () => {
    const table = await freshTable("import-scoring");
    tableName = table.tableName;
    const deps = {
      store: new DynamoScoreStore(doc, { tableName }),
      due: new DynamoDueScores(doc, { tableName }),
      publisher: {
        publish: async (events: readonly HealthEvent[]) => void published.push(...events),
      },
      model: compiled,
    };
    poller = startStreamPoller({
      ...SCORE_STREAM,
      streamsClient: streams,
      streamArn: table.streamArn,
      startingPosition: "TRIM_HORIZON",
      pollIntervalMs: 50,
      retryDelayMs: 0,
      handler: async (event) => {
        for (const record of event.Records) {
          const pk = String(record.dynamodb?.Keys?.pk?.S);
          delivered.set(pk, (delivered.get(pk) ?? 0) + 1);
        }
        return handleScoreStream(deps, event);
      },
      onFailure: (records) => void deadLetters.push(...records),
    });
  });
  afterAll(async () => {
    await poller.stop();
  });

  /** Imports `lines` with `npm run import`, then waits for the score function. */
  async function importLines(lines: readonly string[]) {
    const dir = await mkdtemp(join(tmpdir(), "import-scoring-"));
    const file = join(dir, "history.jsonl");
    await writeFile(file, `${lines.join("\n")}\n`);
    const out = await runCli("import", [file, "--endpoint", endpoint, "--table", tableName], {
      env,
    });
    await poller.drain();
    expect(out.code, out.stdout + out.stderr).toBe(0);
  }
  /** The tier changes published for `accountId`, oldest first. */
  const changesOf = (accountId: string) =>
    published.flatMap((e) =>
      e.detailType === "HealthTierChanged" && e.detail.accountId === accountId
        ? [[e.detail.previousTier, e.detail.tier]]
        : [],
    );

  it("scores a steady customer's imported year once, from all of it, without a tier change on the way", async () => {
    await importLines(steadyCustomerLines("steady", Date.now(), 365));

    // Its first score, from the whole year: healthy, as its daily history ends.
    expect(changesOf("steady")).toEqual([["unknown", "healthy"]]);
    // One record: the rebuild's state item, written after its day buckets and months.
    expect(delivered.get(accountPk("steady"))).toBe(1);
    expect(deadLetters).toEqual([]);
  });

  it("scores a customer whose history is usage only (no register, so no state item from a webhook)", async () => {
    const now = Date.now();
    const lines = Array.from({ length: 30 }, (_, d) =>
      eventLine("usage", now - (30 - d) * DAY_MS, { account_id: "usage-only", event: "login" }),
    );

    await importLines(lines);

    expect(delivered.get(accountPk("usage-only"))).toBe(1);
    expect(changesOf("usage-only")).toHaveLength(1);
  });
});
