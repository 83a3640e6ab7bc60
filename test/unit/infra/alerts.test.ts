/**
 * The alert settings in the stacks (CDK context `dashboardUrl`, `alerts.slackOwners`,
 * `alerts.digest`, `alerts.digestHourUtc`): the functions' environment, the email's link,
 * the daily digest's schedule and rules, and the context's validation.
 */

import { App } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDeploymentConfig } from "../../../lib/config.ts";
import { DETAIL_TYPES } from "../../../lib/topology.ts";
import { type SynthesizedApp, synthesizeApp, testContext } from "./support.ts";

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON has no static type
type Cfn = any;

let built: SynthesizedApp;
let stateless: Template;

beforeAll(async () => {
  built = await synthesizeApp(
    testContext({
      dashboardUrl: "https://health.example.com/",
      "alerts.slackOwners": { "Aisha Okafor": "U024BE7LH" },
      "alerts.digest": "true",
      "alerts.digestHourUtc": "7",
    }),
  );
  stateless = built.statelessTemplate;
}, 120_000);

afterAll(() => built?.cleanup());

const functionEnv = (prefix: string): Record<string, unknown> => {
  const [fn] = Object.entries(stateless.findResources("AWS::Lambda::Function")).filter(([id]) =>
    id.startsWith(prefix),
  );
  return (fn?.[1] as Cfn).Properties.Environment.Variables;
};

describe("alert settings in the stacks", () => {
  it("gives the Slack and digest functions the dashboard URL, the owners and the digest switch", () => {
    for (const fn of ["SlackFunction", "DigestFunction"]) {
      expect(functionEnv(fn)).toMatchObject({
        DASHBOARD_URL: "https://health.example.com",
        SLACK_OWNER_IDS: '{"aisha okafor":"U024BE7LH"}',
        SLACK_DIGEST: "true",
      });
    }
    expect(functionEnv("ScoreFunction").SLACK_OWNER_IDS).toBeUndefined();
  });

  it("links each alert email to the customer's page and has a rule for red flags", () => {
    const rules = Object.values(stateless.findResources("AWS::Events::Rule")) as Cfn[];
    const emailRules = rules.filter((r) => r.Properties.Targets[0].InputTransformer);
    expect(emailRules.map((r) => r.Properties.EventPattern["detail-type"][0]).sort()).toEqual(
      Object.values(DETAIL_TYPES).sort(),
    );
    for (const rule of emailRules) {
      const { InputPathsMap, InputTemplate } = rule.Properties.Targets[0].InputTransformer;
      const [key] = Object.entries(InputPathsMap).find(
        ([, path]) => path === "$.detail.customerPath",
      ) as [string, string];
      expect(InputTemplate).toContain(`Customer page: https://health.example.com<${key}>`);
    }
    const slack = rules.find((r) => !r.Properties.Targets[0].InputTransformer);
    expect(slack.Properties.EventPattern["detail-type"]).toContain("HealthFlagRaised");
  });

  it("invokes the digest function daily at the configured UTC hour, with retries and a DLQ", () => {
    stateless.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(0 7 * * ? *)",
      State: "ENABLED",
      Target: Match.objectLike({
        Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^DigestFunction"), "Arn"] },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21_600 },
        DeadLetterConfig: {
          Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^DigestScheduleDlq"), "Arn"] },
        },
      }),
    });
  });

  it("lets only the scheduler's role invoke the digest function", () => {
    const roles = stateless.findResources("AWS::IAM::Role") as Record<string, Cfn>;
    const policies = Object.values(stateless.findResources("AWS::IAM::Policy")) as Cfn[];
    const invokers = policies
      .filter((p) =>
        p.Properties.PolicyDocument.Statement.some(
          (s: Cfn) =>
            [s.Action].flat().includes("lambda:InvokeFunction") &&
            JSON.stringify(s.Resource).includes("DigestFunction"),
        ),
      )
      .flatMap((p) => p.Properties.Roles.map((r: Cfn) => r.Ref));
    expect(invokers).toHaveLength(1);
    const principal = roles[invokers[0]].Properties.AssumeRolePolicyDocument.Statement[0].Principal;
    expect(principal).toEqual({ Service: "scheduler.amazonaws.com" });
  });
});

describe("alert settings in CDK context", () => {
  const config = (context: Record<string, unknown>) =>
    readDeploymentConfig(new App({ context: testContext(context) }).node);

  it("defaults to no link, no mentions, one message per change, 08:00 UTC", () => {
    expect(config({}).alerts).toEqual({
      dashboardUrl: undefined,
      slackOwnersJson: "{}",
      digest: false,
      digestHourUtc: 8,
    });
  });

  it.each([
    [{ dashboardUrl: "health.example.com" }, /"dashboardUrl" must be an http\(s\) URL/],
    [{ "alerts.slackOwners": { Aisha: "aisha" } }, /"Aisha" must map to a Slack user id/],
    [{ "alerts.digest": "yes" }, /"alerts.digest" must be true or false/],
    [{ "alerts.digestHourUtc": 24 }, /"alerts.digestHourUtc" must be a whole hour/],
  ])("refuses %j, naming the setting", (context, message) => {
    expect(() => config(context)).toThrow(message);
  });
});
