/** The webhook providers, as the CDK app needs them: secret keys and URL paths. */
import type { Provider } from "../functions/webhook/verify.ts";

// A record, not an array, so that adding a provider to `Provider` fails to compile here.
const PROVIDER_SET: Readonly<Record<Provider, true>> = {
  stripe: true,
  zendesk: true,
  typeform: true,
  segment: true,
  generic: true,
};

/** Every provider the webhook function verifies, in a stable order. */
export const WEBHOOK_PROVIDERS = Object.keys(PROVIDER_SET) as readonly Provider[];

/** The webhook path for `provider` (ROUTES has `/webhooks/{provider}`). */
export const webhookPath = (provider: Provider) => `/webhooks/${provider}`;
