/** The webhook providers, as the CDK app needs them: secret keys and URL paths, from the registry. */
export {
  PROVIDER_NAMES as WEBHOOK_PROVIDERS,
  webhookPath,
} from "../functions/webhook/providers/registry.ts";
