/**
 * The one list of webhook providers. Routes (`POST /webhooks/{name}`), secrets (local
 * environment variables and the Secrets Manager JSON keys), the CDK topology, the local
 * runtime's dev secrets and the README's Webhooks table all derive from it.
 *
 * Adding a provider: a folder `providers/<name>/` exporting a WebhookProvider, plus its
 * line below.
 */
import { generic } from "./generic/index.ts";
import type { WebhookProvider } from "./provider.ts";
import { segment } from "./segment/index.ts";
import { stripe } from "./stripe/index.ts";
import { typeform } from "./typeform/index.ts";
import { zendesk } from "./zendesk/index.ts";

/** Every provider, in the order routes, secrets and docs list them. */
export const PROVIDERS = [stripe, zendesk, typeform, segment, generic] as const;

/** A provider's name: its route segment and the `source` of its events. */
export type Provider = (typeof PROVIDERS)[number]["name"];

export const PROVIDER_NAMES: readonly Provider[] = PROVIDERS.map((p) => p.name);

const BY_NAME: ReadonlyMap<string, WebhookProvider<Provider>> = new Map(
  PROVIDERS.map((p) => [p.name, p]),
);

/** True when `name` is a registered provider. */
export const isProvider = (name: string | undefined): name is Provider =>
  name !== undefined && BY_NAME.has(name);

/** The provider called `name`; undefined when there is none (answer 404). */
export const providerNamed = (name: string): WebhookProvider<Provider> | undefined =>
  BY_NAME.get(name);

/** The webhook path of `provider` (the topology's route is `/webhooks/{provider}`). */
export const webhookPath = (provider: Provider) => `/webhooks/${provider}`;

/** A value per provider, e.g. its secret variable: `perProvider((p) => p.secretEnv)`. */
export function perProvider<T>(value: (provider: WebhookProvider<Provider>) => T) {
  return Object.fromEntries(PROVIDERS.map((p) => [p.name, value(p)])) as Record<Provider, T>;
}

/** The README's Webhooks table (a unit test keeps README.md equal to it). */
export function webhookTableMarkdown(): string {
  const rows = PROVIDERS.map((p) => `| \`POST ${webhookPath(p.name)}\` | ${p.signatureDoc} |`);
  return ["| route | signature checked |", "|---|---|", ...rows].join("\n");
}
