/** Typeform: survey answers (NPS, CSAT, CES) from `form_response`. */
import type { WebhookProvider } from "../provider.ts";
import { parse } from "./map.ts";
import { verifyTypeform } from "./verify.ts";

export const typeform: WebhookProvider<"typeform"> = {
  name: "typeform",
  secretEnv: "TYPEFORM_WEBHOOK_SECRET",
  devSecret: "dev-typeform-secret",
  signatureDoc: "`Typeform-Signature: sha256=…`",
  verify: verifyTypeform,
  parse: (body, config) => parse(body, config),
};
