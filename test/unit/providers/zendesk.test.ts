import { describe, expect, it } from "vitest";
import { parse } from "../../../functions/webhook/providers/zendesk/map.ts";
import { config, expectMalformed, fixture, type Json, single } from "./support.ts";

const TIME = "2025-01-08T16:45:20.987654321Z";
const ORG = "8447346622462";

/** A ticket event shaped like Zendesk's documented ticket event payloads. */
function ticketEvent(action: string, event: Json = {}, detail: Json = {}): Json {
  return {
    type: `zen:event-type:ticket.${action}`,
    account_id: 22_129_848,
    id: "a8b9c1d2-3e4f-5a6b-7c8d-9e0f1a2b3c4d",
    time: TIME,
    zendesk_event_version: "2022-11-06",
    subject: "zen:ticket:5158",
    detail: {
      actor_id: "8447388090494",
      created_at: "2025-01-08T10:12:07Z",
      description: "Customer cannot log in to the mobile app",
      id: "5158",
      is_public: true,
      organization_id: ORG,
      priority: "HIGH",
      requester_id: "8447388090494",
      status: "OPEN",
      subject: "Cannot login to mobile app",
      type: "PROBLEM",
      updated_at: "2025-01-08T16:45:20Z",
      via: { channel: "web_service" },
      ...detail,
    },
    event,
  };
}

const statusChange = (previous: string, current: string): Json =>
  ticketEvent("status_changed", { previous, current });

