import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Source } from "../../../functions/domain/signals.ts";
import {
  PROVIDER_NAMES,
  PROVIDERS,
  providerNamed,
  webhookTableMarkdown,
} from "../../../functions/webhook/providers/registry.ts";
import { SECRET_ENV_VARS } from "../../../functions/webhook/secrets.ts";
import { WEBHOOK_PROVIDERS } from "../../../lib/webhook-providers.ts";

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");

describe("the provider registry", () => {
  it("names each provider once, with a name usable as a route segment and an event source", () => {
    expect(new Set(PROVIDER_NAMES).size).toBe(PROVIDERS.length);
    for (const name of PROVIDER_NAMES) expect(Source.safeParse(name).success).toBe(true);
  });

  it("gives each provider its own secret variable", () => {
    const variables = PROVIDERS.map((p) => p.secretEnv);
    expect(new Set(variables).size).toBe(variables.length);
    expect(SECRET_ENV_VARS).toEqual(
      Object.fromEntries(PROVIDERS.map((p) => [p.name, p.secretEnv])),
    );
  });

  it("is what the CDK topology lists", () => {
    expect(WEBHOOK_PROVIDERS).toEqual(PROVIDER_NAMES);
  });

  it("finds providers by name and nothing else, not even Object.prototype's keys", () => {
    expect(providerNamed("stripe")?.name).toBe("stripe");
    expect(providerNamed("constructor")).toBeUndefined();
    expect(providerNamed("")).toBeUndefined();
  });

  it("is the README's Webhooks table", () => {
    // When this fails after adding a provider, paste the expected table into README.md.
    expect(readme).toContain(webhookTableMarkdown());
  });
});
