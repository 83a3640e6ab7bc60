/** Segment message schema (Classic bodies): the envelope is strict, traits and properties free-form. */
import * as z from "zod/mini";
import { Id, Identifier, IsoDateTime } from "../common.ts";

export const Traits = z.nullish(z.looseObject({}));

/** One message; a batch is a JSON array of them. */
export const SegmentMessage = z.looseObject({
  type: z.string().check(z.minLength(1), z.maxLength(64)),
  messageId: Identifier,
  timestamp: z.nullish(IsoDateTime),
  sentAt: z.nullish(IsoDateTime),
  receivedAt: z.nullish(IsoDateTime),
  userId: z.nullish(Id),
  groupId: z.nullish(Id),
  event: z.nullish(z.string().check(z.maxLength(512))),
  properties: Traits,
  traits: Traits,
  context: z.nullish(z.looseObject({ groupId: z.nullish(Id), traits: Traits })),
});
export type SegmentMessage = z.infer<typeof SegmentMessage>;
