import { beforeAll, describe, expect, it } from "vitest";
import { DynamoCustomerReads } from "../../functions/adapters/dynamo/customer-reads.ts";
import { DynamoEventStore } from "../../functions/adapters/dynamo/event-store.ts";
import { DynamoScoreStore } from "../../functions/adapters/dynamo/score-store.ts";
import { errorResponse } from "../../functions/adapters/http.ts";
import { type ApiDeps, routeApi } from "../../functions/api/routes.ts";
import { compileModel } from "../../functions/domain/model.ts";
import { baseTier } from "../../functions/domain/tiers.ts";
import { shortDate } from "../../functions/domain/time.ts";
import { scoreAccounts } from "../../functions/scoring/score-accounts.ts";
import { receiveWebhook } from "../../functions/webhook/receive.ts";
import { freshTable, testClients } from "../support/dynamo.ts";
import { storedAggregate, totalOf } from "../support/stored-aggregate.ts";
import { testModelInput } from "../support/test-model.ts";
import {
  genericPayload,
  signedWebhook,
  stripeInvoiceFailed,
  testSecretsFor,
  webhookEvent,
} from "../support/webhooks.ts";

// Its own test model: the default model belongs to its owner and may change any weight.
const compiled = compileModel(testModelInput());
const { doc } = testClients();
const DAY = 86_400_000;
let deps: ApiDeps;
let events: DynamoEventStore;
let tableName: string;
const now = Date.now();

async function call(
  routeKey: string,
  path: Record<string, string> = {},
  query: Record<string, string> = {},
  body = "",
  using: ApiDeps = deps,
) {
  const event = {
    ...webhookEvent("x", body, {}),
    routeKey,
    pathParameters: path,
    queryStringParameters: query,
  };
  const response = await routeApi(using, event, Buffer.from(body)).catch(errorResponse);
  return { status: response.statusCode, body: JSON.parse(String(response.body)) };
}

const generic = (type: string, account: string, data: Record<string, unknown>, at = now) =>
  receiveWebhook(
    { store: events, model: compiled.model, secretsFor: testSecretsFor },
    signedWebhook("generic", genericPayload(type, account, data, new Date(at))),
  );

beforeAll(async () => {
  ({ tableName } = await freshTable("api"));
  events = new DynamoEventStore(doc, { tableName });
  deps = {
    customers: new DynamoCustomerReads(doc, { tableName }),
    aliases: events,
    model: compiled.model,
  };
  // Five customers with different amounts of usage, so they score differently; the fifth
  // has canceled.
  for (let c = 1; c <= 5; c++) {
    const status = c === 5 ? "canceled" : "active";
    await generic("subscription", `cust-${c}`, { status, mrr: 10_000, seats: 5 }, now - 40 * DAY);
    for (let d = 0; d < c * 3; d++) {
      await generic("usage", `cust-${c}`, { event: "view", count: c * 2 }, now - d * DAY);
    }
  }
  // A customer in trouble: past due, failed payments, a detractor, urgent tickets, and one
  // use of the product three weeks ago.
  await generic(
    "subscription",
    "cust-6",
    { status: "past_due", mrr: 10_000, seats: 5 },
    now - 40 * DAY,
  );
  for (let i = 0; i < 3; i++) {
    await generic("payment", "cust-6", { status: "failed" }, now - i * DAY);
    await generic("ticket", "cust-6", { ticket_id: `T6-${i}`, status: "open", priority: "urgent" });
  }
  await generic("nps", "cust-6", { score: 1 });
  await generic("usage", "cust-6", { event: "view", count: 1 }, now - 21 * DAY);
  // An id with letters of other scripts, as the id rule allows.
  await generic("usage", "münchen-straße-Ω", { event: "view", count: 3 });
  const scoreDeps = {
    store: new DynamoScoreStore(doc, { tableName }),
    publisher: { publish: async () => {} },
    model: compiled,
  };
  const ids = ["cust-1", "cust-2", "cust-3", "cust-4", "cust-5", "cust-6", "münchen-straße-Ω"];
  await scoreAccounts(scoreDeps, ids, now);
});

const customer = async (accountId: string) =>
  (await call("GET /customers/{accountId}", { accountId })).body;

