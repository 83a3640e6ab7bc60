/** Stripe: billing events (invoices, subscriptions, charges, disputes) and customer aliases. */
import type { WebhookProvider } from "../provider.ts";
import { parse } from "./map.ts";
import { verifyStripe } from "./verify.ts";

export const stripe: WebhookProvider<"stripe"> = {
  name: "stripe",
  secretEnv: "STRIPE_WEBHOOK_SECRET",
  devSecret: "whsec_dev_stripe_secret",
  signatureDoc: "`Stripe-Signature` (any `v1`, 300 s tolerance)",
  verify: verifyStripe,
  parse: (body, config) => parse(body, config),
};
