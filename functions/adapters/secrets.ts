/**
 * Secrets Manager, the one way functions read a secret: a value named by an ARN, fetched
 * through Powertools and cached in module scope (warm invocations skip Secrets Manager),
 * by a client with timeouts and bounded attempts. Without them a hung Secrets Manager on a
 * cold cache held a webhook until the function timed out; now the call fails within ~3 s.
 */
import { DEFAULT_PROVIDERS } from "@aws-lambda-powertools/parameters/base";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { tracer } from "./powertools.ts";
import { type ClientTimeouts, sdkTimeouts } from "./sdk-config.ts";

/** How long a fetched value is reused before Secrets Manager is asked again (rotation lag). */
export const SECRET_MAX_AGE_SECONDS = 300;

/**
 * A secret is read on a request's path (webhooks) on a cold cache: Secrets Manager answers
 * in milliseconds, so one taking a second is hung; one retry covers a lost connection.
 */
export const SECRETS_MANAGER_TIMEOUTS: ClientTimeouts = {
  connectionTimeoutMs: 500,
  requestTimeoutMs: 1_000,
  maxAttempts: 2,
};

/** Fetches the secret named by `arn` (cached by the implementation). */
export type SecretFetcher = (arn: string) => Promise<unknown>;

/** The Secrets Manager client: timeouts, bounded attempts, traced in X-Ray. */
export function secretsManagerClient(): SecretsManagerClient {
  return tracer.captureAWSv3Client(new SecretsManagerClient(sdkTimeouts(SECRETS_MANAGER_TIMEOUTS)));
}

let provider: SecretsProvider | undefined;

/**
 * The provider behind Powertools' `getSecret`, built on our client once. It is registered as
 * Powertools' default secrets provider, so its `clearCaches()` (tests) clears this cache too.
 */
function secretsProvider(): SecretsProvider {
  provider ??= new SecretsProvider({ awsSdkV3Client: secretsManagerClient() });
  if (DEFAULT_PROVIDERS.secrets !== provider) DEFAULT_PROVIDERS.secrets = provider;
  return provider;
}

/** A fetcher of the plain secret value (string or bytes). */
export const fetchSecretValue: SecretFetcher = (arn) =>
  secretsProvider().get(arn, { maxAge: SECRET_MAX_AGE_SECONDS });

/** A fetcher of a secret holding JSON, parsed (a value that is not JSON fails). */
export const fetchJsonSecret: SecretFetcher = (arn) =>
  secretsProvider().get(arn, { transform: "json", maxAge: SECRET_MAX_AGE_SECONDS });
