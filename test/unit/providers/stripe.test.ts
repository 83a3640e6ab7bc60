import { describe, expect, it } from "vitest";
import { parse } from "../../../functions/webhook/providers/stripe/map.ts";
import { config, expectMalformed, fixture, type Json, single } from "./support.ts";

const CREATED = 1_700_000_000;
const CUSTOMER = "cus_QXg1o8vcGmoR32";

/** A Stripe event envelope around `object`, as Stripe delivers it. */
function stripeEvent(type: string, object: Json, overrides: Json = {}): Json {
  return {
    id: "evt_test_1",
    object: "event",
    api_version: "2025-03-31.basil",
    created: CREATED,
    livemode: false,
    type,
    data: { object },
    ...overrides,
  };
}

const invoice = (): Json => fixture("stripe/openapi-fixtures3.invoice.json");
const subscription = (): Json => fixture("stripe/openapi-fixtures3.subscription.json");

/** A subscription item with a recurring price. */
function item(
  unitAmount: number | null,
  quantity: number | null,
  interval = "month",
  intervalCount = 1,
  extra: Json = {},
): Json {
  return {
    id: "si_1",
    object: "subscription_item",
    quantity,
    current_period_end: CREATED + 86_400,
    price: {
      id: "price_1",
      object: "price",
      nickname: null,
      product: "prod_1",
      unit_amount: unitAmount,
      unit_amount_decimal: unitAmount === null ? null : String(unitAmount),
      recurring: { interval, interval_count: intervalCount, usage_type: "licensed" },
    },
    ...extra,
  };
}

function subscriptionWith(items: Json[], extra: Json = {}): Json {
  const sub = subscription();
  sub.items.data = items;
  return { ...sub, ...extra };
}

function mrrOf(sub: Json): unknown {
  const event = single(parse(stripeEvent("customer.subscription.updated", sub), config));
  const values = event.signals[0];
  return values?.kind === "subscription" ? values.mrr : "not a subscription signal";
}

