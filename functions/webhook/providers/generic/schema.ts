/** Generic (Standard Webhooks) payload schemas: the envelope `{type, timestamp, data}` and the body of each type we apply. */
import * as z from "zod/mini";
import { SUBSCRIPTION_STATUSES, TICKET_PRIORITIES } from "../../../domain/signals.ts";
import { Currency, Id, IsoDateTime, MinorUnits, TEXT_MAX } from "../common.ts";

export const Name = z.string().check(z.minLength(1), z.maxLength(512));
export const Text = z.string().check(z.maxLength(TEXT_MAX));
export const score = (min: number, max: number) =>
  z.number().check(z.int(), z.gte(min), z.lte(max));

export const GenericEvent = z.looseObject({
  type: z.string().check(z.minLength(1), z.maxLength(256)),
  timestamp: IsoDateTime,
  data: z.looseObject({}),
});

/** The body of each type we apply, keyed by `type`: reasons name the field as `data.…`. */
export const BODIES = {
  usage: z.looseObject({
    data: z.looseObject({
      event: Name,
      count: z.nullish(z.number().check(z.int(), z.gte(1), z.lte(1_000_000))),
      feature: z.nullish(Name),
    }),
  }),
  nps: z.looseObject({ data: z.looseObject({ score: score(0, 10), comment: z.nullish(Text) }) }),
  csat: z.looseObject({ data: z.looseObject({ score: score(1, 5), comment: z.nullish(Text) }) }),
  ces: z.looseObject({ data: z.looseObject({ score: score(1, 7) }) }),
  ticket: z.looseObject({
    data: z.looseObject({
      ticket_id: Id,
      status: z.enum(["open", "solved", "reopened"]),
      priority: z.nullish(z.enum(TICKET_PRIORITIES)),
      text: z.nullish(Text),
    }),
  }),
  payment: z.looseObject({
    data: z.looseObject({
      status: z.enum(["succeeded", "failed", "refunded", "disputed"]),
      amount: z.nullish(MinorUnits),
      currency: z.nullish(Currency),
    }),
  }),
  subscription: z.looseObject({
    data: z.looseObject({
      status: z.enum(SUBSCRIPTION_STATUSES),
      mrr: z.nullish(MinorUnits),
      currency: z.nullish(Currency),
      seats: z.nullish(z.number().check(z.int(), z.gte(0))),
      plan: z.nullish(Name),
      renews_at: z.nullish(IsoDateTime),
      /** The customer asked to end the subscription when the current period ends. */
      cancel_at_period_end: z.nullish(z.boolean()),
    }),
  }),
  milestone: z.looseObject({ data: z.looseObject({ name: Name }) }),
} as const;
export type GenericType = keyof typeof BODIES;

export const AccountId = z.looseObject({ data: z.looseObject({ account_id: Id }) });
