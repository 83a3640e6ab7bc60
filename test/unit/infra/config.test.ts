import { App } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { ConfigError, readDeploymentConfig } from "../../../lib/config.ts";
import { testContext } from "./support.ts";

const read = (context: Record<string, unknown>) => readDeploymentConfig(new App({ context }).node);

describe("readDeploymentConfig", () => {
  it("reads cdk.json's context", () => {
    expect(read(testContext({ stage: "dev", alertEmails: [], opsEmails: [] }))).toEqual({
      stage: "dev",
      alertEmails: [],
      opsEmails: [],
      slackWebhookSecretName: "customer-health/slack-webhook-url",
      modelFile: "functions/domain/model.default.ts",
      rescoreIntervalMinutes: 60,
      legacyExports: false,
      deferIndexes: [],
      alerts: { dashboardUrl: undefined, slackOwnersJson: "{}", digest: false, digestHourUtc: 8 },
    });
  });

  it("reads legacyExports from the command line, and leaves it off when absent", () => {
    expect(read(testContext({ legacyExports: "true" })).legacyExports).toBe(true);
    expect(read(testContext({ legacyExports: undefined })).legacyExports).toBe(false);
  });

  it("accepts command-line strings: comma-separated emails and a numeric interval", () => {
    const config = read(
      testContext({ alertEmails: "a@x.com, b@y.com,a@x.com", rescoreIntervalMinutes: "30" }),
    );
    expect(config.alertEmails).toEqual(["a@x.com", "b@y.com"]);
    expect(config.rescoreIntervalMinutes).toBe(30);
  });

  it.each([
    [{ stage: undefined }, /missing CDK context "stage"/],
    [{ stage: "Prod" }, /"stage" must be lower-case/],
    [{ alertEmails: ["not-an-email"] }, /"alertEmails" has invalid email addresses: not-an-email/],
    [{ opsEmails: 42 }, /"opsEmails" must be a list/],
    [{ rescoreIntervalMinutes: "soon" }, /"rescoreIntervalMinutes" must be a whole number/],
    [{ rescoreIntervalMinutes: 0 }, /"rescoreIntervalMinutes" must be a whole number/],
    [{ modelFile: "" }, /"modelFile" must be a non-empty string/],
    [{ legacyExports: "yes" }, /"legacyExports" must be true or false/],
  ])("rejects %j with the key's name", (override, message) => {
    expect(() => read(testContext(override))).toThrow(ConfigError);
    expect(() => read(testContext(override))).toThrow(message);
  });
});
