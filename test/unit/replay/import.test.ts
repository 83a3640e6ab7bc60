import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../../functions/adapters/memory/ingest-store.ts";
import { lineHashId, parseEventLine } from "../../../functions/replay/event-line.ts";
import { importLines } from "../../../functions/replay/import.ts";
import type { EventRecord, WriteOutcome } from "../../../functions/webhook/ingest.ts";
import { eventLine, steadyCustomerLines } from "../../support/event-lines.ts";
import { testModel } from "../../support/test-model.ts";

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2026, 10, 29, 15, 30);
const usage = (account: string, daysAgo: number, id: string | null = null) =>
  eventLine("usage", NOW - daysAgo * DAY_MS, { account_id: account, event: "login" }, id);

describe("parseEventLine", () => {
  it("takes the line's id as the dedupe key, else a hash of the line that ignores surrounding blanks", () => {
    const line = usage("acme", 1);

    const withId = parseEventLine(usage("acme", 1, "evt-1"), testModel.mapping, lineHashId);
    const hashed = parseEventLine(line, testModel.mapping, lineHashId);
    const padded = parseEventLine(`  ${line}\r`, testModel.mapping, lineHashId);

    expect(withId).toMatchObject({ kind: "events", events: [{ eventId: "evt-1" }] });
    expect(hashed).toMatchObject({ kind: "events", events: [{ eventId: lineHashId(line) }] });
    expect(lineHashId(line)).toMatch(/^line-[0-9a-f]{40}$/);
    expect(padded).toEqual(hashed);
  });

  it("names what is wrong with a line instead of throwing", () => {
    const reason = (line: string) => {
      const parsed = parseEventLine(line, testModel.mapping, lineHashId);
      return parsed.kind === "problem" ? parsed.reason : parsed.kind;
    };

    expect(reason("[1,2]")).toBe("not a JSON object");
    expect(reason('{"id": 7, "type": "usage"}')).toBe("id must be a string");
    expect(reason(usage("acme", 1, "has space"))).toMatch(/^id .*\(ids are /);
    expect(reason(eventLine("usage", NOW, { account_id: "acme" }))).toMatch(/data\.event/);
    expect(reason("   ")).toBe("blank");
  });
});

describe("importLines", () => {
  it("ingests every line as the webhook would, writing only its record, and lists the accounts to rebuild with their events", async () => {
    const store = new MemoryStore();
    const lines = [...steadyCustomerLines("acme", NOW, 20), usage("globex", 3)];

    const report = await importLines({ store, model: testModel }, lines, NOW);

    expect(report.lines).toBe(lines.length);
    expect(report.outcomes.accepted).toBe(lines.length);
    expect([...report.touched.keys()].sort()).toEqual(["acme", "globex"]);
    expect(report.touched.get("globex")).toEqual(
      new Set([`generic#${lineHashId(usage("globex", 3))}`]),
    );
    // Applied, in the log; the aggregate is the rebuild's to write, once, from all of it.
    const acme = [...store.records.values()].filter((r) => r.accountId === "acme");
    expect(acme.map((r) => r.status)).toEqual(lines.slice(0, -1).map(() => "applied"));
    expect(store.aggregates.get("acme")).toBeUndefined();
  });

  it("counts repeated lines as duplicates and still rebuilds their account, expecting none of them", async () => {
    const store = new MemoryStore();
    const line = usage("acme", 2);
    await importLines({ store, model: testModel }, [line], NOW);

    const again = await importLines({ store, model: testModel }, [line, line], NOW);

    expect(again.outcomes).toMatchObject({ accepted: 0, duplicate: 2 });
    expect(again.touched).toEqual(new Map([["acme", new Set()]]));
  });

  it("reports bad lines by number, skips stale ones, and imports the rest", async () => {
    const store = new MemoryStore();
    const lines = [
      usage("acme", 1),
      "",
      "{oops",
      usage("acme", 500),
      eventLine("mystery", NOW - DAY_MS, { account_id: "acme" }),
      usage("acme", 2),
    ];

    const report = await importLines({ store, model: testModel, batchLines: 2 }, lines, NOW);

    expect(report.problems).toEqual([{ line: 3, reason: "not valid JSON" }]);
    expect(report.failed).toBe(1);
    expect(report.outcomes).toMatchObject({ accepted: 2, stale: 1, ignored: 1 });
    expect([...store.records.values()].filter((r) => r.status === "applied")).toHaveLength(2);
  });

  it("names a line whose storage failed, and goes on with the others", async () => {
    class FailingStore extends MemoryStore {
      override async recordApplied(record: EventRecord, ...rest: [never]): Promise<WriteOutcome> {
        if (record.occurredAt < NOW - 2 * DAY_MS) throw new Error("throttled for good");
        return super.recordApplied(record, ...rest);
      }
    }
    const store = new FailingStore();

    const report = await importLines(
      { store, model: testModel },
      [usage("a", 1), usage("b", 3), usage("c", 1)],
      NOW,
    );

    expect(report.problems).toEqual([{ line: 2, reason: "not stored: throttled for good" }]);
    expect(report.outcomes.accepted).toBe(2);
    expect([...report.touched.keys()].sort()).toEqual(["a", "c"]);
  });
});
