/**
 * Usage impacts through the real webhook into DynamoDB Local: a negative-impact event is
 * stored in its day's `usageNegative` sum, a positive one in `usage` weighed by its impact,
 * for the generic `usage` type and Segment `track` alike, and a redelivery adds nothing.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../../functions/adapters/dynamo/event-store.ts";
import { errorResponse } from "../../functions/adapters/http.ts";
import type { Aggregate } from "../../functions/domain/aggregate.ts";
import { compileModel } from "../../functions/domain/model.ts";
import { epochDay } from "../../functions/domain/time.ts";
import { receiveWebhook, type WebhookDeps } from "../../functions/webhook/receive.ts";
import { freshTable, testClients } from "../support/dynamo.ts";
import { storedAggregate } from "../support/stored-aggregate.ts";
import { testModelInput } from "../support/test-model.ts";
import { genericPayload, signedWebhook, testSecretsFor } from "../support/webhooks.ts";

const input = testModelInput();
const model = compileModel({
  ...input,
  components: {
    ...input.components,
    engagement: {
      ...input.components.engagement,
      impacts: { error_shown: -2, "Seat Removed": -5, report_exported: 5 },
      defaultImpact: 1,
    },
  },
}).model;
const { doc } = testClients();

describe("usage impacts through the webhook against DynamoDB Local", () => {
  let send: (event: ReturnType<typeof signedWebhook>) => Promise<number | undefined>;
  let aggregate: (accountId: string) => Promise<Aggregate | undefined>;
  beforeAll(async () => {
    const { tableName } = await freshTable("impacts");
    const deps: WebhookDeps = {
      store: new DynamoEventStore(doc, { tableName }),
      model,
      secretsFor: testSecretsFor,
    };
    send = async (event) => (await receiveWebhook(deps, event).catch(errorResponse)).statusCode;
    aggregate = (accountId) => storedAggregate(doc, tableName, accountId);
  });

  it("stores a generic usage event of negative impact as usageNeg, once, and a positive one as usage × impact", async () => {
    const at = new Date(Date.now() - 3_600_000);
    const t = at.getTime();
    const error = signedWebhook(
      "generic",
      genericPayload("usage", "acct-errors", { event: "error_shown", count: 3 }, at),
      Date.now(),
      "msg_error_1",
    );
    const report = signedWebhook(
      "generic",
      genericPayload("usage", "acct-errors", { event: "report_exported", count: 2 }, at),
      Date.now(),
      "msg_report_1",
    );

    expect([await send(error), await send(error), await send(report)]).toEqual([200, 200, 200]);

    const stored = await aggregate("acct-errors");
    expect(stored?.days.get(epochDay(t))?.sums).toEqual({ usageNegative: 6, usage: 10 });
    // Only the positive impact made the day active... and it did.
    expect(stored?.days.get(epochDay(t))?.active).toBe(true);
  });

  it("weighs a Segment track event by its name's impact, and an unnamed one by the default", async () => {
    const at = new Date(Date.now() - 60_000);
    const t = at.getTime();
    const track = (messageId: string, event: string, count: number) =>
      signedWebhook("segment", {
        type: "track",
        event,
        messageId,
        userId: "user-1",
        groupId: "acct-seats",
        properties: { count },
        timestamp: at.toISOString(),
      });

    expect(await send(track("seg-removed-1", "Seat Removed", 2))).toBe(200);
    expect(await send(track("seg-login-1", "Logged In", 4))).toBe(200);

    const stored = await aggregate("acct-seats");
    expect(stored?.days.get(epochDay(t))?.sums).toEqual({ usageNegative: 10, usage: 4 });
  });
});