describe("zendesk adapter", () => {
  describe("ticket.created", () => {
    it("maps to ticket_opened with priority and description", () => {
      const event = single(parse(ticketEvent("created"), config));

      expect(event).toEqual({
        source: "zendesk",
        eventId: "a8b9c1d2-3e4f-5a6b-7c8d-9e0f1a2b3c4d",
        type: "zen:event-type:ticket.created",
        occurredAt: Date.parse("2025-01-08T16:45:20.987Z"),
        accountId: null,
        refs: [{ kind: "zendesk", id: ORG }],
        signals: [
          {
            kind: "ticket_opened",
            ticketId: "5158",
            priority: "high",
            text: "Customer cannot log in to the mobile app",
          },
        ],
        ignored: false,
      });
    });

    it("falls back to the subject and leaves an unset priority out", () => {
      const event = single(
        parse(ticketEvent("created", {}, { description: "", priority: null }), config),
      );

      expect(event.signals).toEqual([
        { kind: "ticket_opened", ticketId: "5158", text: "Cannot login to mobile app" },
      ]);
    });

    it("reads numeric ids as strings", () => {
      const event = single(
        parse(ticketEvent("created", {}, { id: 5158, organization_id: 42 }), config),
      );

      expect(event.signals[0]).toMatchObject({ ticketId: "5158" });
      expect(event.refs).toEqual([{ kind: "zendesk", id: "42" }]);
    });

    it.each([null, "0", ""])("learns no organization alias from organization_id %j", (orgId) => {
      const event = single(parse(ticketEvent("created", {}, { organization_id: orgId }), config));

      expect(event.refs).toEqual([]);
    });
  });

  describe("ticket.status_changed", () => {
    it.each([
      ["OPEN", "SOLVED"],
      ["PENDING", "CLOSED"],
      ["open", "solved"],
    ])("maps %s → %s to ticket_solved", (previous, current) => {
      const event = single(parse(statusChange(previous, current), config));

      expect(event.signals).toEqual([{ kind: "ticket_solved", ticketId: "5158" }]);
      expect(event.ignored).toBe(false);
    });

    it.each([
      ["SOLVED", "OPEN"],
      ["CLOSED", "PENDING"],
      ["SOLVED", "NEW"],
    ])("maps %s → %s to ticket_reopened", (previous, current) => {
      const event = single(parse(statusChange(previous, current), config));

      expect(event.signals).toEqual([
        { kind: "ticket_reopened", ticketId: "5158", priority: "high" },
      ]);
    });

    it("maps a reopened status to ticket_reopened", () => {
      const event = single(parse(statusChange("OPEN", "REOPENED"), config));

      expect(event.signals[0]?.kind).toBe("ticket_reopened");
    });

    it.each([
      ["NEW", "OPEN"],
      ["OPEN", "PENDING"],
      ["PENDING", "HOLD"],
      ["SOLVED", "CLOSED"],
      ["OPEN", "DELETED"],
    ])("ignores %s → %s, which says nothing about health", (previous, current) => {
      const event = single(parse(statusChange(previous, current), config));

      expect(event).toMatchObject({ signals: [], ignored: true });
    });

    it("rejects a status change without a current status", () => {
      expectMalformed(
        () => parse(ticketEvent("status_changed", { previous: "OPEN" }), config),
        /current/,
      );
    });
  });

  describe("ticket.priority_changed", () => {
    it("maps the current priority to ticket_priority", () => {
      const event = single(
        parse(ticketEvent("priority_changed", { previous: "HIGH", current: "URGENT" }), config),
      );

      expect(event.signals).toEqual([
        { kind: "ticket_priority", ticketId: "5158", priority: "urgent" },
      ]);
    });

    it("ignores a cleared priority", () => {
      const event = single(
        parse(ticketEvent("priority_changed", { previous: "HIGH", current: null }), config),
      );

      expect(event.ignored).toBe(true);
    });

    it("rejects an unknown priority, naming the field", () => {
      expectMalformed(
        () => parse(ticketEvent("priority_changed", { current: "SEVERE" }), config),
        /current must be low, normal, high or urgent/,
      );
    });
  });

  describe("ticket.comment_added", () => {
    const comment = (overrides: Json = {}): Json => ({
      comment: {
        id: "9876543210",
        body: "Still broken after the update.",
        is_public: true,
        author: { id: "8447388090494", is_staff: false, name: "Customer" },
        ...overrides,
      },
    });

    it("maps a customer's public comment to ticket_comment", () => {
      const event = single(parse(ticketEvent("comment_added", comment()), config));

      expect(event.signals).toEqual([
        { kind: "ticket_comment", ticketId: "5158", text: "Still broken after the update." },
      ]);
    });

    it("ignores internal notes and agents' replies", () => {
      const note = single(
        parse(ticketEvent("comment_added", comment({ is_public: false })), config),
      );
      const reply = single(
        parse(ticketEvent("comment_added", comment({ author: { is_staff: true } })), config),
      );

      expect(note.ignored).toBe(true);
      expect(reply.ignored).toBe(true);
    });

    it("rejects a comment without a body", () => {
      expectMalformed(
        () => parse(ticketEvent("comment_added", { comment: { is_public: true } }), config),
        /comment\.body/,
      );
    });
  });

  describe("other events", () => {
    it("ignores the documented user event", () => {
      const event = single(parse(fixture("zendesk/user.active_changed.docs-example.json"), config));

      expect(event).toEqual({
        source: "zendesk",
        eventId: "2b24ef10-19d4-4740-93cf-8f98ec4776c0",
        type: "zen:event-type:user.active_changed",
        occurredAt: Date.parse("2099-07-04T05:33:18Z"),
        accountId: null,
        refs: [],
        signals: [],
        ignored: true,
      });
    });

    it("ignores ticket events it does not map", () => {
      const event = single(parse(ticketEvent("tags_changed", { current: ["vip"] }), config));

      expect(event.ignored).toBe(true);
    });
  });

  describe("malformed payloads", () => {
    it("rejects a ticket event without a ticket id", () => {
      expectMalformed(
        () => parse(ticketEvent("created", {}, { id: undefined }), config),
        /zendesk ticket: detail\.id/,
      );
    });

    it("rejects an envelope without an event id", () => {
      const { id: _id, ...body } = ticketEvent("created");

      expectMalformed(() => parse(body, config), /zendesk event: id/);
    });

    it("rejects a time that is not an ISO date-time", () => {
      expectMalformed(
        () => parse({ ...ticketEvent("created"), time: "yesterday" }, config),
        /time/,
      );
    });
  });
});
