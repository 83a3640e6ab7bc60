import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { LabelsError, loadEvents, parseLabels } from "../../../lib/quality/backtest/load.ts";
import { compileModel, defaultModel } from "../../../lib/quality/domain.ts";

const model = compileModel(defaultModel);
const dir = mkdtempSync(join(tmpdir(), "quality-load-"));
const line = (value: unknown) => JSON.stringify(value);
const usage = (id: string | undefined, timestamp: string) => ({
  ...(id ? { id } : {}),
  type: "usage",
  timestamp,
  data: { account_id: "acme", event: "login", count: 2 },
});

describe("loadEvents", () => {
  const text = [
    line(usage("u2", "2026-02-02T10:00:00Z")),
    line(usage("u1", "2026-02-01T10:00:00Z")),
    line(usage("u1", "2026-02-01T10:00:00Z")),
    line(usage(undefined, "2026-02-03T10:00:00Z")),
    "{not json",
    line({
      type: "nps",
      timestamp: "2026-02-01T10:00:00Z",
      data: { account_id: "acme", score: 11 },
    }),
    line({ type: "page_view", timestamp: "2026-02-01T10:00:00Z", data: { account_id: "acme" } }),
    "",
  ].join("\n");

  it("maps lines through the generic webhook, once per id, in time order", async () => {
    const path = join(dir, "events.jsonl");
    writeFileSync(path, text);
    const loaded = await loadEvents(path, model);
    expect(loaded.events.map((e) => e.occurredAt)).toEqual([
      Date.parse("2026-02-01T10:00:00Z"),
      Date.parse("2026-02-02T10:00:00Z"),
      Date.parse("2026-02-03T10:00:00Z"),
    ]);
    expect(loaded.events[0]?.signals[0]?.values).toEqual({
      kind: "usage",
      event: "login",
      count: 2,
    });
    // A line without an id is keyed by its line number.
    expect(loaded.events[2]?.signals[0]?.sourceEventId).toBe("line-4");
    expect(loaded).toMatchObject({ lines: 7, duplicates: 1, ignored: 1, malformed: 2 });
  });

  it("names the line and the field of each malformed line", async () => {
    const path = join(dir, "events.jsonl.gz");
    writeFileSync(path, gzipSync(text));
    const loaded = await loadEvents(path, model);
    expect(loaded.problems).toEqual([
      "line 5: not valid JSON",
      expect.stringMatching(/^line 6: .*data\.score/),
    ]);
  });
});

describe("parseLabels", () => {
  it("reads churn dates at 00:00 UTC and empty cells as not churned", () => {
    const labels = parseLabels("account_id,churned_at\nacme,2026-03-04\nglobex,\n");
    expect(labels).toEqual(
      new Map([
        ["acme", Date.UTC(2026, 2, 4)],
        ["globex", null],
      ]),
    );
  });

  it("rejects a file without the header and a date that is not one", () => {
    expect(() => parseLabels("id,date\nacme,2026-03-04\n")).toThrow(LabelsError);
    expect(() => parseLabels("account_id,churned_at\nacme,soon\n")).toThrow(/line 2/);
  });
});
