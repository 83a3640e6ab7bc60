/**
 * Stripe payload schemas: the event envelope and each `data.object` we read. Handles both
 * invoice shapes: the top-level `subscription` of endpoints pinned before API version
 * 2025-03-31, and `parent.subscription_details` after it; and both period shapes:
 * `current_period_end` on the subscription (before) or on its items (after).
 */
import * as z from "zod/mini";
import { SUBSCRIPTION_STATUSES } from "../../../domain/signals.ts";
import { Currency, Identifier, MinorUnits } from "../common.ts";

/** Ids of objects we do not key on (prices, products, coupons: some are chosen by the user). */
export const ObjectId = z.string().check(z.minLength(1), z.maxLength(512));
/** Ids we key on or store (events, invoices, customers, subscriptions, charges): the id rule. */
export const KeyId = Identifier;
export const Int = z.number().check(z.int(), z.gte(0));
/** Only `account_id` is read; Stripe metadata values are strings. */
export const Metadata = z.nullish(z.looseObject({ account_id: z.optional(z.string()) }));
/** An expandable reference: the id, or the object when the endpoint expands it. */
export const Expandable = z.union([KeyId, z.looseObject({ id: KeyId, metadata: Metadata })]);
/** A price's product: its id, or the product when expanded. */
export const ProductRef = z.union([ObjectId, z.looseObject({ id: ObjectId })]);

/** The event envelope: `data.object` is validated per event type below. */
export const StripeEvent = z.looseObject({
  id: KeyId,
  type: z.string().check(z.minLength(1), z.maxLength(256)),
  created: Int,
  data: z.looseObject({ object: z.looseObject({}) }),
});

export const SubscriptionDetails = z.nullish(
  z.looseObject({ subscription: z.nullish(Expandable), metadata: Metadata }),
);

export const Invoice = z.looseObject({
  id: KeyId,
  customer: z.nullish(Expandable),
  currency: Currency,
  amount_paid: MinorUnits,
  amount_due: MinorUnits,
  attempt_count: Int,
  metadata: Metadata,
  /** API versions before 2025-03-31. */
  subscription: z.nullish(Expandable),
  subscription_details: SubscriptionDetails,
  /** API version 2025-03-31 and later. */
  parent: z.nullish(z.looseObject({ subscription_details: SubscriptionDetails })),
});

export const Coupon = z.looseObject({
  percent_off: z.nullish(z.number().check(z.gte(0), z.lte(100))),
  amount_off: z.nullish(MinorUnits),
  currency: z.nullish(Currency),
  duration: z.optional(z.string()),
});
/** `coupon` was auto-expanded until 2025-09-30.clover; since then it is `source.coupon`, an id unless expanded. */
export const CouponRef = z.nullish(z.union([ObjectId, Coupon]));
export const Discount = z.looseObject({
  id: z.optional(ObjectId),
  coupon: CouponRef,
  source: z.nullish(z.looseObject({ coupon: CouponRef })),
  end: z.nullish(Int),
});

export const INTERVALS = ["day", "week", "month", "year"] as const;
export type Interval = (typeof INTERVALS)[number];

export const Price = z.looseObject({
  id: ObjectId,
  nickname: z.nullish(z.string()),
  product: z.nullish(ProductRef),
  unit_amount: z.nullish(MinorUnits),
  unit_amount_decimal: z.nullish(z.string()),
  recurring: z.nullish(
    z.looseObject({
      interval: z.enum(INTERVALS),
      interval_count: z.number().check(z.int(), z.gte(1)),
      usage_type: z.optional(z.string()),
    }),
  ),
});

export const Subscription = z.looseObject({
  id: KeyId,
  customer: z.nullish(Expandable),
  status: z.enum(SUBSCRIPTION_STATUSES),
  currency: Currency,
  cancel_at_period_end: z.optional(z.boolean()),
  /** Before API version 2025-03-31. */
  current_period_end: z.nullish(Int),
  items: z.looseObject({
    has_more: z.optional(z.boolean()),
    data: z.array(
      z.looseObject({
        price: Price,
        quantity: z.nullish(Int),
        /** API version 2025-03-31 and later. */
        current_period_end: z.nullish(Int),
      }),
    ),
  }),
  /** Deprecated single discount; newer versions only send `discounts`. */
  discount: z.nullish(Discount),
  discounts: z.nullish(z.array(z.union([ObjectId, Discount]))),
  metadata: Metadata,
});

export const Charge = z.looseObject({
  id: KeyId,
  customer: z.nullish(Expandable),
  amount_refunded: MinorUnits,
  currency: Currency,
  metadata: Metadata,
});

export const Dispute = z.looseObject({
  id: KeyId,
  amount: MinorUnits,
  currency: Currency,
  charge: z.nullish(
    z.union([
      ObjectId,
      z.looseObject({ id: KeyId, customer: z.nullish(Expandable), metadata: Metadata }),
    ]),
  ),
  metadata: Metadata,
});

export const Customer = z.looseObject({ id: KeyId, metadata: Metadata });

export type Expandable = z.infer<typeof Expandable>;
export type Metadata = z.infer<typeof Metadata>;
export type Subscription = z.infer<typeof Subscription>;
export type Discount = z.infer<typeof Discount>;
