/**
 * Monthly recurring revenue of a Stripe subscription, in minor units: the arithmetic of
 * billing intervals, metered items and discounts, apart from the event mapping.
 */
import type * as z from "zod/mini";
import { currencyOf } from "../common.ts";
import type { Coupon, Discount, Interval, Subscription } from "./schema.ts";

const PER_YEAR: Record<Interval, number> = { day: 365, week: 52, month: 12, year: 1 };

/** How many times per month a price billed every `count` `interval`s is charged. */
function perMonth(interval: Interval, count: number): number {
  return PER_YEAR[interval] / 12 / count;
}

/**
 * MRR in minor units: Σ unit amount × quantity normalised to a month, less the
 * subscription's discounts. Metered items are left out (their revenue is usage, not
 * committed); an item whose amount cannot be known (tiered prices) makes MRR unknown
 * (undefined) rather than wrong.
 */
export function monthlyRecurringRevenue(sub: Subscription, created: number): number | undefined {
  let mrr = 0;
  let billing: { interval: Interval; count: number } | null = null;
  for (const item of sub.items.data) {
    const recurring = item.price.recurring;
    if (!recurring) return undefined;
    billing ??= { interval: recurring.interval, count: recurring.interval_count };
    if (recurring.usage_type === "metered") continue;
    const unit = item.price.unit_amount ?? decimalAmount(item.price.unit_amount_decimal);
    if (unit === undefined) return undefined;
    mrr += unit * (item.quantity ?? 1) * perMonth(recurring.interval, recurring.interval_count);
  }
  for (const discount of visibleDiscounts(sub)) {
    const coupon = couponOf(discount);
    if (!coupon || coupon.duration === "once") continue; // a one-off discount does not recur
    if (discount.end != null && discount.end <= created) continue;
    if (coupon.percent_off != null) {
      mrr *= 1 - coupon.percent_off / 100;
    } else if (coupon.amount_off != null && billing) {
      if (coupon.currency && currencyOf(coupon.currency) !== currencyOf(sub.currency)) continue;
      // amount_off comes off each invoice, so it recurs at the billing interval.
      mrr -= coupon.amount_off * perMonth(billing.interval, billing.count);
    }
  }
  return Math.max(0, Math.round(mrr));
}

/**
 * The subscription's discounts whose objects the payload carries. `discounts` lists ids
 * unless the endpoint expands them: an id we cannot see is skipped (MRR is then
 * overstated by that discount) because adapters are pure and fetch nothing. The
 * deprecated `discount` may repeat an entry of `discounts`: each id counts once.
 */
function visibleDiscounts(sub: Subscription): Discount[] {
  const byId = new Map<string, Discount>();
  const anonymous: Discount[] = [];
  for (const entry of [sub.discount, ...(sub.discounts ?? [])]) {
    if (entry == null || typeof entry === "string") continue;
    if (entry.id === undefined) anonymous.push(entry);
    else if (!byId.has(entry.id)) byId.set(entry.id, entry);
  }
  return [...byId.values(), ...anonymous];
}

/** `unit_amount_decimal` carries sub-cent prices; null for tiered prices. */
function decimalAmount(value: string | null | undefined): number | undefined {
  return value != null && /^\d{1,15}(\.\d{1,12})?$/.test(value) ? Number(value) : undefined;
}

function couponOf(discount: Discount): z.infer<typeof Coupon> | null {
  const coupon = discount.coupon ?? discount.source?.coupon;
  return typeof coupon === "object" && coupon !== null ? coupon : null;
}
