import { describe, expect, it } from "vitest";
import { TooManyEventsError } from "../../../functions/webhook/inbound.ts";
import { MAX_BATCH_MESSAGES, parse } from "../../../functions/webhook/providers/segment/map.ts";
import { config, expectMalformed, fixture, type Json, single } from "./support.ts";

const AT = Date.parse("2012-12-02T00:30:08.276Z");
const USER = { kind: "segment", id: "019mr8mf4r" };

/** A documented Classic body with the `messageId` real deliveries carry. */
function message(name: "track" | "identify" | "group" | "page", overrides: Json = {}): Json {
  return { ...fixture(`segment/${name}.json`), messageId: `msg-${name}`, ...overrides };
}

const track = (properties: Json = {}, overrides: Json = {}): Json =>
  message("track", { properties, ...overrides });

describe("segment adapter", () => {
  describe("batch size", () => {
    const batch = (size: number) =>
      Array.from({ length: size }, (_, i) => ({ ...message("track"), messageId: `m-${i}` }));

    it("maps a batch of the maximum size, one event per message", () => {
      expect(parse(batch(MAX_BATCH_MESSAGES), config)).toHaveLength(MAX_BATCH_MESSAGES);
    });

    it("refuses one message more, naming the limit", () => {
      expect(() => parse(batch(MAX_BATCH_MESSAGES + 1), config)).toThrow(TooManyEventsError);
      expect(() => parse(batch(MAX_BATCH_MESSAGES + 1), config)).toThrow(
        `above the limit of ${MAX_BATCH_MESSAGES} per request`,
      );
    });
  });

  describe("track", () => {
    it("maps the documented track call to one usage", () => {
      const event = single(parse(message("track"), config));

      expect(event).toEqual({
        source: "segment",
        eventId: "msg-track",
        type: "track",
        occurredAt: AT,
        accountId: null,
        refs: [USER],
        signals: [{ kind: "usage", event: "Purchased an Item", count: 1 }],
        ignored: false,
      });
    });

    it("counts properties.count when it is a positive integer", () => {
      const event = single(parse(track({ count: 5 }), config));

      expect(event.signals).toEqual([{ kind: "usage", event: "Purchased an Item", count: 5 }]);
    });

    it.each([0, -2, 1.5, "3", 2_000_000])("counts once when properties.count is %j", (count) => {
      const event = single(parse(track({ count }), config));

      expect(event.signals[0]).toMatchObject({ kind: "usage", count: 1 });
    });

    it("adds feature_used for an event mapped in the configuration", () => {
      const event = single(parse(track({}, { event: "Report Exported" }), config));

      expect(event.signals).toEqual([
        { kind: "usage", event: "Report Exported", count: 1 },
        { kind: "feature_used", feature: "reports" },
      ]);
    });

    it("adds feature_used for properties.feature", () => {
      const event = single(parse(track({ feature: "dashboards" }), config));

      expect(event.signals[1]).toEqual({ kind: "feature_used", feature: "dashboards" });
    });

    it("does not take inherited object keys for configured features", () => {
      const event = single(parse(track({}, { event: "constructor" }), config));

      expect(event.signals).toEqual([{ kind: "usage", event: "constructor", count: 1 }]);
    });

    it("takes the account from context.groupId, then properties.account_id", () => {
      const fromContext = single(parse(track({}, { context: { groupId: "acct-ctx" } }), config));
      const fromProperties = single(parse(track({ account_id: 77 }), config));

      expect(fromContext.accountId).toBe("acct-ctx");
      expect(fromProperties.accountId).toBe("77");
    });

    it("rejects a track call without an event name", () => {
      expectMalformed(() => parse(track({}, { event: "" }), config), /event is required/);
    });
  });

  describe("identify", () => {
    it("is ignored with no profile traits and no account to learn", () => {
      const event = single(parse(message("identify"), config));

      expect(event).toMatchObject({ signals: [], ignored: true });
    });

    it("refers to the user and email domain when the account is unknown", () => {
      const traits = { email: "Achilles@Segment.com", company: "Acme" };

      const event = single(parse(message("identify", { traits }), config));

      expect(event).toMatchObject({
        accountId: null,
        refs: [USER, { kind: "domain", id: "segment.com" }],
        signals: [{ kind: "profile", name: "Acme" }],
      });
    });

    it("teaches only the user alias when the account is known, never the email domain", () => {
      const event = single(parse(message("identify", { context: { groupId: "acct-1" } }), config));

      expect(event).toMatchObject({
        accountId: "acct-1",
        refs: [USER],
        signals: [],
        ignored: false,
      });
    });

    it("maps company, plan, seats and owner traits to a profile", () => {
      const traits = {
        email: "achilles@segment.com",
        name: "Achilles",
        company: { name: "Initech", plan: "Enterprise" },
        seats: 40,
        account_owner: "jane@vendor.example",
      };

      const event = single(parse(message("identify", { traits }), config));

      expect(event.signals).toEqual([
        {
          kind: "profile",
          name: "Initech",
          plan: "Enterprise",
          seats: 40,
          owner: "jane@vendor.example",
        },
      ]);
    });
  });

  describe("group", () => {
    it("maps the documented group call to a profile with the group as account", () => {
      const event = single(parse(message("group"), config));

      expect(event).toEqual({
        source: "segment",
        eventId: "msg-group",
        type: "group",
        occurredAt: AT,
        accountId: "0e8c78ea9d97a7b8185e8632",
        refs: [USER],
        signals: [{ kind: "profile", name: "Initech", plan: "Enterprise" }],
        ignored: false,
      });
    });

    it("reads seats given as a numeric string and the owner", () => {
      const traits = { name: "Initech", seats: "25", owner: "sam@vendor.example" };

      const event = single(parse(message("group", { traits }), config));

      expect(event.signals[0]).toEqual({
        kind: "profile",
        name: "Initech",
        seats: 25,
        owner: "sam@vendor.example",
      });
    });

    it("skips traits of an unexpected shape instead of failing the delivery", () => {
      const traits = { name: { first: "Ini" }, plan: 3, seats: -1 };

      const event = single(parse(message("group", { traits }), config));

      expect(event).toMatchObject({
        signals: [],
        ignored: false,
        accountId: "0e8c78ea9d97a7b8185e8632",
      });
    });

    it("rejects a group call without groupId", () => {
      expectMalformed(
        () => parse(message("group", { groupId: null }), config),
        /groupId is required/,
      );
    });
  });

  describe("page, screen and others", () => {
    it.each(["page", "screen"])("maps %s to active", (type) => {
      const event = single(parse(message("page", { type }), config));

      expect(event.signals).toEqual([{ kind: "active" }]);
      expect(event.type).toBe(type);
    });

    it("ignores alias calls", () => {
      const body = {
        type: "alias",
        messageId: "msg-alias",
        previousId: "anon-1",
        userId: "u1",
        timestamp: "2024-01-01T00:00:00Z",
      };

      const event = single(parse(body, config));

      expect(event).toEqual({
        source: "segment",
        eventId: "msg-alias",
        type: "alias",
        occurredAt: Date.parse("2024-01-01T00:00:00Z"),
        accountId: null,
        refs: [],
        signals: [],
        ignored: true,
      });
    });
  });

  describe("batches", () => {
    it("maps every message of a JSON array batch, in order", () => {
      const events = parse([message("track"), message("page"), message("group")], config);

      expect(events.map((event) => [event.eventId, event.signals[0]?.kind])).toEqual([
        ["msg-track", "usage"],
        ["msg-page", "active"],
        ["msg-group", "profile"],
      ]);
    });

    it("maps an empty batch to no events", () => {
      expect(parse([], config)).toEqual([]);
    });

    it("rejects a batch holding an invalid message, naming its index", () => {
      const { messageId: _id, ...anonymous } = message("page");

      expectMalformed(
        () => parse([message("track"), anonymous], config),
        /segment message 1: messageId/,
      );
    });

    it("names the message's index and field for a fault found past the envelope too", () => {
      const named = track({ account_id: "Acme Inc" });
      const sentOnly = track({}, { timestamp: undefined, sentAt: "2026-09-31T10:00:00Z" });

      expectMalformed(
        () => parse([message("page"), message("page"), named], config),
        /^segment message 2: properties\.account_id holds a character that is not allowed/,
      );
      expectMalformed(
        () => parse([message("page"), sentOnly], config),
        /^segment message 1: sentAt: not a valid date-time$/,
      );
    });
  });

  describe("timestamps and ids", () => {
    it("falls back to sentAt, then receivedAt", () => {
      const sent = single(
        parse(track({}, { timestamp: undefined, sentAt: "2024-01-02T03:04:05Z" }), config),
      );
      const received = single(
        parse(track({}, { timestamp: null, receivedAt: "2024-01-02T03:04:06.5Z" }), config),
      );

      expect(sent.occurredAt).toBe(Date.parse("2024-01-02T03:04:05Z"));
      expect(received.occurredAt).toBe(Date.parse("2024-01-02T03:04:06.500Z"));
    });

    it("rejects a message without any timestamp", () => {
      expectMalformed(
        () => parse(track({}, { timestamp: undefined }), config),
        /timestamp is required/,
      );
    });

    it("rejects the documented body as is, since it lacks messageId", () => {
      expectMalformed(() => parse(fixture("segment/track.json"), config), /messageId/);
    });
  });
});
