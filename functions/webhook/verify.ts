/**
 * Webhook signature verification over the exact bytes received, dispatched to the
 * provider's own check (`providers/<name>/verify.ts`; shared parts in `providers/signature.ts`).
 */
import { type Provider, providerNamed } from "./providers/registry.ts";
import { fail, type Verification, type WebhookHeaders } from "./providers/signature.ts";

export type { Provider } from "./providers/registry.ts";
export {
  TIMESTAMP_TOLERANCE_SECONDS,
  type Verification,
  type Verifier,
  type WebhookHeaders,
} from "./providers/signature.ts";
export { STRIPE_TOLERANCE_SECONDS } from "./providers/stripe/verify.ts";

/**
 * Verifies a delivery against the provider's scheme. `headers` have lower-cased names;
 * `secrets` are the provider's active secrets (two during rotation); `nowMs` is the current time.
 */
export function verifySignature(
  provider: Provider,
  rawBody: Buffer,
  headers: WebhookHeaders,
  secrets: readonly string[],
  nowMs: number,
): Verification {
  const adapter = providerNamed(provider);
  if (adapter === undefined) return fail("unknown provider");
  return adapter.verify(rawBody, headers, secrets, nowMs);
}
