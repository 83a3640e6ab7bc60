/** Zendesk webhook payload schemas: the event envelope, the ticket `detail`, and each change `event`. */
import * as z from "zod/mini";
import { Id, Identifier, IsoDateTime } from "../common.ts";

export const Priority = z.nullish(
  z.string().check(z.regex(/^(low|normal|high|urgent)?$/i, "must be low, normal, high or urgent")),
);
export const Status = z.string().check(z.maxLength(64));

/** The envelope; `detail` and `event` are read per event type below. */
export const ZendeskEvent = z.looseObject({
  type: z.string().check(z.minLength(1), z.maxLength(256)),
  id: Identifier,
  time: IsoDateTime,
  detail: z.optional(z.looseObject({})),
  event: z.optional(z.looseObject({})),
});

export const TicketDetail = z.looseObject({
  id: Id,
  /** "" (or "0") means no organization. */
  organization_id: z.nullish(z.union([z.literal(""), Id])),
  priority: Priority,
  description: z.nullish(z.string()),
  subject: z.nullish(z.string()),
});

export const StatusChange = z.looseObject({ current: Status, previous: z.nullish(Status) });
export const PriorityChange = z.looseObject({ current: Priority });
export const CommentAdded = z.looseObject({
  comment: z.looseObject({
    body: z.string(),
    is_public: z.optional(z.boolean()),
    author: z.nullish(z.looseObject({ is_staff: z.optional(z.boolean()) })),
  }),
});
