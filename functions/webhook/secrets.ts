/**
 * The active webhook secrets per provider. Each value is a comma-separated list so that
 * two secrets can be active while a provider's secret is rotated.
 *
 * Locally (no `WEBHOOK_SECRETS_ARN`) they come from one environment variable per provider;
 * in AWS from one Secrets Manager secret holding JSON `{"stripe":"whsec_a,whsec_b",…}`,
 * read through the secrets adapter (cached across invocations, with timeouts).
 */
import {
  fetchJsonSecret,
  SECRET_MAX_AGE_SECONDS,
  type SecretFetcher,
} from "../adapters/secrets.ts";
import { type Provider, perProvider } from "./providers/registry.ts";

/** Environment variable naming the Secrets Manager secret; unset means "read the env". */
export const SECRETS_ARN_ENV = "WEBHOOK_SECRETS_ARN";

/** How long a fetched secret value is reused before Secrets Manager is asked again. */
export const SECRETS_MAX_AGE_SECONDS = SECRET_MAX_AGE_SECONDS;

/** The local environment variable holding each provider's secrets. */
export const SECRET_ENV_VARS: Readonly<Record<Provider, string>> = perProvider((p) => p.secretEnv);

/** The stored secret does not have the documented shape (an ops error: answer 5xx, log it). */
export class WebhookSecretsConfigError extends Error {
  override readonly name = "WebhookSecretsConfigError";
}

export type { SecretFetcher };

export interface SecretsSourceOptions {
  /** Defaults to `process.env`, read at each call. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to the secrets adapter's JSON fetcher (a 300 s cache). */
  readonly fetchSecret?: SecretFetcher;
}

/** Splits a comma-separated secret list, trimming each entry and dropping empty ones. */
export function parseSecretList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Reads one provider's entry of the stored JSON: a comma-separated string (or a list of them). */
function secretsFromDocument(document: unknown, provider: Provider): string[] {
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new WebhookSecretsConfigError(
      `${SECRETS_ARN_ENV} must hold a JSON object of provider to comma-separated secrets`,
    );
  }
  const entry = Object.hasOwn(document, provider)
    ? (document as Record<string, unknown>)[provider]
    : undefined;
  if (entry === undefined || entry === null) return [];
  if (typeof entry === "string") return parseSecretList(entry);
  if (Array.isArray(entry) && entry.every((e) => typeof e === "string")) {
    return entry.flatMap((e: string) => parseSecretList(e));
  }
  throw new WebhookSecretsConfigError(
    `${SECRETS_ARN_ENV}: the "${provider}" entry must be a string of comma-separated secrets`,
  );
}

/** Builds a `secretsFor` over the given environment and fetcher (injectable for tests). */
export function createSecretsSource(
  options: SecretsSourceOptions = {},
): (provider: Provider) => Promise<string[]> {
  const env = options.env ?? process.env;
  const fetchSecret = options.fetchSecret ?? fetchJsonSecret;
  return async function secretsFor(provider) {
    const arn = env[SECRETS_ARN_ENV]?.trim();
    if (!arn) return parseSecretList(env[SECRET_ENV_VARS[provider]]);
    return secretsFromDocument(await fetchSecret(arn), provider);
  };
}

const defaultSource = createSecretsSource();

/** The active secrets for `provider`; empty when none is configured (answer 401). */
export async function secretsFor(provider: Provider): Promise<string[]> {
  return defaultSource(provider);
}
