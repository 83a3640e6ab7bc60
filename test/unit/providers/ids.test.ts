/**
 * The one id rule at the webhook edge (issue 9 §2): every id a payload carries that we
 * key on or store is checked, and one that breaks the rule is malformed, naming its field.
 */
import { describe, expect, it } from "vitest";
import { MAX_ID_BYTES } from "../../../functions/domain/ids.ts";
import { parseDelivery } from "../../../functions/webhook/providers/index.ts";
import type { Provider } from "../../../functions/webhook/providers/registry.ts";
import { bytes, config, expectMalformed, fixture, type Json } from "./support.ts";

/** Ids every provider must refuse, and the reason each gets. */
const BAD_IDS: readonly [string, string, RegExp][] = [
  ["480 × €", "€".repeat(480), new RegExp(`is longer than ${MAX_ID_BYTES} bytes`)],
  ["508 × €", "€".repeat(508), new RegExp(`is longer than ${MAX_ID_BYTES} bytes`)],
  ["a key separator", "acme#SCORE", /holds a character that is not allowed/],
  ["a space", "acme corp", /holds a character that is not allowed/],
  ["an emoji", "acme🚀", /holds a character that is not allowed/],
  ["a slash", "acme/../x", /holds a character that is not allowed/],
];

const stripeInvoice = (): Json => ({
  id: "evt_1",
  object: "event",
  type: "invoice.payment_failed",
  created: 1_700_000_000,
  data: { object: { ...fixture("stripe/openapi-fixtures3.invoice.json"), metadata: {} } },
});
const zendeskTicket = (): Json => ({
  ...fixture("zendesk/user.active_changed.docs-example.json"),
  type: "zen:event-type:ticket.created",
  detail: { id: "5158", organization_id: "77", description: "Help" },
});
const typeformResponse = (): Json => {
  const body = fixture("typeform/form_response.docs-example.json");
  body.form_response.hidden = { account_id: "acct-1" };
  body.form_response.answers.push({
    type: "number",
    number: 9,
    field: { id: "n", type: "opinion_scale", ref: "nps" },
  });
  return body;
};
const segmentTrack = (): Json => ({ ...fixture("segment/track.json"), messageId: "m-1" });
const genericUsage = (): Json => ({
  type: "usage",
  timestamp: "2024-01-01T00:00:00Z",
  data: { account_id: "acct-1", event: "login" },
});
const genericTicket = (): Json => ({
  type: "ticket",
  timestamp: "2024-01-01T00:00:00Z",
  data: { account_id: "acct-1", ticket_id: "T-1", status: "open" },
});

/** Each id field: the provider, a valid body, how to put `id` in it, and how the reason names it. */
const FIELDS: readonly [string, Provider, () => Json, (body: Json, id: string) => void, RegExp][] =
  [
    [
      "Stripe event id",
      "stripe",
      stripeInvoice,
      (b, id) => {
        b.id = id;
      },
      /\bid\b/,
    ],
    [
      "Stripe invoice id",
      "stripe",
      stripeInvoice,
      (b, id) => {
        b.data.object.id = id;
      },
      /data\.object\.id/,
    ],
    [
      "Stripe customer id",
      "stripe",
      stripeInvoice,
      (b, id) => {
        b.data.object.customer = id;
      },
      /data\.object\.customer/,
    ],
    [
      "Stripe metadata.account_id",
      "stripe",
      stripeInvoice,
      (b, id) => {
        b.data.object.metadata = { account_id: id };
      },
      /metadata\.account_id/,
    ],
    [
      "Zendesk event id",
      "zendesk",
      zendeskTicket,
      (b, id) => {
        b.id = id;
      },
      /\bid\b/,
    ],
    [
      "Zendesk ticket id",
      "zendesk",
      zendeskTicket,
      (b, id) => {
        b.detail.id = id;
      },
      /detail\.id/,
    ],
    [
      "Zendesk organization id",
      "zendesk",
      zendeskTicket,
      (b, id) => {
        b.detail.organization_id = id;
      },
      /detail\.organization_id/,
    ],
    [
      "Typeform event id",
      "typeform",
      typeformResponse,
      (b, id) => {
        b.event_id = id;
      },
      /event_id/,
    ],
    [
      "Typeform hidden account_id",
      "typeform",
      typeformResponse,
      (b, id) => {
        b.form_response.hidden.account_id = id;
      },
      /form_response\.hidden\.account_id/,
    ],
    [
      "Segment messageId",
      "segment",
      segmentTrack,
      (b, id) => {
        b.messageId = id;
      },
      /messageId/,
    ],
    [
      "Segment userId",
      "segment",
      segmentTrack,
      (b, id) => {
        b.userId = id;
      },
      /userId/,
    ],
    [
      "Segment groupId",
      "segment",
      segmentTrack,
      (b, id) => {
        b.groupId = id;
      },
      /groupId/,
    ],
    [
      "Segment context.groupId",
      "segment",
      segmentTrack,
      (b, id) => {
        b.context = { groupId: id };
      },
      /context\.groupId/,
    ],
    [
      "Segment properties.account_id",
      "segment",
      segmentTrack,
      (b, id) => {
        b.properties = { account_id: id };
      },
      /properties\.account_id/,
    ],
    [
      "generic data.account_id",
      "generic",
      genericUsage,
      (b, id) => {
        b.data.account_id = id;
      },
      /data\.account_id/,
    ],
    [
      "generic data.ticket_id",
      "generic",
      genericTicket,
      (b, id) => {
        b.data.ticket_id = id;
      },
      /data\.ticket_id/,
    ],
  ];

const HEADERS = { "webhook-id": "msg_1" };

describe("ids in webhook payloads", () => {
  it.each(FIELDS)("accepts a valid body before any %s is changed", (_name, provider, body) => {
    expect(parseDelivery(provider, bytes(body()), config, HEADERS).length).toBe(1);
  });

  for (const [name, provider, body, put, field] of FIELDS) {
    it.each(BAD_IDS)(`rejects a ${name} with %s, naming the field and the rule`, (_, id, why) => {
      const payload = body();
      put(payload, id);
      expectMalformed(() => parseDelivery(provider, bytes(payload), config, HEADERS), field);
      expectMalformed(() => parseDelivery(provider, bytes(payload), config, HEADERS), why);
    });
  }

  it.each(BAD_IDS)("rejects a generic webhook-id header with %s", (_, id, why) => {
    const run = () => parseDelivery("generic", bytes(genericUsage()), config, { "webhook-id": id });
    expectMalformed(run, /webhook-id header/);
    expectMalformed(run, why);
  });

  it("accepts ids of any script, digits and . _ - : @ + = ~, up to the byte limit", () => {
    const payload = segmentTrack();
    payload.messageId = "é".repeat(MAX_ID_BYTES / 2); // 2 bytes each: exactly the limit
    payload.userId = "ユーザー_1.a-b:c@d+e=f~g";
    payload.groupId = 12345;
    const [event] = parseDelivery("segment", bytes(payload), config);
    expect(event).toMatchObject({ eventId: payload.messageId, accountId: "12345" });
  });

  it("keeps an event whose email domain cannot be an id, without offering that domain", () => {
    const payload = segmentTrack();
    delete payload.groupId;
    payload.context = { traits: { email: `a@${"x".repeat(250)}.com` } };
    const [event] = parseDelivery("segment", bytes(payload), config);
    expect(event?.refs.some((ref) => ref.kind === "domain")).toBe(false);
  });
});