describe("stripe adapter", () => {
  describe("invoices", () => {
    it("maps invoice.paid to payment_succeeded with the amount paid", () => {
      const object = { ...invoice(), amount_paid: 1000 };

      const event = single(parse(stripeEvent("invoice.paid", object), config));

      expect(event).toEqual({
        source: "stripe",
        eventId: "evt_test_1",
        type: "invoice.paid",
        occurredAt: CREATED * 1000,
        accountId: null,
        refs: [
          { kind: "stripe", id: "subscription" },
          { kind: "stripe", id: CUSTOMER },
        ],
        signals: [
          {
            kind: "payment_succeeded",
            invoiceId: "in_1Pgc6tB7WZ01zgkWu9fdqL6I",
            amount: 1000,
            currency: "usd",
          },
        ],
        ignored: false,
      });
    });

    it("maps invoice.payment_failed to payment_failed with attempt and amount due", () => {
      const object = { ...invoice(), attempt_count: 2 };

      const event = single(parse(stripeEvent("invoice.payment_failed", object), config));

      expect(event.signals).toEqual([
        {
          kind: "payment_failed",
          invoiceId: "in_1Pgc6tB7WZ01zgkWu9fdqL6I",
          attempt: 2,
          amount: 1000,
          currency: "usd",
        },
      ]);
    });

    it("leaves out the attempt before the first one was made", () => {
      const event = single(parse(stripeEvent("invoice.payment_failed", invoice()), config));

      expect(event.signals[0]).not.toHaveProperty("attempt");
    });

    it("reads the subscription and account of the pre-2025-03-31 shape", () => {
      const { parent: _parent, ...object } = invoice();
      object.subscription = "sub_old";
      object.subscription_details = { metadata: { account_id: "acct-old" } };

      const event = single(parse(stripeEvent("invoice.paid", object), config));

      expect(event.accountId).toBe("acct-old");
      expect(event.refs).toEqual([
        { kind: "stripe", id: "sub_old" },
        { kind: "stripe", id: CUSTOMER },
      ]);
    });

    it("reads the subscription and account of the 2025-03-31 parent shape", () => {
      const { subscription: _subscription, ...object } = invoice();
      object.parent = {
        type: "subscription_details",
        quote_details: null,
        subscription_details: { subscription: "sub_new", metadata: { account_id: "acct-new" } },
      };

      const event = single(parse(stripeEvent("invoice.paid", object), config));

      expect(event.accountId).toBe("acct-new");
      expect(event.refs).toEqual([
        { kind: "stripe", id: "sub_new" },
        { kind: "stripe", id: CUSTOMER },
      ]);
    });

    it("takes the account from an expanded customer's metadata", () => {
      const object = {
        ...invoice(),
        customer: { id: CUSTOMER, object: "customer", metadata: { account_id: "acct-c" } },
      };

      const event = single(parse(stripeEvent("invoice.paid", object), config));

      expect(event.accountId).toBe("acct-c");
      expect(event.refs).toContainEqual({ kind: "stripe", id: CUSTOMER });
    });

    it("rejects an invoice without a currency, naming the field", () => {
      const { currency: _currency, ...object } = invoice();

      expectMalformed(
        () => parse(stripeEvent("invoice.paid", object), config),
        /stripe invoice: data\.object\.currency must be a string/,
      );
    });
  });

  describe("subscriptions", () => {
    it("maps the fixture subscription with item-level period and product plan", () => {
      const event = single(
        parse(stripeEvent("customer.subscription.created", subscription()), config),
      );

      expect(event).toMatchObject({
        type: "customer.subscription.created",
        accountId: null,
        refs: [
          { kind: "stripe", id: "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw" },
          { kind: "stripe", id: CUSTOMER },
        ],
        ignored: false,
      });
      expect(event.signals).toEqual([
        {
          kind: "subscription",
          status: "active",
          mrr: 2000,
          currency: "usd",
          seats: 1,
          plan: "prod_QXg1hqf4jFNsqG",
          renewsAt: 976_287_773_000,
          cancelAtPeriodEnd: true,
        },
      ]);
    });

    it("takes the account from the subscription metadata", () => {
      const object = { ...subscription(), metadata: { account_id: "acct-42" } };

      const event = single(parse(stripeEvent("customer.subscription.updated", object), config));

      expect(event.accountId).toBe("acct-42");
    });

    it("reports a deleted subscription as canceled, with no renewal", () => {
      const event = single(
        parse(stripeEvent("customer.subscription.deleted", subscription()), config),
      );

      expect(event.signals[0]).toMatchObject({ kind: "subscription", status: "canceled" });
      expect(event.signals[0]).not.toHaveProperty("renewsAt");
    });

    it("keeps a trialing status", () => {
      const object = { ...subscription(), status: "trialing" };

      const event = single(parse(stripeEvent("customer.subscription.created", object), config));

      expect(event.signals[0]).toMatchObject({ status: "trialing" });
    });

    it("prefers the top-level current_period_end of older API versions", () => {
      const object = { ...subscription(), current_period_end: CREATED + 100 };

      const event = single(parse(stripeEvent("customer.subscription.updated", object), config));

      expect(event.signals[0]).toMatchObject({ renewsAt: (CREATED + 100) * 1000 });
    });

    it("rejects a period end or an event time no date can show (after the year 9999)", () => {
      const object = { ...subscription(), current_period_end: 9_007_199_254_740_991 };
      expectMalformed(
        () => parse(stripeEvent("customer.subscription.updated", object), config),
        /^stripe subscription: current_period_end: not a valid Unix time \(after the year 9999\)$/,
      );
      const late = stripeEvent("customer.subscription.updated", subscription(), { created: 1e13 });
      expectMalformed(() => parse(late, config), /^stripe event: created: not a valid Unix time/);
      // The last second of 9999 is still a date.
      const last = stripeEvent("customer.subscription.updated", subscription(), {
        created: 253_402_300_799,
      });
      expect(single(parse(last, config)).occurredAt).toBe(Date.parse("9999-12-31T23:59:59Z"));
    });

    it("renews at the earliest item period end when the subscription has none", () => {
      const object = subscriptionWith([
        item(1000, 1, "month", 1, { current_period_end: CREATED + 300 }),
        item(1000, 1, "month", 1, { current_period_end: CREATED + 200 }),
      ]);

      const event = single(parse(stripeEvent("customer.subscription.updated", object), config));

      expect(event.signals[0]).toMatchObject({ renewsAt: (CREATED + 200) * 1000 });
    });

    it("sums seats over items and names the plan after the price nickname", () => {
      const first = item(1000, 5);
      first.price.nickname = "Growth";
      const object = subscriptionWith([first, item(500, 3)]);

      const event = single(parse(stripeEvent("customer.subscription.updated", object), config));

      expect(event.signals[0]).toMatchObject({ seats: 8, plan: "Growth", mrr: 6500 });
    });

    it("names the plan after the price id when there is no nickname or product", () => {
      const only = item(1000, 1);
      only.price.product = null;

      const event = single(
        parse(stripeEvent("customer.subscription.updated", subscriptionWith([only])), config),
      );

      expect(event.signals[0]).toMatchObject({ plan: "price_1" });
    });

    it("rejects an unknown subscription status", () => {
      const object = { ...subscription(), status: "dormant" };

      expectMalformed(
        () => parse(stripeEvent("customer.subscription.updated", object), config),
        /status/,
      );
    });
  });

  describe("MRR", () => {
    it("multiplies the unit amount by the quantity", () => {
      expect(mrrOf(subscriptionWith([item(2000, 3)]))).toBe(6000);
    });

    it("divides a yearly price by twelve", () => {
      expect(mrrOf(subscriptionWith([item(120_000, 2, "year")]))).toBe(20_000);
    });

    it("honours interval_count", () => {
      expect(mrrOf(subscriptionWith([item(3000, 1, "month", 3)]))).toBe(1000);
      expect(mrrOf(subscriptionWith([item(240_000, 1, "year", 2)]))).toBe(10_000);
    });

    it("normalises weekly and daily prices to a month", () => {
      expect(mrrOf(subscriptionWith([item(1200, 1, "week")]))).toBe(5200);
      expect(mrrOf(subscriptionWith([item(1200, 1, "day")]))).toBe(36_500);
    });

    it("applies a percent-off discount", () => {
      const sub = subscriptionWith([item(10_000, 1)], {
        discounts: [{ id: "di_1", object: "discount", source: { coupon: { percent_off: 25 } } }],
      });

      expect(mrrOf(sub)).toBe(7500);
    });

    it("applies an amount-off discount per billing period", () => {
      const sub = subscriptionWith([item(120_000, 1, "year")], {
        discounts: [
          {
            id: "di_1",
            coupon: { amount_off: 12_000, currency: "usd", percent_off: null, duration: "forever" },
          },
        ],
      });

      expect(mrrOf(sub)).toBe(9000);
    });

    it("counts a discount in both discount and discounts once", () => {
      const discount = { id: "di_1", coupon: { percent_off: 50, duration: "forever" } };
      const sub = subscriptionWith([item(10_000, 1)], { discount, discounts: [discount] });

      expect(mrrOf(sub)).toBe(5000);
    });

    it("skips discounts it cannot see, one-off coupons and ended discounts", () => {
      const sub = subscriptionWith([item(10_000, 1)], {
        discounts: [
          "di_unexpanded",
          { id: "di_once", coupon: { percent_off: 50, duration: "once" } },
          { id: "di_ended", end: CREATED - 1, coupon: { percent_off: 50, duration: "repeating" } },
          { id: "di_id_only", source: { coupon: "co_unexpanded" } },
        ],
      });

      expect(mrrOf(sub)).toBe(10_000);
    });

    it("never goes below zero", () => {
      const sub = subscriptionWith([item(1000, 1)], {
        discounts: [{ id: "di_1", coupon: { amount_off: 5000, currency: "usd" } }],
      });

      expect(mrrOf(sub)).toBe(0);
    });

    it("leaves metered items out of committed revenue", () => {
      const metered = item(5, null);
      metered.price.recurring.usage_type = "metered";

      expect(mrrOf(subscriptionWith([item(1000, 2), metered]))).toBe(2000);
    });

    it("leaves MRR unknown when a price has no unit amount", () => {
      const sub = subscriptionWith([item(1000, 1), item(null, 1)]);

      expect(mrrOf(sub)).toBeUndefined();
    });
  });

  describe("charges, disputes and customers", () => {
    it("maps charge.refunded to refund with the amount refunded", () => {
      const object = {
        ...fixture("stripe/openapi-fixtures3.charge.json"),
        amount_refunded: 100,
        customer: { id: CUSTOMER, metadata: { account_id: "acct-7" } },
      };

      const event = single(parse(stripeEvent("charge.refunded", object), config));

      expect(event.signals).toEqual([{ kind: "refund", amount: 100, currency: "usd" }]);
      expect(event.accountId).toBe("acct-7");
      expect(event.refs).toEqual([{ kind: "stripe", id: CUSTOMER }]);
    });

    it("maps charge.dispute.created to dispute, with no customer unless the charge is expanded", () => {
      const object = fixture("stripe/openapi-fixtures3.dispute.json");

      const event = single(parse(stripeEvent("charge.dispute.created", object), config));

      expect(event.signals).toEqual([{ kind: "dispute", amount: 1000, currency: "usd" }]);
      expect(event.refs).toEqual([]);
      expect(event.accountId).toBeNull();
    });

    it("finds the customer of a dispute through an expanded charge", () => {
      const object = {
        ...fixture("stripe/openapi-fixtures3.dispute.json"),
        charge: { id: "ch_1", customer: CUSTOMER, metadata: { account_id: "acct-d" } },
      };

      const event = single(parse(stripeEvent("charge.dispute.created", object), config));

      expect(event.refs).toEqual([{ kind: "stripe", id: CUSTOMER }]);
      expect(event.accountId).toBe("acct-d");
    });

    it.each(["customer.created", "customer.updated"])("maps %s to an alias-only event", (type) => {
      const object = {
        ...fixture("stripe/openapi-fixtures3.customer.json"),
        metadata: { account_id: "acct-9" },
      };

      const event = single(parse(stripeEvent(type, object), config));

      expect(event).toMatchObject({
        accountId: "acct-9",
        refs: [{ kind: "stripe", id: CUSTOMER }],
        signals: [],
        ignored: false,
      });
    });

    it("ignores a customer event without metadata.account_id, which has nothing to teach", () => {
      const object = fixture("stripe/openapi-fixtures3.customer.json");

      const event = single(parse(stripeEvent("customer.created", object), config));

      expect(event).toMatchObject({ accountId: null, refs: [], signals: [], ignored: true });
    });
  });

  describe("other events", () => {
    it("ignores types it does not map", () => {
      const event = single(
        parse(fixture("stripe/event.setup_intent.created.docs-example.json"), config),
      );

      expect(event).toEqual({
        source: "stripe",
        eventId: "evt_1NG8Du2eZvKYlo2CUI79vXWy",
        type: "setup_intent.created",
        occurredAt: 1_686_089_970_000,
        accountId: null,
        refs: [],
        signals: [],
        ignored: true,
      });
    });

    it("ignores the stripe-mock plan.created event", () => {
      const event = single(parse(fixture("stripe/openapi-fixtures3.event.json"), config));

      expect(event.ignored).toBe(true);
    });
  });

  describe("malformed envelopes", () => {
    it("rejects a JSON array", () => {
      expectMalformed(
        () => parse([stripeEvent("invoice.paid", invoice())], config),
        /stripe event/,
      );
    });

    it("rejects an event without an id", () => {
      const { id: _id, ...event } = stripeEvent("invoice.paid", invoice());

      expectMalformed(() => parse(event, config), /id/);
    });

    it("rejects an event without data.object", () => {
      expectMalformed(
        () => parse(stripeEvent("invoice.paid", invoice(), { data: {} }), config),
        /data\.object/,
      );
    });
  });
});
