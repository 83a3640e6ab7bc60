/**
 * Builds the CDK app: both stacks for the stage in context, with the cdk-nag AwsSolutions
 * and Serverless packs registered as policy validation plugins. Any finding that is not
 * acknowledged (with a written reason, next to the resource) fails the synth.
 */
import { fileURLToPath } from "node:url";
import { App, type AppProps, Tags, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks, ServerlessChecks } from "cdk-nag";
import { type DeploymentConfig, readDeploymentConfig } from "./config.ts";
import { loadModel } from "./model-source.ts";
import { StatefulStack } from "./stateful-stack.ts";
import { StatelessStack } from "./stateless-stack.ts";
import { SERVICE_NAME } from "./topology.ts";

/** The repository root: function entries, the lock file and model files are relative to it. */
export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface HealthApp {
  readonly app: App;
  readonly config: DeploymentConfig;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

export interface CreateAppOptions extends AppProps {
  /**
   * Register the cdk-nag packs.
   * @default true
   */
  readonly nag?: boolean;
}

/** Stack names carry the stage so that several stages can share an account. */
export const stackNames = (stage: string) => ({
  stateful: `CustomerHealth-${stage}-Stateful`,
  stateless: `CustomerHealth-${stage}-Stateless`,
});

/** Creates the app from context (cdk.json, `-c`, or `options.context`). */
export async function createApp(options: CreateAppOptions = {}): Promise<HealthApp> {
  const { nag = true, ...appProps } = options;
  const app = new App({
    ...appProps,
    context: {
      // The stacks share no references (SSM parameters instead, lib/stateful-stack.ts); one
      // added by mistake would be a plain export, which test/unit/infra/stacks.test.ts catches.
      "@aws-cdk/core:defaultCrossStackReferences": "strong",
      // Access logs reach their bucket through a bucket policy, not the legacy ACL (which
      // needs ObjectWriter ownership and leaves a CloudFormation lint acknowledgement).
      "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": true,
      ...appProps.context,
    },
  });
  const config = readDeploymentConfig(app.node);
  const model = await loadModel(config.modelFile, PROJECT_ROOT);
  const names = stackNames(config.stage);

  // Env-agnostic stacks: synth needs no account lookups and no credentials.
  const stateful = new StatefulStack(app, names.stateful, {
    config,
    description: `${SERVICE_NAME} (${config.stage}): table, event bus, topics, secrets`,
    terminationProtection: config.stage === "prod",
  });
  const stateless = new StatelessStack(app, names.stateless, {
    config,
    statefulStackName: names.stateful,
    model,
    projectRoot: PROJECT_ROOT,
    description: `${SERVICE_NAME} (${config.stage}): functions, API, rules, schedule, alarms`,
  });
  // The stateless stack reads the stateful stack's SSM parameters: deploy that one first.
  stateless.addStackDependency(stateful, "reads the stateful resources' SSM parameters");
  Tags.of(app).add("service", SERVICE_NAME);
  Tags.of(app).add("stage", config.stage);

  if (nag) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  }
  return { app, config, stateful, stateless };
}
