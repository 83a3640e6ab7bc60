import { describe, expect, it } from "vitest";
import { parse } from "../../../functions/webhook/providers/generic/map.ts";
import { config, expectMalformed, fixture, type Json, single } from "./support.ts";

const WEBHOOK_ID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
const TIMESTAMP = "2022-11-03T20:26:10.344522Z";

/** A Standard Webhooks payload of our vocabulary for account acct-1. */
function genericEvent(type: string, data: Json): Json {
  return { type, timestamp: TIMESTAMP, data: { account_id: "acct-1", ...data } };
}

function signalsOf(type: string, data: Json): unknown {
  return single(parse(genericEvent(type, data), config, WEBHOOK_ID)).signals;
}

describe("generic (Standard Webhooks) adapter", () => {
  it("maps an event to its account, with the webhook-id as event id", () => {
    const event = single(
      parse(genericEvent("milestone", { name: "sso-enabled" }), config, WEBHOOK_ID),
    );

    expect(event).toEqual({
      source: "generic",
      eventId: WEBHOOK_ID,
      type: "milestone",
      occurredAt: Date.parse("2022-11-03T20:26:10.344Z"),
      accountId: "acct-1",
      refs: [],
      signals: [{ kind: "milestone", name: "sso-enabled" }],
      ignored: false,
    });
  });

  describe("usage", () => {
    it("counts once by default", () => {
      expect(signalsOf("usage", { event: "report.run" })).toEqual([
        { kind: "usage", event: "report.run", count: 1 },
      ]);
    });

    it("takes a count and adds feature_used for a feature", () => {
      expect(signalsOf("usage", { event: "report.run", count: 3, feature: "reports" })).toEqual([
        { kind: "usage", event: "report.run", count: 3 },
        { kind: "feature_used", feature: "reports" },
      ]);
    });

    it("rejects a zero count", () => {
      expectMalformed(
        () => parse(genericEvent("usage", { event: "x", count: 0 }), config, WEBHOOK_ID),
        /data\.count must be at least 1/,
      );
    });
  });

  describe("surveys", () => {
    it("maps nps, csat and ces with their comments", () => {
      expect(signalsOf("nps", { score: 0, comment: "Unusable" })).toEqual([
        { kind: "nps", score: 0, comment: "Unusable" },
      ]);
      expect(signalsOf("csat", { score: 5, comment: null })).toEqual([{ kind: "csat", score: 5 }]);
      expect(signalsOf("ces", { score: 7 })).toEqual([{ kind: "ces", score: 7 }]);
    });

    it.each([
      ["nps", { score: 11 }, /data\.score must be at most 10/],
      ["nps", { score: 8.5 }, /data\.score must be an integer/],
      ["csat", { score: 0 }, /data\.score must be at least 1/],
      ["ces", { score: 8 }, /data\.score must be at most 7/],
      ["nps", { score: "9" }, /data\.score must be a number/],
    ])("rejects %s %j, naming the field", (type, data, reason) => {
      expectMalformed(() => parse(genericEvent(type, data), config, WEBHOOK_ID), reason);
    });
  });

  describe("tickets", () => {
    it("maps open, solved and reopened", () => {
      expect(
        signalsOf("ticket", { ticket_id: "T-1", status: "open", priority: "urgent", text: "Down" }),
      ).toEqual([{ kind: "ticket_opened", ticketId: "T-1", priority: "urgent", text: "Down" }]);
      expect(signalsOf("ticket", { ticket_id: 12, status: "solved" })).toEqual([
        { kind: "ticket_solved", ticketId: "12" },
      ]);
      expect(
        signalsOf("ticket", { ticket_id: "T-1", status: "reopened", priority: "low" }),
      ).toEqual([{ kind: "ticket_reopened", ticketId: "T-1", priority: "low" }]);
    });

    it("rejects an unknown ticket status", () => {
      expectMalformed(
        () =>
          parse(genericEvent("ticket", { ticket_id: "T-1", status: "closed" }), config, WEBHOOK_ID),
        /data\.status must be one of "open", "solved", "reopened"/,
      );
    });
  });

  describe("payments", () => {
    it.each([
      ["succeeded", "payment_succeeded"],
      ["failed", "payment_failed"],
      ["refunded", "refund"],
      ["disputed", "dispute"],
    ])("maps status %s to %s with lower-case currency", (status, kind) => {
      expect(signalsOf("payment", { status, amount: 4900, currency: "EUR" })).toEqual([
        { kind, amount: 4900, currency: "eur" },
      ]);
    });

    it("rejects a negative amount", () => {
      expectMalformed(
        () => parse(genericEvent("payment", { status: "failed", amount: -1 }), config, WEBHOOK_ID),
        /data\.amount/,
      );
    });
  });

  describe("subscriptions", () => {
    it("maps a cancellation scheduled for the period's end, and leaves it out when not said", () => {
      const data = { status: "active", renews_at: "2024-07-01T00:00:00Z" };
      expect(signalsOf("subscription", { ...data, cancel_at_period_end: true })).toEqual([
        expect.objectContaining({
          kind: "subscription",
          status: "active",
          cancelAtPeriodEnd: true,
        }),
      ]);
      expect(signalsOf("subscription", { ...data, cancel_at_period_end: false })).toEqual([
        expect.objectContaining({ cancelAtPeriodEnd: false }),
      ]);
      expect((signalsOf("subscription", data) as object[])[0]).not.toHaveProperty(
        "cancelAtPeriodEnd",
      );
      expect(() => signalsOf("subscription", { ...data, cancel_at_period_end: "yes" })).toThrow(
        /cancel_at_period_end/,
      );
    });

    it("maps the subscription state with renews_at in epoch milliseconds", () => {
      const data = {
        status: "past_due",
        mrr: 99_00,
        currency: "usd",
        seats: 12,
        plan: "Team",
        renews_at: "2024-07-01T00:00:00Z",
      };

      expect(signalsOf("subscription", data)).toEqual([
        {
          kind: "subscription",
          status: "past_due",
          mrr: 9900,
          currency: "usd",
          seats: 12,
          plan: "Team",
          renewsAt: Date.parse("2024-07-01T00:00:00Z"),
        },
      ]);
    });

    it("rejects an unknown subscription status", () => {
      expectMalformed(
        () => parse(genericEvent("subscription", { status: "cancelled" }), config, WEBHOOK_ID),
        /data\.status/,
      );
    });
  });

  describe("accounts, ids and unknown types", () => {
    it("requires data.account_id on every type it applies", () => {
      const body = { type: "nps", timestamp: TIMESTAMP, data: { score: 9 } };

      expectMalformed(() => parse(body, config, WEBHOOK_ID), /^data\.account_id is required$/);
    });

    it("ignores the spec example, whose type it does not know", () => {
      const event = single(
        parse(fixture("standard-webhooks/contact.created.spec-example.json"), config, WEBHOOK_ID),
      );

      expect(event).toEqual({
        source: "generic",
        eventId: WEBHOOK_ID,
        type: "contact.created",
        occurredAt: Date.parse("2022-11-03T20:26:10.344Z"),
        accountId: null,
        refs: [],
        signals: [],
        ignored: true,
      });
    });

    it("rejects a day its month does not have, which Date.parse would roll into the next month", () => {
      for (const timestamp of [
        "2026-09-31T12:00:00Z",
        "2026-02-29T00:00:00Z",
        "2026-11-31T00:00:00Z",
      ]) {
        const body = { ...genericEvent("ces", { score: 3 }), timestamp };
        expectMalformed(
          () => parse(body, config, WEBHOOK_ID),
          /^timestamp: not a valid date-time$/,
        );
      }
      const leapDay = { ...genericEvent("ces", { score: 3 }), timestamp: "2024-02-29T00:00:00Z" };
      expect(single(parse(leapDay, config, WEBHOOK_ID)).occurredAt).toBe(Date.UTC(2024, 1, 29));
    });

    it("acknowledges an unknown type dated before 1970: its time is only for the logs", () => {
      for (const timestamp of ["1969-12-31T23:59:59Z", "0001-01-01T00:00:00Z"]) {
        const body = { type: "contact.created", timestamp, data: {} };
        expect(single(parse(body, config, WEBHOOK_ID))).toMatchObject({
          ignored: true,
          occurredAt: Date.parse(timestamp),
        });
      }
    });

    it("requires the webhook-id", () => {
      expectMalformed(
        () => parse(genericEvent("ces", { score: 3 }), config, undefined),
        /webhook-id header is required/,
      );
    });

    it("rejects a payload without data", () => {
      expectMalformed(
        () => parse({ type: "nps", timestamp: TIMESTAMP }, config, WEBHOOK_ID),
        /generic event: data must be an object/,
      );
    });
  });
});
