import { App, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { AwsSolutionsChecks, ServerlessChecks } from "cdk-nag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Acknowledgement,
  acknowledgements,
  type SynthesizedApp,
  synthesizeApp,
} from "./support.ts";

/** An app with both packs registered the way lib/app.ts registers them. */
function nagApp(): { app: App; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, "Probe");
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, stack };
}

describe("cdk-nag on the app", () => {
  let built: SynthesizedApp;
  let acks: Acknowledgement[];

  beforeAll(async () => {
    // Synthesis runs the AwsSolutions and Serverless packs and throws on any finding left.
    built = await synthesizeApp();
    acks = acknowledgements(built.app);
  }, 120_000);

  afterAll(() => built?.cleanup());

  it("leaves no unacknowledged error or warning in either pack", () => {
    // After synth the tree holds the resolved cross-stack references the packs report on.
    for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
      const report = pack.validateScope(built.app);
      expect(
        report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`),
      ).toEqual([]);
    }
  });

  it("gives every acknowledgement a written reason", () => {
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.trim().length, `${ack.id} on ${ack.path}`).toBeGreaterThanOrEqual(20);
      expect(ack.id).toMatch(/^(AwsSolutions|Serverless)-[A-Za-z0-9]+(\[.+\])?$/);
    }
  });

  it("acknowledges only the expected rules", () => {
    const rules = new Set(acks.map((a) => a.id.replace(/\[.*$/, "")));
    expect([...rules].sort()).toEqual([
      "AwsSolutions-APIG4",
      "AwsSolutions-CFR1",
      "AwsSolutions-CFR2",
      "AwsSolutions-CFR3",
      "AwsSolutions-CFR4",
      "AwsSolutions-COG3",
      "AwsSolutions-COG8",
      "AwsSolutions-IAM5",
      "AwsSolutions-L1",
      "AwsSolutions-S1",
      "AwsSolutions-SMG4",
      "AwsSolutions-SQS3",
      "Serverless-LambdaAsyncFailureDestination",
      "Serverless-LambdaDLQ",
      "Serverless-LambdaLatestVersion",
      "Serverless-LambdaTracing",
      "Serverless-SQSRedrivePolicy",
    ]);
  });

  it("acknowledges the dashboard's rules on the one construct each is about", () => {
    // Rules only the dashboard brought in, and where each may be acknowledged: a new
    // acknowledgement of one of them anywhere else fails here.
    const stateless = "CustomerHealth-test-Stateless";
    const where: Record<string, string[]> = {
      // The site's CloudFront distribution (reasons in lib/constructs/dashboard-site.ts).
      "AwsSolutions-CFR1": [`${stateless}/Dashboard/DashboardDistribution`],
      "AwsSolutions-CFR2": [`${stateless}/Dashboard/DashboardDistribution`],
      "AwsSolutions-CFR3": [`${stateless}/Dashboard/DashboardDistribution`],
      "AwsSolutions-CFR4": [`${stateless}/Dashboard/DashboardDistribution`],
      // The Cognito user pool: threat protection needs the Plus plan.
      "AwsSolutions-COG3": [`${stateless}/DashboardAuth/DashboardUsers`],
      "AwsSolutions-COG8": [`${stateless}/DashboardAuth/DashboardUsers`],
      // The access log bucket itself.
      "AwsSolutions-S1": [`${stateless}/Dashboard/DashboardLogs`],
      // CDK's BucketDeployment handler, whose runtime aws-cdk-lib chooses.
      "AwsSolutions-L1": [`${stateless}/Custom::CDKBucketDeployment`],
      "Serverless-LambdaLatestVersion": [`${stateless}/Custom::CDKBucketDeployment`],
      "Serverless-LambdaTracing": [`${stateless}/Custom::CDKBucketDeployment`],
    };
    for (const [rule, paths] of Object.entries(where)) {
      const found = acks.filter((a) => a.id.replace(/\[.*$/, "") === rule).map((a) => a.path);
      expect(found.length, rule).toBeGreaterThan(0);
      for (const path of found) {
        expect(
          paths.some((p) => path.startsWith(p)),
          `${rule} on ${path}`,
        ).toBe(true);
      }
    }
    // No managed policy is left to acknowledge (the deployment handler has its own role).
    expect(acks.filter((a) => a.id.startsWith("AwsSolutions-IAM4"))).toEqual([]);
  });
});

describe("cdk-nag registration", () => {
  it("fails the synth on an unacknowledged error", () => {
    const { app, stack } = nagApp();
    new Queue(stack, "Plain", { encryption: QueueEncryption.UNENCRYPTED });
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
  });

  it("fails the synth on an unacknowledged warning too", () => {
    const { app, stack } = nagApp();
    // Serverless-CloudWatchLogGroupRetentionPeriod is a warning-level rule.
    const group = new LogGroup(stack, "Forever", { removalPolicy: RemovalPolicy.DESTROY });
    (group.node.defaultChild as unknown as { retentionInDays?: number }).retentionInDays =
      undefined;
    expect(() => app.synth()).toThrow(/Serverless-CloudWatchLogGroupRetentionPeriod/);
  });

  it("passes once the finding is acknowledged", () => {
    const { app, stack } = nagApp();
    const group = new LogGroup(stack, "Forever", { removalPolicy: RemovalPolicy.DESTROY });
    (group.node.defaultChild as unknown as { retentionInDays?: number }).retentionInDays =
      undefined;
    Validations.of(group).acknowledge({
      id: "Serverless-CloudWatchLogGroupRetentionPeriod",
      reason: "Probe: an acknowledged finding must not fail the synth.",
    });
    expect(() => app.synth()).not.toThrow();
  });
});