async function listAll(query: Record<string, string>) {
  const all: { accountId: string; score: number | null; tier: string; topDriver: string }[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const res = await call("GET /customers", {}, { ...query, ...(cursor ? { cursor } : {}) });
    expect(res.status).toBe(200);
    all.push(...res.body.customers);
    cursor = res.body.cursor ?? undefined;
    pages++;
  } while (cursor && pages < 50);
  return { all, pages };
}

describe("read API against DynamoDB Local", () => {
  it("returns a customer's score, its tier by the model's thresholds, components, drivers and history", async () => {
    const res = await call("GET /customers/{accountId}", { accountId: "cust-3" });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accountId: "cust-3", modelVersion: compiled.modelVersion });
    expect(res.body.score).toBeGreaterThan(0);
    // A first score has no tier to hold on to: it is the tier its score falls in.
    expect(res.body.tier).toBe(baseTier(res.body.score, compiled.model.tiers));
    expect(res.body.components.map((c: { name: string }) => c.name).sort()).toEqual(
      ["adoption", "engagement", "financial", "sentiment", "support"].sort(),
    );
    expect(res.body.drivers[0]).toMatchObject({
      component: "engagement",
      // Which usage measure leads depends on the default model's weights; it is about usage.
      reason: expect.stringMatching(/usage/),
    });
    expect(res.body.drivers[0].impact).toBeLessThan(0);
    expect(res.body.history).toEqual([
      {
        day: new Date(now).toISOString().slice(0, 10),
        score: res.body.score,
        tier: res.body.tier,
        coverage: res.body.coverage,
        modelVersion: compiled.modelVersion,
      },
    ]);
    expect(res.body.outbox).toBeUndefined();
  });

  it("names what moves each customer: usage for the active ones, the cancellation first for the canceled one", async () => {
    const scores = [];
    for (let c = 1; c <= 4; c++) scores.push((await customer(`cust-${c}`)).score as number);
    const canceled = await customer("cust-5");
    const troubled = await customer("cust-6");

    // More usage, higher score.
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    expect(new Set(scores).size).toBe(4);
    // Canceled: the red flag leads, dated, and makes it critical whatever its usage.
    expect(canceled.drivers[0]).toMatchObject({
      component: "financial",
      reason: `subscription canceled on ${shortDate(now - 40 * DAY)}`,
    });
    expect(canceled.drivers[0].impact).toBeLessThan(0);
    expect(canceled.tier).toBe("critical");
    expect(canceled.flags.map((f: { name: string }) => f.name)).toEqual(["canceled"]);
    expect(troubled.score).toBeLessThan(Math.min(...scores));
    expect(["at-risk", "critical"]).toContain(troubled.tier);
    expect(troubled.tier).toBe(baseTier(troubled.score, compiled.model.tiers));
  });

  it("lists a tier by score ascending across pages, with each customer's real top driver", async () => {
    const { all, pages } = await listAll({ tier: "healthy", limit: "1" });

    // cust-5 canceled: critical, not listed here.
    const ours = ["cust-1", "cust-2", "cust-3", "cust-4"];
    expect(
      all
        .map((c) => c.accountId)
        .filter((id) => ours.includes(id))
        .sort(),
    ).toEqual(ours);
    expect(all.every((c) => c.tier === "healthy")).toBe(true);
    const scores = all.map((c) => c.score as number);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    expect(pages).toBe(all.length);
    for (const listed of all) {
      expect(listed.topDriver).toBe((await customer(listed.accountId)).drivers[0].reason);
    }
    const troubled = await customer("cust-6");
    const ofItsTier = await listAll({ tier: troubled.tier });
    expect(ofItsTier.all.map((c) => c.accountId)).toContain("cust-6");
    expect(ofItsTier.all.every((c) => c.tier === troubled.tier)).toBe(true);
  });

  it("lists every customer, lowest score first, when no tier is given", async () => {
    const everyone = [
      "cust-1",
      "cust-2",
      "cust-3",
      "cust-4",
      "cust-5",
      "cust-6",
      "münchen-straße-Ω",
    ];
    const expected = [];
    for (const id of everyone) expected.push({ accountId: id, score: (await customer(id)).score });
    expected.sort((a, b) => a.score - b.score);

    for (const limit of ["2", "200"]) {
      const { all } = await listAll({ limit });
      expect(all.map((c) => c.accountId)).toEqual(expected.map((c) => c.accountId));
    }
    const first = await call("GET /customers");
    expect(first.body.tier).toBeUndefined();
    expect(first.body.customers[0].accountId).toBe("cust-6");
  });

  it("answers 404 for an unknown customer and reads back an id with letters of other scripts", async () => {
    expect((await call("GET /customers/{accountId}", { accountId: "nobody" })).status).toBe(404);
    const unicode = await call("GET /customers/{accountId}", { accountId: "münchen-straße-Ω" });
    const encoded = await call("GET /customers/{accountId}", {
      accountId: encodeURIComponent("münchen-straße-Ω"),
    });

    expect(unicode.status).toBe(200);
    expect(unicode.body.accountId).toBe("münchen-straße-Ω");
    expect(encoded.body).toEqual(unicode.body);
  });

  it("rejects ids that break the id rule with 400 naming the field, as the webhooks do", async () => {
    for (const accountId of ["acme#SCORE", "acme corp", "a😀", "a/b", "€".repeat(201)]) {
      const read = await call("GET /customers/{accountId}", { accountId });
      const write = await call(
        "PUT /accounts/{accountId}/aliases",
        { accountId },
        {},
        JSON.stringify({ zendesk: ["1"] }),
      );
      for (const res of [read, write]) {
        expect(res.status).toBe(400);
        expect(res.body.error).toMatch(/^accountId /);
      }
    }
    const badPercent = await call("GET /customers/{accountId}", { accountId: "a%E0%A4%A" });
    expect(badPercent).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/percent/) },
    });
  });

  it("rejects an unknown tier and a bad limit with 400", async () => {
    expect((await call("GET /customers", {}, { tier: "great" })).status).toBe(400);
    for (const limit of ["0", "201", "1.5", "ten", "-1"]) {
      expect((await call("GET /customers", {}, { limit })).status).toBe(400);
    }
  });

  it("rejects a tampered cursor with 400 on both listings, never 500", async () => {
    const b64 = (text: string) => Buffer.from(text).toString("base64url");
    const page = await call("GET /customers", {}, { limit: "1" });
    const unmatchedPage = await call("GET /unmatched", {}, { limit: "1" });
    const issued = String(page.body.cursor);
    const tampered = [
      "%%%",
      "abc",
      `${issued}x`,
      issued.slice(0, -2),
      b64("{}"),
      b64("null"),
      b64("[1]"),
      b64('["x","y"]'),
      b64('[200,"a"]'),
      b64('[1,""]'),
      b64(`[1,"${"a".repeat(1000)}"]`),
      b64('{"pk":"ACCOUNT#a","sk":"SCORE","tierPk":"TIER#healthy","tierSk":1}'),
      b64('[-1,"nope","x"]'),
      b64('[1e20,"stripe","x"]'),
      b64('[1,"stripe",""]'),
      "a".repeat(3000),
    ];
    for (const cursor of tampered) {
      for (const route of ["GET /customers", "GET /unmatched"]) {
        const res = await call(route, {}, { cursor });
        expect({ route, cursor, status: res.status }).toEqual({ route, cursor, status: 400 });
        expect(res.body.error).toMatch(/cursor/);
      }
    }
    // A cursor of one listing is not a cursor of the other.
    expect((await call("GET /unmatched", {}, { cursor: issued })).status).toBe(400);
    if (unmatchedPage.body.cursor) {
      const other = await call("GET /customers", {}, { cursor: unmatchedPage.body.cursor });
      expect(other.status).toBe(400);
    }
  });
});

