import "aws-sdk-client-mock-vitest/extend";
import { clearCaches } from "@aws-lambda-powertools/parameters";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createSecretsSource,
  parseSecretList,
  SECRET_ENV_VARS,
  SECRETS_MAX_AGE_SECONDS,
  secretsFor,
  WebhookSecretsConfigError,
} from "../../functions/webhook/secrets.ts";
import type { Provider } from "../../functions/webhook/verify.ts";

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook-secrets-AbCdEf";

describe("parseSecretList", () => {
  it("splits a comma-separated rotation pair", () => {
    expect(parseSecretList("whsec_new,whsec_old")).toEqual(["whsec_new", "whsec_old"]);
  });

  it("trims entries and drops empty ones", () => {
    expect(parseSecretList("  whsec_a , ,whsec_b,, ")).toEqual(["whsec_a", "whsec_b"]);
  });

  it.each([undefined, "", " ", ",,"])("returns no secrets for %j", (value) => {
    expect(parseSecretList(value)).toEqual([]);
  });

  it("keeps a single secret", () => {
    expect(parseSecretList("whsec_only")).toEqual(["whsec_only"]);
  });
});

describe("secretsFor (environment)", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.each(
    Object.entries(SECRET_ENV_VARS),
  )("reads %s secrets from %s", async (provider, variable) => {
    // Arrange
    const source = createSecretsSource({ env: { [variable]: "one, two" } });
    // Act
    const secrets = await source(provider as Provider);
    // Assert
    expect(secrets).toEqual(["one", "two"]);
  });

  it("returns no secrets for a provider whose variable is unset", async () => {
    const source = createSecretsSource({ env: { STRIPE_WEBHOOK_SECRET: "whsec_a" } });

    await expect(source("zendesk")).resolves.toEqual([]);
  });

  it("treats a blank secret ARN as unset", async () => {
    const fetchSecret = vi.fn();
    const source = createSecretsSource({
      env: { WEBHOOK_SECRETS_ARN: " ", SEGMENT_WEBHOOK_SECRET: "seg" },
      fetchSecret,
    });

    await expect(source("segment")).resolves.toEqual(["seg"]);
    expect(fetchSecret).not.toHaveBeenCalled();
  });

  it("reads process.env at call time by default", async () => {
    vi.stubEnv("WEBHOOK_SECRETS_ARN", undefined);
    vi.stubEnv("TYPEFORM_WEBHOOK_SECRET", "tf_new,tf_old");

    await expect(secretsFor("typeform")).resolves.toEqual(["tf_new", "tf_old"]);
  });
});

describe("secretsFor (injected fetcher)", () => {
  it("parses the provider's entry of the JSON document", async () => {
    const fetchSecret = vi.fn().mockResolvedValue({ stripe: "whsec_a, whsec_b", zendesk: "z" });
    const source = createSecretsSource({ env: { WEBHOOK_SECRETS_ARN: ARN }, fetchSecret });

    const secrets = await source("stripe");

    expect(secrets).toEqual(["whsec_a", "whsec_b"]);
    expect(fetchSecret).toHaveBeenCalledWith(ARN);
  });

  it("accepts a list of secrets as an entry", async () => {
    const fetchSecret = vi.fn().mockResolvedValue({ generic: ["whsec_x", "whsec_y"] });
    const source = createSecretsSource({ env: { WEBHOOK_SECRETS_ARN: ARN }, fetchSecret });

    await expect(source("generic")).resolves.toEqual(["whsec_x", "whsec_y"]);
  });

  it("ignores the local variables when the secret ARN is set", async () => {
    const fetchSecret = vi.fn().mockResolvedValue({});
    const source = createSecretsSource({
      env: { WEBHOOK_SECRETS_ARN: ARN, STRIPE_WEBHOOK_SECRET: "whsec_local" },
      fetchSecret,
    });

    await expect(source("stripe")).resolves.toEqual([]);
  });

  it.each([
    ["an array", ["whsec_a"]],
    ["a string", "whsec_a"],
    ["null", null],
    ["a non-string entry", { stripe: 42 }],
    ["an entry with a non-string item", { stripe: ["whsec_a", 1] }],
  ])("rejects a document that is %s", async (_label, document) => {
    const source = createSecretsSource({
      env: { WEBHOOK_SECRETS_ARN: ARN },
      fetchSecret: async () => document,
    });

    await expect(source("stripe")).rejects.toBeInstanceOf(WebhookSecretsConfigError);
  });
});

describe("secretsFor (Secrets Manager)", () => {
  const secretsManager = mockClient(SecretsManagerClient);
  const document = JSON.stringify({ stripe: "whsec_new,whsec_old", zendesk: "zd_secret" });

  afterEach(() => {
    secretsManager.reset();
    clearCaches();
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });

  it("fetches the secret named by WEBHOOK_SECRETS_ARN and returns the provider's list", async () => {
    // Arrange
    vi.stubEnv("WEBHOOK_SECRETS_ARN", ARN);
    secretsManager
      .on(GetSecretValueCommand, { SecretId: ARN })
      .resolves({ SecretString: document });
    // Act
    const secrets = await secretsFor("stripe");
    // Assert
    expect(secrets).toEqual(["whsec_new", "whsec_old"]);
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: ARN });
  });

  it("returns no secrets for a provider missing from the document", async () => {
    vi.stubEnv("WEBHOOK_SECRETS_ARN", ARN);
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: document });

    await expect(secretsFor("segment")).resolves.toEqual([]);
  });

  it("does not call Secrets Manager again within maxAge", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.stubEnv("WEBHOOK_SECRETS_ARN", ARN);
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: document });

    await secretsFor("stripe");
    vi.advanceTimersByTime((SECRETS_MAX_AGE_SECONDS - 1) * 1000);
    const zendesk = await secretsFor("zendesk");
    const stripe = await secretsFor("stripe");

    expect(zendesk).toEqual(["zd_secret"]);
    expect(stripe).toEqual(["whsec_new", "whsec_old"]);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it("picks up a rotated secret once maxAge has passed", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.stubEnv("WEBHOOK_SECRETS_ARN", ARN);
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ stripe: "whsec_old" }) })
      .resolves({ SecretString: JSON.stringify({ stripe: "whsec_new,whsec_old" }) });

    const before = await secretsFor("stripe");
    vi.advanceTimersByTime((SECRETS_MAX_AGE_SECONDS + 1) * 1000);
    const after = await secretsFor("stripe");

    expect(before).toEqual(["whsec_old"]);
    expect(after).toEqual(["whsec_new", "whsec_old"]);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it("fails loudly when the secret is not JSON", async () => {
    vi.stubEnv("WEBHOOK_SECRETS_ARN", ARN);
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: "whsec_a,whsec_b" });

    await expect(secretsFor("stripe")).rejects.toThrow();
  });
});
