import { beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../../functions/adapters/dynamo/event-store.ts";
import { errorResponse } from "../../functions/adapters/http.ts";
import { isNewer, type LatestValue, signalToUpdate } from "../../functions/domain/aggregate.ts";
import { defaultModel } from "../../functions/domain/model.default.ts";
import { compileModel } from "../../functions/domain/model.ts";
import type { Signal } from "../../functions/domain/signals.ts";
import { epochDay } from "../../functions/domain/time.ts";
import { receiveWebhook, type WebhookDeps } from "../../functions/webhook/receive.ts";
import { freshTable, testClients } from "../support/dynamo.ts";
import { storedAggregate, writeUpdates } from "../support/stored-aggregate.ts";
import { signedWebhook, testSecretsFor } from "../support/webhooks.ts";

const model = compileModel(defaultModel).model;
const { doc } = testClients();

let tableName: string;
let deps: WebhookDeps;
beforeAll(async () => {
  ({ tableName } = await freshTable("ties"));
  deps = { store: new DynamoEventStore(doc, { tableName }), model, secretsFor: testSecretsFor };
});

const aggregateOf = (accountId: string) => storedAggregate(doc, tableName, accountId);

/** A profile signal: its update's day and shape carry the register the test sets. */
const planSignal = (accountId: string): Signal => ({
  accountId,
  source: "generic",
  sourceEventId: "plan",
  occurredAt: Date.UTC(2026, 10, 1),
  values: { kind: "profile", plan: "x" },
});

async function send(payload: unknown) {
  const response = await receiveWebhook(deps, signedWebhook("stripe", payload)).catch(
    errorResponse,
  );
  const body = JSON.parse(String(response.body));
  return { status: response.statusCode, outcome: body.results?.[0]?.outcome };
}

/** A Stripe subscription event of `accountId`, created at `createdSeconds`. */
function subscriptionEvent(
  eventId: string,
  type: "customer.subscription.created" | "customer.subscription.updated",
  accountId: string,
  status: string,
  createdSeconds: number,
) {
  return {
    id: eventId,
    object: "event",
    type,
    created: createdSeconds,
    data: {
      object: {
        id: `sub_${accountId}`,
        object: "subscription",
        customer: `cus_${accountId}`,
        status,
        currency: "usd",
        cancel_at_period_end: false,
        items: {
          object: "list",
          has_more: false,
          data: [
            {
              quantity: 3,
              price: {
                id: "price_pro",
                unit_amount: 2_000,
                recurring: { interval: "month", interval_count: 1 },
              },
            },
          ],
        },
        metadata: { account_id: accountId },
      },
    },
  };
}

describe("Stripe subscription created and updated in the same second, on DynamoDB Local", () => {
  const second = Math.floor(Date.now() / 1000);
  // The event ids sort against the lifecycle: an id tie-break alone keeps `incomplete`.
  const story = (accountId: string) => ({
    created: subscriptionEvent(
      `evt_2_${accountId}`,
      "customer.subscription.created",
      accountId,
      "incomplete",
      second,
    ),
    updated: subscriptionEvent(
      `evt_1_${accountId}`,
      "customer.subscription.updated",
      accountId,
      "active",
      second,
    ),
  });

  it.each([
    ["created, then updated", "acct-tie-forward", false],
    ["updated, then created", "acct-tie-reverse", true],
  ])("stores active when delivered %s, exactly once", async (_order, accountId, reversed) => {
    const { created, updated } = story(accountId);
    const deliveries = reversed ? [updated, created] : [created, updated];

    const first = [];
    for (const event of deliveries) first.push(await send(event));
    const resent = await Promise.all(deliveries.map(send));

    expect(first).toEqual([
      { status: 200, outcome: "accepted" },
      { status: 200, outcome: "accepted" },
    ]);
    expect(resent.map((r) => r.outcome)).toEqual(["duplicate", "duplicate"]);
    const stored = await aggregateOf(accountId);
    expect(stored?.registers.subscription).toMatchObject({
      status: "active",
      mrr: 6_000,
      seats: 3,
      eid: `evt_1_${accountId}`,
    });
    expect(stored?.days.get(epochDay(second * 1000))?.mrr).toMatchObject({ mrr: 6_000 });
  });
});

describe("the stored register writes", () => {
  // Every combination of source time, rank (absent: a register stored before ranks) and
  // event id, written over every other.
  const registers: LatestValue[] = [];
  for (const ts of [1_000, 2_000])
    for (const rk of [undefined, 1, 2])
      for (const eid of ["evt_a", "evt_b"]) {
        registers.push(
          rk === undefined
            ? { ts, eid, v: `${ts}/-/${eid}` }
            : { ts, rk, eid, v: `${ts}/${rk}/${eid}` },
        );
      }

  /** Writes `value` as the account's `profilePlan` register through the real write path. */
  async function write(accountId: string, value: LatestValue): Promise<"written" | "stale"> {
    const before = (await aggregateOf(accountId))?.registers.profilePlan;
    const update = { ...signalToUpdate(planSignal(accountId)), registers: { profilePlan: value } };
    await writeUpdates(doc, tableName, accountId, [update]);
    const after = (await aggregateOf(accountId))?.registers.profilePlan;
    return after?.v === value.v && before?.v !== value.v ? "written" : "stale";
  }

  it("replaces a stored register exactly when the domain rule says the new one is newer", async () => {
    const pairs = registers.flatMap((stored, i) =>
      registers.map((incoming, j) => ({ stored, incoming, accountId: `acct-guard-${i}-${j}` })),
    );

    const results = [];
    for (let start = 0; start < pairs.length; start += 24) {
      const chunk = pairs.slice(start, start + 24);
      results.push(
        ...(await Promise.all(
          chunk.map(async ({ stored, incoming, accountId }) => {
            await write(accountId, stored);
            const outcome = await write(accountId, incoming);
            const kept = (await aggregateOf(accountId))?.registers.profilePlan?.v;
            return { stored, incoming, outcome, kept };
          }),
        )),
      );
    }

    for (const { stored, incoming, outcome, kept } of results) {
      const newer = isNewer(incoming, stored);
      expect({ stored: stored.v, incoming: incoming.v, outcome, kept }).toEqual({
        stored: stored.v,
        incoming: incoming.v,
        outcome: newer ? "written" : "stale",
        kept: newer ? incoming.v : stored.v,
      });
    }
    expect(results).toHaveLength(144);
    expect(results.filter((r) => r.outcome === "written").length).toBeGreaterThan(0);
    expect(results.filter((r) => r.outcome === "stale").length).toBeGreaterThan(0);
  });
});
