/** Zendesk: ticket events, attributed through an alias of the organization id. */
import type { WebhookProvider } from "../provider.ts";
import { parse } from "./map.ts";
import { verifyZendesk } from "./verify.ts";

export const zendesk: WebhookProvider<"zendesk"> = {
  name: "zendesk",
  secretEnv: "ZENDESK_WEBHOOK_SECRET",
  devSecret: "dev-zendesk-secret",
  signatureDoc: "`X-Zendesk-Webhook-Signature` over timestamp + body (5 min tolerance)",
  verify: verifyZendesk,
  parse: (body, config) => parse(body, config),
};
