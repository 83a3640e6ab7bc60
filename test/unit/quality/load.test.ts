import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  LabelsError,
  loadEvents,
  parseLabels,
  shardOf,
  shardOfLine,
} from "../../../lib/quality/backtest/load.ts";
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
    // A day the month lacks is no date (Date.parse would roll it over to March).
    expect(() => parseLabels("account_id,churned_at\nacme,2026-02-30\n")).toThrow(
      /line 2: churned_at "2026-02-30" is not a date/,
    );
    // A full date-time is read as it is.
    expect(parseLabels("account_id,churned_at\nacme,2026-03-04T12:00:00Z\n").get("acme")).toBe(
      Date.UTC(2026, 2, 4, 12),
    );
  });
});

describe("shardOfLine", () => {
  /** The shard the parsed line says: its data.account_id's. */
  const parsedShard = (text: string, count: number) => {
    try {
      const body = JSON.parse(text) as { data?: { account_id?: unknown } } | null;
      return shardOf(body?.data?.account_id, count);
    } catch {
      return 0;
    }
  };
  const tricky = fc.constantFrom(
    "acme",
    'a"b',
    "a\\b",
    '"account_id":"x"',
    'account_id" : "evil',
    "ü€",
    "",
  );
  const anyText = fc.oneof(tricky, fc.string({ maxLength: 12 }));

  it("finds the shard of data.account_id without parsing, whatever else the line holds", () => {
    // A line without data.account_id applies to no account: any one shard may report it.
    const body = fc.record(
      {
        id: anyText,
        type: fc.constantFrom("usage", "ticket"),
        account_id: anyText,
        data: fc.record(
          { account_id: fc.oneof(anyText, fc.integer()), text: anyText, event: anyText },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ["data"] },
    );
    fc.assert(
      fc.property(body, fc.integer({ min: 2, max: 5 }), fc.boolean(), (value, count, spaced) => {
        const text = spaced ? JSON.stringify(value, null, 1).replace(/\n/g, " ") : line(value);
        const shard = shardOfLine(text, count);
        const id = value.data.account_id;
        if (id !== undefined) expect(shard).toBe(parsedShard(text, count));
        else expect(shard).toBeLessThan(count);
      }),
      { numRuns: 2000 },
    );
  });

  it("puts a line that is not JSON in shard 0", () => {
    expect(shardOfLine('{"data":{"account_id":"zz"', 7)).toBe(shardOf("zz", 7));
    expect(shardOfLine("{not json", 7)).toBe(0);
  });
});
