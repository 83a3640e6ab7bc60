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
      "AwsSolutions-IAM5",
      "AwsSolutions-SMG4",
      "AwsSolutions-SQS3",
      "Serverless-LambdaAsyncFailureDestination",
      "Serverless-LambdaDLQ",
      "Serverless-SQSRedrivePolicy",
    ]);
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
