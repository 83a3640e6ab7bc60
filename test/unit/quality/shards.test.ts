import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBacktest } from "../../../lib/quality/backtest/run.ts";
import { MIXES } from "../../../lib/quality/simulate/mixes.ts";
import {
  accountsOf,
  drawCustomers,
  eventLine,
  labelsCsv,
  simulateEvents,
} from "../../../lib/quality/simulate/simulate.ts";

describe("backtest in worker threads", () => {
  it("gives the same figures as one thread", async () => {
    const dir = mkdtempSync(join(tmpdir(), "quality-shards-"));
    const options = {
      customers: 40,
      days: 100,
      seed: 9,
      mix: MIXES.b2b as NonNullable<(typeof MIXES)["b2b"]>,
      start: Date.UTC(2026, 0, 5),
    };
    const customers = drawCustomers(options);
    const lines = [...simulateEvents(customers, options.days)].flat().map(eventLine);
    writeFileSync(join(dir, "events.jsonl"), `${lines.join("\n")}\n`);
    writeFileSync(join(dir, "labels.csv"), labelsCsv(accountsOf(customers, options)));
    const input = {
      eventsPath: join(dir, "events.jsonl"),
      labelsPath: join(dir, "labels.csv"),
      at: [Date.UTC(2026, 1, 20), Date.UTC(2026, 2, 10)],
      horizonDays: 30,
      modelFiles: [],
    };
    const one = await runBacktest(input);
    const two = await runBacktest({ ...input, workers: 2 });
    expect(two.runs[0]?.figures).toEqual(one.runs[0]?.figures);
    expect(two.loaded).toEqual(one.loaded);
    expect(one.runs[0]?.observations.length).toBeGreaterThan(40);
  }, 120_000);
});
