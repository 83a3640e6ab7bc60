/** Segment: product usage, features and profile traits, one message or a batch. */
import type { WebhookProvider } from "../provider.ts";
import { parse } from "./map.ts";
import { verifySegment } from "./verify.ts";

export const segment: WebhookProvider<"segment"> = {
  name: "segment",
  secretEnv: "SEGMENT_WEBHOOK_SECRET",
  devSecret: "dev-segment-secret",
  signatureDoc: "`X-Signature` (HMAC-SHA1)",
  verify: verifySegment,
  parse: (body, config) => parse(body, config),
};
