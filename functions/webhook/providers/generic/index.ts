/** Any tool that signs with Standard Webhooks, in our own small event vocabulary. */
import { headerOf, type WebhookProvider } from "../provider.ts";
import { parse } from "./map.ts";
import { verifyStandardWebhook } from "./verify.ts";

export const generic: WebhookProvider<"generic"> = {
  name: "generic",
  secretEnv: "GENERIC_WEBHOOK_SECRET",
  devSecret: "whsec_ZGV2LWdlbmVyaWMtc2VjcmV0LTMyLWJ5dGVzISE=",
  signatureDoc:
    "Standard Webhooks `webhook-id` / `webhook-timestamp` / `webhook-signature` (5 min tolerance)",
  verify: verifyStandardWebhook,
  // The event id is the signed `webhook-id` header, not part of the body.
  parse: (body, config, headers) => parse(body, config, headerOf(headers, "webhook-id")),
};
