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
import { DynamoScoreStore } from "../../functions/adapters/dynamo/score-store.ts";
import { handleScoreStream } from "../../functions/adapters/dynamo/stream-records.ts";
import { compileModel } from "../../functions/domain/model.ts";
import type { HealthEvent } from "../../functions/events/health-events.ts";
import { type StreamPoller, startStreamPoller } from "../../lib/local/stream-poller.ts";
import { SCORE_STREAM } from "../../lib/topology.ts";
import { runCli } from "../support/cli.ts";
import { freshTable, testClients } from "../support/dynamo.ts";
import { steadyCustomerLines } from "../support/event-lines.ts";
import { testModelInput } from "../support/test-model.ts";

const { doc, streams, endpoint } = testClients();
const compiled = compileModel(testModelInput());
const env = { HEALTH_MODEL_JSON: JSON.stringify(testModelInput()) };

describe("npm run import with the score function on the stream", () => {
  let tableName: string;
  let poller: StreamPoller;
  const published: HealthEvent[] = [];
  /** Stream records the score function was given. */
  let delivered = 0;
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
        delivered += event.Records.length;
        return handleScoreStream(deps, event);
      },
      onFailure: (records) => void deadLetters.push(...records),
    });
  });
  afterAll(async () => {
    await poller.stop();
  });

  it("scores a steady customer's imported year once, from all of it, without a tier change on the way", async () => {
    const dir = await mkdtemp(join(tmpdir(), "import-scoring-"));
    const file = join(dir, "history.jsonl");
    const lines = steadyCustomerLines("steady", Date.now(), 365);
    await writeFile(file, `${lines.join("\n")}\n`);

    const out = await runCli("import", [file, "--endpoint", endpoint, "--table", tableName], {
      env,
    });
    await poller.drain();

    expect(out.code, out.stdout + out.stderr).toBe(0);
    const changes = published.filter((e) => e.detailType === "HealthTierChanged");
    // Its first score, from the whole year: healthy, as its daily history ends.
    expect(changes.map((e) => [e.detail.previousTier, e.detail.tier])).toEqual([
      ["unknown", "healthy"],
    ]);
    // One record: the rebuild's state item, written after its day buckets and months.
    expect(delivered).toBe(1);
    expect(deadLetters).toEqual([]);
  });
});
