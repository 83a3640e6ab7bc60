import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Signal } from "../../../functions/domain/signals.ts";
import { type InboundEvent, MalformedPayloadError } from "../../../functions/webhook/inbound.ts";
import { type DeliveryHeaders, parseDelivery } from "../../../functions/webhook/providers/index.ts";
import { PROVIDER_NAMES, type Provider } from "../../../functions/webhook/providers/registry.ts";
import { bytes, config, expectMalformed, fixture, type Json, single } from "./support.ts";

const HEADERS = { "webhook-id": "msg_1" };

/** Valid bodies per provider, built from the fixtures: the starting points for mutation. */
function validBodies(): Record<Provider, Json[]> {
  const envelope = (type: string, object: Json): Json => ({
    id: "evt_1",
    type,
    created: 1_700_000_000,
    data: { object },
  });
  const segment = (name: string): Json => ({ ...fixture(`segment/${name}.json`), messageId: name });
  const ticket = (action: string, event: Json): Json => ({
    ...fixture("zendesk/user.active_changed.docs-example.json"),
    type: `zen:event-type:ticket.${action}`,
    detail: {
      id: "5158",
      organization_id: "77",
      priority: "HIGH",
      description: "Help",
      status: "OPEN",
    },
    event,
  });
  const typeform = fixture("typeform/form_response.docs-example.json");
  typeform.form_response.hidden = { account_id: "acct-1", email: "a@b.example" };
  typeform.form_response.answers.push(
    { type: "number", number: 9, field: { id: "n", type: "opinion_scale", ref: "nps" } },
    { type: "text", text: "Fine", field: { id: "c", type: "long_text", ref: "nps_comment" } },
    { type: "number", number: 4, field: { id: "s", type: "rating", ref: "csat" } },
    { type: "number", number: 2, field: { id: "e", type: "number", ref: "ces" } },
  );
  const generic = (type: string, data: Json): Json => ({
    type,
    timestamp: "2024-01-01T00:00:00Z",
    data: { account_id: "acct-1", ...data },
  });
  return {
    stripe: [
      envelope("invoice.paid", fixture("stripe/openapi-fixtures3.invoice.json")),
      envelope("invoice.payment_failed", fixture("stripe/openapi-fixtures3.invoice.json")),
      envelope("customer.subscription.updated", {
        ...fixture("stripe/openapi-fixtures3.subscription.json"),
        discounts: [{ id: "di_1", coupon: { percent_off: 10, amount_off: null } }],
      }),
      envelope("charge.refunded", fixture("stripe/openapi-fixtures3.charge.json")),
      envelope("charge.dispute.created", fixture("stripe/openapi-fixtures3.dispute.json")),
      envelope("customer.updated", fixture("stripe/openapi-fixtures3.customer.json")),
    ],
    zendesk: [
      ticket("created", {}),
      ticket("status_changed", { previous: "SOLVED", current: "OPEN" }),
      ticket("priority_changed", { previous: "LOW", current: "URGENT" }),
      ticket("comment_added", { comment: { body: "Still broken", is_public: true } }),
    ],
    typeform: [typeform],
    segment: [
      segment("track"),
      segment("identify"),
      segment("group"),
      segment("page"),
      [segment("track"), segment("group")],
    ],
    generic: [
      generic("usage", { event: "run", count: 2, feature: "reports" }),
      generic("nps", { score: 9, comment: "Good" }),
      generic("ticket", { ticket_id: "T-1", status: "open", priority: "high" }),
      generic("payment", { status: "failed", amount: 100, currency: "usd" }),
      generic("subscription", { status: "active", mrr: 100, renews_at: "2024-02-01T00:00:00Z" }),
    ],
  };
}

/** Every path into `value` (objects and arrays, up to `depth` levels). */
function pathsOf(value: Json, depth = 6, prefix: (string | number)[] = []): (string | number)[][] {
  if (depth === 0 || typeof value !== "object" || value === null) return [];
  const keys: (string | number)[] = Array.isArray(value)
    ? value.map((_, i) => i)
    : Object.keys(value);
  return keys.flatMap((key) => [
    [...prefix, key],
    ...pathsOf(value[key], depth - 1, [...prefix, key]),
  ]);
}

function withValueAt(body: Json, path: (string | number)[], value: unknown): Json {
  const copy = structuredClone(body);
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
  return copy;
}

/** Every signal an event returns is a valid domain Signal once the envelope is added. */
function expectWellFormed(events: readonly InboundEvent[]): void {
  for (const event of events) {
    for (const values of event.signals) {
      const result = Signal.safeParse({
        accountId: event.accountId,
        source: event.source,
        sourceEventId: event.eventId,
        occurredAt: event.occurredAt,
        values,
      });
      expect(result.success).toBe(true);
    }
    expect(event.ignored && event.signals.length > 0).toBe(false);
  }
}

