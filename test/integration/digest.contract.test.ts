/**
 * The digest store's contract on both stores (in-memory and DynamoDB Local), and the daily
 * run's exactly-once post per channel and day against DynamoDB Local's ledger.
 */
import { describe, expect, it } from "vitest";
import { DynamoAlertLedger } from "../../functions/adapters/dynamo/alert-ledger.ts";
import { DynamoDigestStore } from "../../functions/adapters/dynamo/digest-store.ts";
import { MemoryDigestStore } from "../../functions/adapters/memory/digest-store.ts";
import {
  type DigestEntry,
  type DigestStore,
  digestEntryOf,
  SLACK_CHANNEL,
} from "../../functions/alerts/digest.ts";
import { runDigest } from "../../functions/alerts/digest-run.ts";
import type { SlackMessage } from "../../functions/alerts/message.ts";
import { DETAIL_TYPES } from "../../functions/events/health-events.ts";
import { freshTable, testClients } from "../support/dynamo.ts";
import { tierChangedDetail } from "../support/health-events.ts";

const entry = (eventId: string, overrides: Partial<DigestEntry> = {}): DigestEntry => ({
  ...digestEntryOf({
    detailType: DETAIL_TYPES.tierChanged,
    detail: tierChangedDetail({ eventId, occurredAt: "2026-11-28T10:00:00.000Z" }),
  }),
  ...overrides,
});

const stores: [string, () => Promise<DigestStore>][] = [
  ["MemoryDigestStore", async () => new MemoryDigestStore()],
  [
    "DynamoDigestStore on DynamoDB Local",
    async () => {
      const { doc } = testClients();
      const { tableName } = await freshTable("digest-contract");
      return new DynamoDigestStore(doc, { tableName });
    },
  ],
];

describe.each(stores)("digest store contract: %s", (_name, makeStore) => {
  it("lists a day's entries, each alert once however often it was recorded", async () => {
    const store = await makeStore();
    await store.record(SLACK_CHANNEL, "2026-11-28", entry("e1"));
    await store.record(SLACK_CHANNEL, "2026-11-28", entry("e2", { alert: "report" }));
    await store.record(SLACK_CHANNEL, "2026-11-28", entry("e1"));

    const listed = await store.entries(SLACK_CHANNEL, "2026-11-28");

    expect(listed.map((e) => e.eventId).sort()).toEqual(["e1", "e2"]);
    expect(listed.find((e) => e.eventId === "e2")).toEqual(entry("e2", { alert: "report" }));
  });

  it("keeps days and channels apart", async () => {
    const store = await makeStore();
    await store.record(SLACK_CHANNEL, "2026-11-27", entry("e1"));
    await store.record("other", "2026-11-28", entry("e2"));

    expect(await store.entries(SLACK_CHANNEL, "2026-11-28")).toEqual([]);
  });
});

describe("daily digest run on DynamoDB Local", () => {
  async function setUp() {
    const { doc } = testClients();
    const { tableName } = await freshTable("digest-run");
    const posts: SlackMessage[] = [];
    const store = new DynamoDigestStore(doc, { tableName });
    const deps = {
      enabled: true,
      store,
      ledger: new DynamoAlertLedger(doc, { tableName }),
      webhookUrl: async () => "https://hooks.slack.test/x",
      post: async (_url: string, message: SlackMessage) => {
        posts.push(message);
      },
      dashboardUrl: "https://health.example.com",
      log: { info() {}, warn() {}, error() {} },
      count: () => {},
    };
    return { deps, posts, store };
  }
  const NOV_29_0800 = Date.parse("2026-11-29T08:00:00Z");

  it("posts the previous UTC day's moves once, however often the schedule fires", async () => {
    const { deps, posts, store } = await setUp();
    await store.record(SLACK_CHANNEL, "2026-11-28", entry("e1"));
    await store.record(SLACK_CHANNEL, "2026-11-28", entry("e2", { alert: "report" }));
    await store.record(SLACK_CHANNEL, "2026-11-29", entry("e3"));

    const first = await runDigest(deps, {}, NOV_29_0800);
    const retried = await runDigest(deps, {}, NOV_29_0800 + 60_000);
    const byHand = await runDigest(deps, { day: "2026-11-28" }, NOV_29_0800 + 3_600_000);

    expect([first.outcome, retried.outcome, byHand.outcome]).toEqual([
      "delivered",
      "duplicate",
      "duplicate",
    ]);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.text).toBe(
      "Customer health digest for 2026-11-28: 2 changes, 1 needing attention",
    );
    const lines = JSON.stringify(posts[0]?.blocks);
    expect(lines).toContain("https://health.example.com/customers/acct-42");
    expect(lines).not.toContain("e3");
  });

  it("posts nothing for a quiet day, and nothing while the digest is off", async () => {
    const { deps, posts, store } = await setUp();
    await store.record(SLACK_CHANNEL, "2026-11-28", entry("e1"));

    expect((await runDigest(deps, { day: "2026-11-20" }, NOV_29_0800)).outcome).toBe("empty");
    expect((await runDigest({ ...deps, enabled: false }, {}, NOV_29_0800)).outcome).toBe("off");
    expect(posts).toEqual([]);
  });

  it("refuses a malformed day rather than posting a wrong one", async () => {
    const { deps } = await setUp();

    await expect(runDigest(deps, { day: "28/11/2026" }, NOV_29_0800)).rejects.toThrow(/"day"/);
  });
});