describe("admin API against DynamoDB Local", () => {
  const aliases = (accountId: string, body: unknown, using?: ApiDeps) =>
    call("PUT /accounts/{accountId}/aliases", { accountId }, {}, JSON.stringify(body), using);

  /** Stores `count` Zendesk ticket events for `org` that no customer can be found for. */
  async function waitingTickets(org: string, count: number) {
    const records = Array.from({ length: count }, (_, i) => ({
      source: "zendesk" as const,
      eventId: `${org}-ticket-${i}`,
      type: "ticket.created",
      occurredAt: now - 1000,
      receivedAt: now,
      accountId: null,
      refs: [{ kind: "zendesk" as const, id: org }],
      signals: [{ kind: "ticket_opened" as const, ticketId: `${org}-T${i}` }],
      status: "unmatched" as const,
    }));
    for (let i = 0; i < records.length; i += 25) {
      await Promise.all(records.slice(i, i + 25).map((r) => events.recordUnmatched(r)));
    }
  }

  /** Tickets opened in an account's aggregate: how many waiting events reached it. */
  const ticketsOf = async (accountId: string) =>
    totalOf(await storedAggregate(doc, tableName, accountId), "ticketsOpened");

  it("registers aliases, applies the waiting unmatched event once, and lists unmatched events", async () => {
    const orphan = stripeInvoiceFailed("evt_api_orphan", "cus_api", "in_api");
    await receiveWebhook(
      { store: events, model: compiled.model, secretsFor: testSecretsFor },
      signedWebhook("stripe", orphan),
    );
    const listed = await call("GET /unmatched");
    expect(listed.body.events.map((e: { eventId: string }) => e.eventId)).toContain(
      "evt_api_orphan",
    );

    const body = { stripe: ["cus_api"], domains: ["Acme.com"] };
    const first = await aliases("cust-1", body);
    const second = await aliases("cust-1", body);

    expect(first).toMatchObject({
      status: 200,
      body: {
        accountId: "cust-1",
        aliases: 2,
        applied: 1,
        remaining: 0,
        changes: [
          { kind: "stripe", id: "cus_api", change: "registered" },
          { kind: "domain", id: "acme.com", change: "registered" },
        ],
      },
    });
    expect(second.body).toMatchObject({ applied: 0, remaining: 0 });
    expect(second.body.changes.map((c: { change: string }) => c.change)).toEqual([
      "unchanged",
      "unchanged",
    ]);
    const after = await call("GET /unmatched");
    expect(after.body.events.map((e: { eventId: string }) => e.eventId)).not.toContain(
      "evt_api_orphan",
    );
  });

  it("rejects a malformed aliases body with 400 and says what is wrong", async () => {
    const route = "PUT /accounts/{accountId}/aliases";
    const cases: [unknown, string][] = [
      [{ hubspot: ["1"] }, 'invalid aliases body: body has unknown field "hubspot"'],
      [{}, "no aliases given"],
      [{ stripe: "cus_1" }, "invalid aliases body: stripe must be an array"],
      [{ zendesk: [1] }, "invalid aliases body: zendesk.0 must be a string"],
      [{ zendesk: ["1"], move: "yes" }, "invalid aliases body: move must be a boolean"],
    ];
    for (const [body, error] of cases) {
      expect(await aliases("cust-1", body)).toMatchObject({ status: 400, body: { error } });
    }
    expect(await call(route, { accountId: "cust-1" }, {}, "not json")).toMatchObject({
      status: 400,
      body: { error: "body is not valid JSON" },
    });
    // A leading byte order mark is dropped, as the webhooks drop it.
    const bom = `\uFEFF${JSON.stringify({ zendesk: ["org-bom"] })}`;
    expect((await call(route, { accountId: "cust-1" }, {}, bom)).status).toBe(200);
    const tooMany = Array.from({ length: 101 }, (_, i) => `org-${i}`);
    const many = await aliases("cust-1", { zendesk: tooMany });
    expect(many).toMatchObject({ status: 400, body: { error: expect.stringMatching(/100/) } });
  });

  it("rejects alias ids that break the id rule, naming the field and the value", async () => {
    const cases: [unknown, RegExp][] = [
      [{ zendesk: ["acme corp"] }, /^zendesk\[0\] "acme corp" /],
      [{ stripe: ["cus_1", "acme#SCORE"] }, /^stripe\[1\] "acme#SCORE" /],
      [{ segment: ["😀"] }, /^segment\[0\] "😀" /],
      [{ segment: [""] }, /^segment\[0\] "" is empty/],
    ];
    for (const [body, message] of cases) {
      const res = await aliases("cust-2", body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
    }
    expect((await deps.aliases.resolveAliases([{ kind: "stripe", id: "cus_1" }])).size).toBe(0);
  });

  it("accepts only host names of one company as domains: never free-mail or disposable ones", async () => {
    const cases: [string, RegExp][] = [
      ["GMAIL.COM", /^domains\[0\] "GMAIL.COM" is a free-mail domain/],
      ["not a domain!", /^domains\[0\] "not a domain!" is not a host name/],
      ["0-mail.com", /^domains\[0\] "0-mail.com" is a disposable email domain/],
      ["localhost", /is not a host name/],
      ["bücher.de", /is not a host name/],
    ];
    for (const [domain, message] of cases) {
      const res = await aliases("cust-2", { domains: [domain] });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
    }
    const refs = cases.map(([domain]) => ({ kind: "domain" as const, id: domain.toLowerCase() }));
    expect((await deps.aliases.resolveAliases(refs)).size).toBe(0);
    expect((await aliases("cust-2", { domains: ["Example-Corp.CO.UK"] })).body.changes).toEqual([
      { kind: "domain", id: "example-corp.co.uk", change: "registered" },
    ]);
  });

  it("lets one of two concurrent claims of an organization win; the other gets 409 naming it", async () => {
    await waitingTickets("org-race", 20);

    const [x, y] = await Promise.all([
      aliases("acct-x", { zendesk: ["org-race"] }),
      aliases("acct-y", { zendesk: ["org-race"] }),
    ]);

    const statuses = [x.status, y.status].sort();
    expect(statuses).toEqual([200, 409]);
    const [winner, loser] = x.status === 200 ? ["acct-x", y] : ["acct-y", x];
    expect(loser.body).toMatchObject({
      error: expect.stringContaining(`belongs to account "${winner}"`),
      conflicts: [{ kind: "zendesk", id: "org-race", accountId: winner }],
    });
    expect(await ticketsOf(winner)).toBe(20);
    expect(await ticketsOf(winner === "acct-x" ? "acct-y" : "acct-x")).toBe(0);
  });

  it("moves an alias only when asked: applied events stay, waiting and new ones go to the new account", async () => {
    await waitingTickets("org-move", 5);
    expect((await aliases("acct-from", { zendesk: ["org-move"] })).body.applied).toBe(5);

    const refused = await aliases("acct-to", { zendesk: ["org-move"] });
    const moved = await aliases("acct-to", { zendesk: ["org-move"], move: true });
    // An event for the organization arrives after the move, with no alias known yet to it.
    await events.recordUnmatched({
      source: "zendesk",
      eventId: "org-move-after",
      type: "ticket.created",
      occurredAt: now,
      receivedAt: now,
      accountId: null,
      refs: [{ kind: "zendesk", id: "org-move" }],
      signals: [{ kind: "ticket_opened", ticketId: "after-move" }],
      status: "unmatched",
    });
    const again = await aliases("acct-to", { zendesk: ["org-move"] });

    expect(refused.status).toBe(409);
    expect(moved.body).toMatchObject({
      applied: 0,
      changes: [{ kind: "zendesk", id: "org-move", change: "moved", from: "acct-from" }],
    });
    expect(again.body).toMatchObject({ applied: 1, remaining: 0 });
    expect(await ticketsOf("acct-from")).toBe(5);
    expect(await ticketsOf("acct-to")).toBe(1);
  });

  it("applies 420 waiting events exactly once within each request's budget, saying what remains", async () => {
    await waitingTickets("org-big", 420);
    // A budget of 150 events per request: the contract is to call again until none remains.
    const budgeted: ApiDeps = {
      ...deps,
      budget: () => ({ maxEvents: 150, deadline: Date.now() + 4_000, clock: Date.now }),
    };

    const answers = [];
    for (let call = 0; call < 10; call++) {
      const started = Date.now();
      const res = await aliases("acct-big", { zendesk: ["org-big"] }, budgeted);
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(8_000);
      answers.push({ applied: res.body.applied, remaining: res.body.remaining });
      if (res.body.remaining === 0) break;
    }

    expect(answers).toEqual([
      { applied: 150, remaining: 270 },
      { applied: 150, remaining: 120 },
      { applied: 120, remaining: 0 },
    ]);
    expect(await ticketsOf("acct-big")).toBe(420);
    const listed = await call("GET /unmatched", {}, { limit: "200" });
    expect(
      listed.body.events.filter((e: { refs: { id: string }[] }) => e.refs[0]?.id === "org-big"),
    ).toEqual([]);
  });

  it("applies 420 waiting events with the default budget well inside the function timeout", async () => {
    await waitingTickets("org-default", 420);

    let applied = 0;
    let remaining = -1;
    for (let call = 0; call < 10 && remaining !== 0; call++) {
      const started = Date.now();
      const res = await aliases("acct-default", { zendesk: ["org-default"] });
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(8_000);
      applied += res.body.applied;
      remaining = res.body.remaining;
    }

    expect({ applied, remaining }).toEqual({ applied: 420, remaining: 0 });
    expect(await ticketsOf("acct-default")).toBe(420);
  });
});