/** Either events or MalformedPayloadError: any other outcome fails the property. */
function parsesOrRejects(
  provider: Provider,
  raw: Buffer,
  headers: DeliveryHeaders = HEADERS,
): void {
  let events: InboundEvent[];
  try {
    events = parseDelivery(provider, raw, config, headers);
  } catch (error) {
    if (error instanceof MalformedPayloadError) return;
    throw error;
  }
  expect(Array.isArray(events)).toBe(true);
  expectWellFormed(events);
}

describe("parseDelivery", () => {
  it("parses the bytes and dispatches to the provider's adapter", () => {
    const raw = bytes({
      ...fixture("stripe/event.setup_intent.created.docs-example.json"),
    });

    const event = single(parseDelivery("stripe", raw, config));

    expect(event).toMatchObject({ source: "stripe", type: "setup_intent.created", ignored: true });
  });

  it("returns one event per message of a Segment batch", () => {
    const batch = ["track", "page"].map((name) => ({
      ...fixture(`segment/${name}.json`),
      messageId: name,
    }));

    const events = parseDelivery("segment", bytes(batch), config);

    expect(events.map((event) => event.eventId)).toEqual(["track", "page"]);
  });

  it("passes the webhook-id header, in any case, to the generic adapter", () => {
    const body = {
      type: "ces",
      timestamp: "2024-01-01T00:00:00Z",
      data: { account_id: "a", score: 2 },
    };

    const event = single(parseDelivery("generic", bytes(body), config, { "Webhook-Id": "msg_9" }));

    expect(event.eventId).toBe("msg_9");
  });

  it("reports a missing webhook-id for generic deliveries", () => {
    const body = {
      type: "ces",
      timestamp: "2024-01-01T00:00:00Z",
      data: { account_id: "a", score: 2 },
    };

    expectMalformed(
      () => parseDelivery("generic", bytes(body), config),
      /webhook-id header is required/,
    );
  });

  it.each(PROVIDER_NAMES)("rejects a %s body that is not JSON", (provider) => {
    expectMalformed(
      () => parseDelivery(provider, Buffer.from("{not json"), config, HEADERS),
      /^body is not valid JSON$/,
    );
  });

  it("rejects a body that is not UTF-8", () => {
    expectMalformed(
      () => parseDelivery("stripe", Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), config),
      /^body is not valid UTF-8$/,
    );
  });

  it("rejects a JSON array for stripe", () => {
    expectMalformed(
      () => parseDelivery("stripe", bytes([]), config),
      /stripe event: body must be an object/,
    );
  });

  it.each(PROVIDER_NAMES)("rejects JSON null, numbers and strings for %s", (provider) => {
    for (const value of [null, 42, "event"]) {
      expectMalformed(() => parseDelivery(provider, bytes(value), config, HEADERS));
    }
  });

  it.each(
    Object.entries(validBodies()).flatMap(([provider, bodies]) =>
      bodies.map((body, i) => [provider as Provider, i, body] as const),
    ),
  )("maps the valid %s body #%d to well-formed events", (provider, _i, body) => {
    const events = parseDelivery(provider, bytes(body), config, HEADERS);

    expect(events.length).toBeGreaterThan(0);
    expectWellFormed(events);
  });

  describe("properties", () => {
    const provider = fc.constantFrom(...PROVIDER_NAMES);

    it("returns events or throws MalformedPayloadError for any JSON value", () => {
      fc.assert(
        fc.property(provider, fc.jsonValue(), (source, value) => {
          parsesOrRejects(source, bytes(value));
        }),
        { numRuns: 500 },
      );
    });

    it("returns events or throws MalformedPayloadError for any bytes", () => {
      fc.assert(
        fc.property(provider, fc.uint8Array({ maxLength: 256 }), (source, raw) => {
          parsesOrRejects(source, Buffer.from(raw));
        }),
        { numRuns: 500 },
      );
    });

    it("returns events or throws MalformedPayloadError for any field of a valid body replaced", () => {
      const bodies = validBodies();
      const cases = Object.entries(bodies).flatMap(([source, list]) =>
        list.map((body) => ({ source: source as Provider, body, paths: pathsOf(body) })),
      );
      const mutation = fc
        .constantFrom(...cases)
        .chain(({ source, body, paths }) =>
          fc.tuple(
            fc.constant(source),
            fc.constant(body),
            fc.constantFrom(...paths),
            fc.jsonValue({ maxDepth: 3 }),
          ),
        );
      fc.assert(
        fc.property(mutation, ([source, body, path, value]) => {
          parsesOrRejects(source, bytes(withValueAt(body, path, value)));
        }),
        { numRuns: 2000 },
      );
      // 2,000 parses take about 5 s on a loaded 2-core machine: more than vitest's default.
    }, 30_000);

    it("returns events or throws MalformedPayloadError whatever the headers", () => {
      const body = bytes({
        type: "nps",
        timestamp: "2024-01-01T00:00:00Z",
        data: { account_id: "a", score: 9 },
      });
      fc.assert(
        fc.property(
          fc.dictionary(fc.string(), fc.option(fc.string(), { nil: undefined })),
          (headers) => {
            parsesOrRejects("generic", body, headers);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
