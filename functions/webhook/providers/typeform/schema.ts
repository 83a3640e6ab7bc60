/** Typeform webhook payload schemas: `form_response` with its answers, hidden fields and definition. */
import * as z from "zod/mini";
import { Identifier, IsoDateTime } from "../common.ts";

export const Answer = z.looseObject({
  type: z.string(),
  field: z.looseObject({ id: z.string(), ref: z.optional(z.string()) }),
  number: z.optional(z.number()),
  text: z.optional(z.string()),
});
export type Answer = z.infer<typeof Answer>;

export const TypeformEvent = z.looseObject({
  event_id: Identifier,
  event_type: z.string().check(z.maxLength(256)),
  form_response: z.optional(
    z.looseObject({
      submitted_at: z.optional(IsoDateTime),
      landed_at: z.optional(IsoDateTime),
      /** Hidden fields are strings set in the form's URL. */
      hidden: z.nullish(
        z.looseObject({ account_id: z.optional(z.string()), email: z.optional(z.string()) }),
      ),
      /** Older payloads name only `field.id` in answers: the definition maps ids to refs. */
      definition: z.nullish(
        z.looseObject({
          fields: z.nullish(z.array(z.looseObject({ id: z.string(), ref: z.nullish(z.string()) }))),
        }),
      ),
      answers: z.nullish(z.array(Answer)),
    }),
  ),
});
