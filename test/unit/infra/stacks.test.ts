import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultModel } from "../../../functions/domain/model.default.ts";
import { stackNames } from "../../../lib/app.ts";
import type { DeploymentConfig } from "../../../lib/config.ts";
import { STATEFUL_PARAMETERS, StatefulStack } from "../../../lib/stateful-stack.ts";
import {
  ALERT_DELIVERY,
  DASHBOARD_STREAM,
  EVENT_RULES,
  FUNCTIONS,
  type FunctionId,
  HEALTH_TABLE,
  ROUTES,
  SCORE_STREAM,
} from "../../../lib/topology.ts";
import { WEBHOOK_PROVIDERS } from "../../../lib/webhook-providers.ts";
import {
  onlyLogicalId,
  resourcesOf,
  type SynthesizedApp,
  statefulValue,
  synthesizeApp,
  testContext,
} from "./support.ts";

/** Synthesized CloudFormation is untyped JSON; tests read it by path. */
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON has no static type
type Cfn = any;

const FUNCTION_IDS = Object.keys(FUNCTIONS) as FunctionId[];
const FOURTEEN_DAYS = 14 * 24 * 60 * 60;

let built: SynthesizedApp;
let stateful: Template;
let stateless: Template;

beforeAll(async () => {
  built = await synthesizeApp();
  stateful = built.statefulTemplate;
  stateless = built.statelessTemplate;
}, 120_000);

afterAll(() => built?.cleanup());

/** The logical id of an L2 construct's CloudFormation resource. */
const logicalId = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

/** The synthesized properties of one of the five functions. */
function functionProps(id: FunctionId): Record<string, Cfn> {
  return stateless.toJSON().Resources[logicalId(built.stateless.functions[id].function)].Properties;
}

/** The Allow statements of the policies attached to one function's role. */
function functionStatements(id: FunctionId): Array<{ Action: string | string[]; Resource: Cfn }> {
  const roleId = logicalId(built.stateless.functions[id].role);
  return Object.values(resourcesOf(stateless, "AWS::IAM::Policy"))
    .filter((p) => (p.Properties?.Roles as unknown[]).some((r: Cfn) => r.Ref === roleId))
    .flatMap((p) => (p.Properties?.PolicyDocument as Cfn).Statement);
}

const actionsOf = (s: { Action: string | string[] }) => [s.Action].flat();

/** The first `{Ref}` inside a value (a name parsed out of an ARN is Fn::Select of a Ref). */
function firstRef(value: unknown): unknown {
  if (value === null || typeof value !== "object") return undefined;
  if ("Ref" in value) return value;
  for (const inner of Object.values(value)) {
    const found = firstRef(inner);
    if (found) return found;
  }
  return undefined;
}

/**
 * What a stateless value read from a stateful SSM parameter stands for in the stateful stack
 * (for a name parsed out of an ARN: the ARN).
 */
const fromStateful = (value: unknown) => statefulValue(stateful, stateless, firstRef(value));

describe("StatefulStack", () => {
  it("creates the health table from the topology: on demand, PITR, deletion protection, TTL, stream, GSIs, KMS encryption", () => {
    stateful.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: Match.objectLike({
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [
          { AttributeName: HEALTH_TABLE.partitionKey.name, KeyType: "HASH" },
          { AttributeName: HEALTH_TABLE.sortKey.name, KeyType: "RANGE" },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        TimeToLiveSpecification: { AttributeName: HEALTH_TABLE.ttlAttribute, Enabled: true },
        StreamSpecification: { StreamViewType: HEALTH_TABLE.streamView },
        SSESpecification: { SSEEnabled: true },
        GlobalSecondaryIndexes: HEALTH_TABLE.globalIndexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: "HASH" },
            { AttributeName: index.sortKey.name, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: index.projection ?? "ALL" },
        })),
      }),
    });
  });

  it("indexes score items by due time as a number, keys only, so moving it writes one unit", () => {
    stateful.hasResourceProperties("AWS::DynamoDB::Table", {
      AttributeDefinitions: Match.arrayWith([{ AttributeName: "dueAt", AttributeType: "N" }]),
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: "byDue",
          KeySchema: [
            { AttributeName: "duePk", KeyType: "HASH" },
            { AttributeName: "dueAt", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "KEYS_ONLY" },
        },
      ]),
    });
  });

  it("names the event bus after the stage", () => {
    stateful.hasResourceProperties("AWS::Events::EventBus", { Name: "customer-health-test" });
  });

  it("encrypts both topics with a rotating customer key that EventBridge and CloudWatch may use", () => {
    const keyId = onlyLogicalId(stateful, "AWS::KMS::Key");
    stateful.hasResource("AWS::KMS::Key", {
      DeletionPolicy: "Retain",
      Properties: Match.objectLike({
        EnableKeyRotation: true,
        KeyPolicy: Match.objectLike({
          Statement: Match.arrayWith([
            Match.objectLike({ Principal: { Service: "events.amazonaws.com" } }),
            Match.objectLike({ Principal: { Service: "cloudwatch.amazonaws.com" } }),
          ]),
        }),
      }),
    });
    const topics = Object.values(resourcesOf(stateful, "AWS::SNS::Topic"));
    expect(topics).toHaveLength(2);
    for (const topic of topics) {
      expect(topic.Properties?.KmsMasterKeyId).toEqual({ "Fn::GetAtt": [keyId, "Arn"] });
    }
  });

  it("subscribes the context's emails with a redrive policy to an encrypted DLQ", () => {
    const alertTopic = logicalId(built.stateful.alertTopic);
    const opsTopic = logicalId(built.stateful.opsTopic);
    for (const [email, topic] of [
      ["cs@example.com", alertTopic],
      ["ops@example.com", opsTopic],
    ]) {
      stateful.hasResourceProperties("AWS::SNS::Subscription", {
        Protocol: "email",
        Endpoint: email,
        TopicArn: { Ref: topic },
        RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
      });
    }
  });

  it("creates the webhook secret with an empty entry per provider, and the Slack secret by its context name", () => {
    const secrets = Object.values(resourcesOf(stateful, "AWS::SecretsManager::Secret"));
    const webhook = secrets.find(
      (s) => s.Properties?.Name === "customer-health/test/webhook-secrets",
    );
    expect(JSON.parse(webhook?.Properties?.SecretString as string)).toEqual(
      Object.fromEntries(WEBHOOK_PROVIDERS.map((p) => [p, ""])),
    );
    expect(Object.keys(JSON.parse(webhook?.Properties?.SecretString as string))).toEqual([
      "stripe",
      "zendesk",
      "typeform",
      "segment",
      "generic",
    ]);
    stateful.hasResource("AWS::SecretsManager::Secret", {
      DeletionPolicy: "Retain",
      Properties: Match.objectLike({
        Name: built.config.slackWebhookSecretName,
        SecretString: JSON.stringify({ url: "" }),
      }),
    });
  });

  it("outputs the secret names", () => {
    const outputs = stateful.toJSON().Outputs;
    expect(outputs.WebhookSecretsName.Value).toBe("customer-health/test/webhook-secrets");
    expect(outputs.SlackWebhookSecretName.Value).toBe(built.config.slackWebhookSecretName);
  });
});

describe("StatelessStack functions", () => {
  it.each(
    FUNCTION_IDS,
  )("%s runs on arm64, the newest Node LTS, with tracing and the topology's sizing", (id) => {
    const def = FUNCTIONS[id];
    const props = functionProps(id);
    expect(props.Architectures).toEqual(["arm64"]);
    expect(props.Runtime).toBe("nodejs24.x");
    expect(props.TracingConfig).toEqual({ Mode: "Active" });
    expect(props.MemorySize).toBe(def.memoryMb);
    expect(props.Timeout).toBe(def.timeoutSeconds);
    expect(props.ReservedConcurrentExecutions).toBe(def.reservedConcurrency);
    expect(props.Handler).toBe("index.handler");
    expect(props.Environment.Variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: "customer-health",
      POWERTOOLS_LOG_LEVEL: "INFO",
      NODE_OPTIONS: "--enable-source-maps",
    });
    expect(props.LoggingConfig.LogGroup).toEqual({ Ref: expect.stringMatching(/Logs/) });
  });

  it("gives every function a log group with a retention", () => {
    const groups = resourcesOf(stateless, "AWS::Logs::LogGroup");
    const functionGroups = FUNCTION_IDS.map((id) => functionProps(id).LoggingConfig.LogGroup.Ref);
    // One per function, the two APIs' access logs, and the dashboard page deployment's
    // handler (CDK's BucketDeployment, given a log group so its logs expire too).
    const others = Object.keys(groups).filter((id) => !functionGroups.includes(id));
    expect(new Set(functionGroups).size).toBe(FUNCTION_IDS.length);
    expect(others.map((id) => id.replace(/[0-9A-F]{8}$/, "")).sort()).toEqual([
      "ApiAccessLogs",
      "DashboardDeploymentLogs",
      "LiveAccessLogs",
    ]);
    for (const group of Object.values(groups)) expect(group.Properties?.RetentionInDays).toBe(30);
  });

  /**
   * Functions that never touch the table, by design: the WebSocket authorizer only verifies
   * the Cognito token. They get neither TABLE_NAME nor any DynamoDB grant.
   */
  const WITHOUT_TABLE: readonly FunctionId[] = ["dashboardAuth"];

  it("points TABLE_NAME of every function at the table, except those without table access", () => {
    const table = onlyLogicalId(stateful, "AWS::DynamoDB::Table");
    for (const id of FUNCTION_IDS) {
      const env = functionProps(id).Environment.Variables;
      if (WITHOUT_TABLE.includes(id)) {
        expect(FUNCTIONS[id].tableActions, id).toEqual([]);
        expect(FUNCTIONS[id].indexActions, id).toBeUndefined();
        expect(env.TABLE_NAME, id).toBeUndefined();
        const dynamo = functionStatements(id).filter((s) =>
          actionsOf(s).some((a) => a.startsWith("dynamodb:")),
        );
        expect(dynamo, id).toEqual([]);
      } else {
        expect(fromStateful(env.TABLE_NAME), id).toEqual({ "Fn::GetAtt": [table, "Arn"] });
      }
    }
  });

  /** Each function's DynamoDB grants: actions per resource (`table`, `index/<name>`). */
  function dynamoGrants(id: FunctionId): Record<string, string[]> {
    const table = onlyLogicalId(stateful, "AWS::DynamoDB::Table");
    const grants: Record<string, string[]> = {};
    for (const statement of functionStatements(id)) {
      const actions = actionsOf(statement).filter(
        (a) => a.startsWith("dynamodb:") && a !== "dynamodb:ListStreams",
      );
      const streamRead = actions.some((a) => a === "dynamodb:GetRecords");
      if (actions.length === 0 || streamRead) continue;
      for (const resource of [statement.Resource].flat()) {
        const join = (resource as Cfn)["Fn::Join"];
        const target = join ? join[1][0] : resource;
        expect(fromStateful(target), `${id} grants on another resource`).toEqual({
          "Fn::GetAtt": [table, "Arn"],
        });
        const key = join ? join[1].slice(1).join("").replace(/^\//, "") : "table";
        grants[key] = [...(grants[key] ?? []), ...actions].sort();
      }
    }
    return grants;
  }

  it("grants each function exactly the DynamoDB actions its code uses", () => {
    const granted = Object.fromEntries(FUNCTION_IDS.map((id) => [id, dynamoGrants(id)]));
    // Pinned here on purpose (not read from the topology): a widened grant fails this test.
    const d = (...actions: string[]) => actions.map((a) => `dynamodb:${a}`).sort();
    expect(granted).toEqual({
      webhook: {
        table: d(
          "BatchGetItem",
          "ConditionCheckItem",
          "DeleteItem",
          "PutItem",
          "Query",
          "UpdateItem",
        ),
      },
      score: { table: d("BatchGetItem", "DeleteItem", "PutItem", "Query", "UpdateItem") },
      rescore: {
        table: d("BatchGetItem", "DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"),
        "index/byDue": d("Query"),
        "index/byTier": d("Scan"),
      },
      slack: { table: d("DeleteItem", "GetItem", "PutItem", "UpdateItem") },
      digest: { table: d("DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem") },
      api: {
        table: d("ConditionCheckItem", "DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"),
        "index/byTier": d("Query"),
        "index/unmatched": d("Query"),
      },
      dashboard: { table: d("BatchGetItem", "GetItem", "Query"), "index/byTier": d("Query") },
      dashboardStream: { table: d("BatchGetItem", "DeleteItem", "PutItem", "Query", "UpdateItem") },
      // Query: the connections adapter in its bundle can list connections (see the topology).
      dashboardLive: { table: d("DeleteItem", "PutItem") },
      dashboardAuth: {},
    });
    const everywhere = Object.values(granted).flatMap((g) => Object.values(g).flat());
    expect(everywhere).not.toContain("dynamodb:BatchWriteItem");
    expect(everywhere).not.toContain("dynamodb:DescribeTable");
    expect(granted.score?.table).not.toContain("dynamodb:Scan");
  });

  it("sets EVENT_BUS_NAME exactly on the functions allowed to put events on the bus", () => {
    const bus = onlyLogicalId(stateful, "AWS::Events::EventBus");
    for (const id of FUNCTION_IDS) {
      const env = functionProps(id).Environment.Variables;
      const putEvents = functionStatements(id).find((s) =>
        actionsOf(s).includes("events:PutEvents"),
      );
      if (id === "score" || id === "rescore") {
        expect(fromStateful(env.EVENT_BUS_NAME)).toEqual({ "Fn::GetAtt": [bus, "Arn"] });
        expect(fromStateful(putEvents?.Resource)).toEqual({
          "Fn::GetAtt": [bus, "Arn"],
        });
      } else {
        expect(env.EVENT_BUS_NAME, id).toBeUndefined();
        expect(putEvents, id).toBeUndefined();
      }
    }
  });

  it("points each secret variable at the secret the function may read, and no other", () => {
    const secrets = Object.entries(resourcesOf(stateful, "AWS::SecretsManager::Secret"));
    const secretId = (name: string) => secrets.find(([, s]) => s.Properties?.Name === name)?.[0];
    const expected: Partial<Record<FunctionId, [string, string | undefined]>> = {
      webhook: ["WEBHOOK_SECRETS_ARN", secretId("customer-health/test/webhook-secrets")],
      slack: ["SLACK_WEBHOOK_SECRET_ARN", secretId(built.config.slackWebhookSecretName)],
      digest: ["SLACK_WEBHOOK_SECRET_ARN", secretId(built.config.slackWebhookSecretName)],
    };
    for (const id of FUNCTION_IDS) {
      const env = functionProps(id).Environment.Variables;
      const reads = functionStatements(id).filter((s) =>
        actionsOf(s).includes("secretsmanager:GetSecretValue"),
      );
      const wanted = expected[id];
      if (wanted) {
        const [variable, logicalId] = wanted;
        expect(fromStateful(env[variable])).toEqual({ Ref: logicalId });
        expect(reads.map((s) => fromStateful(s.Resource))).toEqual([{ Ref: logicalId }]);
      } else {
        expect(reads, id).toEqual([]);
      }
    }
  });

  it("tells the rescore function the schedule's interval", () => {
    expect(functionProps("rescore").Environment.Variables.RESCORE_INTERVAL_MINUTES).toBe(
      String(built.config.rescoreIntervalMinutes),
    );
  });

  it("gives the asynchronously invoked functions (slack, rescore, digest) an encrypted DLQ", () => {
    for (const id of ["slack", "rescore", "digest"] as const) {
      expect(functionProps(id).DeadLetterConfig.TargetArn).toEqual({
        "Fn::GetAtt": [expect.stringMatching(/Dlq/), "Arn"],
      });
    }
  });

  it("inlines the validated model into the bundles at build time", () => {
    const manifest = JSON.parse(
      readFileSync(join(built.outdir, `${built.stateless.artifactId}.assets.json`), "utf8"),
    ) as { files: Record<string, { source: { path: string } }> };
    const hash = functionProps("score").Code.S3Key.replace(/\.zip$/, "");
    const bundle = readFileSync(
      join(built.outdir, manifest.files[hash]?.source.path ?? "missing", "index.mjs"),
      "utf8",
    );
    expect(bundle).not.toContain("HEALTH_MODEL_JSON");
    expect(bundle).toContain(
      JSON.stringify(stateless.toJSON().Outputs.ModelVersion.Value.split("#")[0]),
    );
  });
});

describe("StatelessStack flood control and retries", () => {
  it("reserves concurrency for the webhook function, so a flood cannot take scoring's share", () => {
    expect(functionProps("webhook").ReservedConcurrentExecutions).toBe(25);
    expect(functionProps("score").ReservedConcurrentExecutions).toBeUndefined();
  });

  it("retries a failed Slack invocation as the alert delivery policy says", () => {
    const configs = Object.values(resourcesOf(stateless, "AWS::Lambda::EventInvokeConfig"));
    expect(configs).toHaveLength(1);
    expect(configs[0]?.Properties).toMatchObject({
      FunctionName: { Ref: expect.stringMatching(/^SlackFunction/) },
      Qualifier: "$LATEST",
      MaximumRetryAttempts: ALERT_DELIVERY.invocationRetryAttempts,
    });
  });

  it("names the metrics namespace for Powertools in every function", () => {
    for (const id of FUNCTION_IDS) {
      expect(functionProps(id).Environment.Variables.POWERTOOLS_METRICS_NAMESPACE).toBe(
        "CustomerHealth",
      );
    }
  });
});

describe("Stacks wiring", () => {
  it("shares no CloudFormation exports: the stateless stack reads SSM parameters instead", () => {
    const outputs = Object.values(stateful.toJSON().Outputs ?? {}) as { Export?: unknown }[];
    expect(outputs.filter((o) => o.Export)).toHaveLength(0);
    expect(JSON.stringify(stateless.toJSON())).not.toContain("Fn::ImportValue");

    const written = Object.values(resourcesOf(stateful, "AWS::SSM::Parameter")).map(
      (p) => p.Properties?.Name,
    );
    expect(written.sort()).toEqual(
      STATEFUL_PARAMETERS.map((key) => `/customer-health/test/${key}`).sort(),
    );
    const read = Object.values(stateless.toJSON().Parameters as Record<string, Cfn>)
      .filter((p) => p.Type === "AWS::SSM::Parameter::Value<String>")
      .map((p) => p.Default)
      .filter((name) => name !== "/cdk-bootstrap/hnb659fds/version");
    expect(read.sort()).toEqual(written.sort());
  });

  it("deploys the stateful stack first", () => {
    expect(built.stateless.dependencies.map((d) => d.stackName)).toEqual([
      built.stateful.stackName,
    ]);
  });

  it("keeps the logical ids whose replacement would change the webhook URLs or collide", () => {
    // A new API gets a new URL (pasted into every provider); a second $default stage, route
    // key or stream mapping for the same function fails the deploy.
    // The dashboard's (the live feed's WebSocket API, its stage and routes, the dashboard
    // routes, the dashboard stream mapping) are pinned from their first release on.
    const ids = (type: string) => Object.keys(resourcesOf(stateless, type)).sort();
    expect(ids("AWS::ApiGatewayV2::Api")).toEqual(["HttpApiF5A9A8A7", "LiveApiB77CC7CA"]);
    expect(ids("AWS::ApiGatewayV2::Stage")).toEqual([
      "HttpApiDefaultStage3EEB07D6",
      "LiveStage762261E2",
    ]);
    expect(ids("AWS::ApiGatewayV2::Route")).toEqual(
      [
        "HttpApiPOSTwebhooksproviderA838B22B",
        "HttpApiGETcustomersB4E21F34",
        "HttpApiGETcustomersaccountId7713E49B",
        "HttpApiPUTaccountsaccountIdaliasesB20FD86B",
        "HttpApiGETunmatchedFEABECAE",
        "HttpApiGETdashboardportfolio8C7B310B",
        "HttpApiGETdashboardcustomers4FA5DADD",
        "HttpApiGETdashboardcustomersaccountIdE2AF4397",
        "HttpApiGETdashboardalerts96E1D224",
        "LiveApiconnectRoute98B4EECF",
        "LiveApidisconnectRoute04C81DE6",
        "LiveApidefaultRoute9815CE18",
      ].sort(),
    );
    expect(ids("AWS::Lambda::EventSourceMapping")).toEqual([
      "DashboardStreamFunctionDynamoDBEventSourceCustomerHealthtestStatelessHealthTable6129C7DD5B50DC3D",
      "ScoreFunctionDynamoDBEventSourceCustomerHealthtestStatefulHealthTable6B82308F990FAEE7",
    ]);
  });
});

/** A stateful stack alone (no bundling): cheap enough to build per case. */
function statefulAlone(overrides: Partial<DeploymentConfig>): StatefulStack {
  const config: DeploymentConfig = {
    stage: "test",
    alertEmails: ["cs@example.com"],
    opsEmails: ["ops@example.com"],
    slackWebhookSecretName: testContext().slackWebhookSecretName as string,
    modelFile: "functions/domain/model.default.ts",
    rescoreIntervalMinutes: 60,
    legacyExports: false,
    deferIndexes: [],
    ...overrides,
  };
  return new StatefulStack(new App(), stackNames("test").stateful, { config });
}

describe("StatefulStack upgrade and warnings", () => {
  it("keeps the ten exports an older stateless stack imports when legacyExports is on", () => {
    const exports = (stack: StatefulStack) =>
      Object.values(Template.fromStack(stack).toJSON().Outputs as Record<string, Cfn>)
        .filter((o) => o.Export)
        .map((o) => o.Export.Name)
        .sort();
    const names = exports(statefulAlone({ legacyExports: true }));
    expect(names).toHaveLength(10);
    // Names CDK gave the automatic cross-stack references before the SSM parameters.
    expect(names).toEqual(
      expect.arrayContaining([
        "CustomerHealth-test-Stateful:ExportsOutputFnGetAttHealthTableB882C94EArn2897D3CF",
        "CustomerHealth-test-Stateful:ExportsOutputFnGetAttHealthTableB882C94EStreamArn140BDBDF",
        "CustomerHealth-test-Stateful:ExportsOutputRefOpsTopic1B68409CBD855FD7",
        "CustomerHealth-test-Stateful:ExportsOutputFnGetAttSubscriptionDlqQueue3E801DA8QueueName104C5062",
      ]),
    );
    expect(exports(statefulAlone({}))).toEqual([]);
  }, 60_000);

  it("warns at synth that alerts and alarms reach nobody without alertEmails and opsEmails", () => {
    const silent = Annotations.fromStack(statefulAlone({ alertEmails: [], opsEmails: [] }));
    silent.hasWarning("*", Match.stringLikeRegexp("alertEmails is empty.*reach nobody"));
    silent.hasWarning("*", Match.stringLikeRegexp("opsEmails is empty.*alarms.*reach nobody"));

    const onlyOps = Annotations.fromStack(statefulAlone({ alertEmails: [] }));
    expect(onlyOps.findWarning("*", Match.stringLikeRegexp("opsEmails"))).toHaveLength(0);
    onlyOps.hasWarning("*", Match.stringLikeRegexp("alertEmails is empty"));

    const subscribed = Annotations.fromStack(statefulAlone({}));
    expect(subscribed.findWarning("*", Match.stringLikeRegexp("reach nobody"))).toHaveLength(0);
  }, 60_000);
});

describe("StatelessStack table stream consumers", () => {
  /** The stream mapping whose function's logical id starts with `functionPrefix`. */
  function mappingOf(functionPrefix: string): Record<string, Cfn> {
    const mappings = Object.values(resourcesOf(stateless, "AWS::Lambda::EventSourceMapping"));
    const found = mappings.filter((m) =>
      String((m.Properties?.FunctionName as Cfn)?.Ref).startsWith(functionPrefix),
    );
    expect(found, functionPrefix).toHaveLength(1);
    return found[0]?.Properties as Record<string, Cfn>;
  }

  it("reads the table's stream with two consumers at most (DynamoDB streams serve two readers per shard)", () => {
    const mappings = Object.values(resourcesOf(stateless, "AWS::Lambda::EventSourceMapping"));
    expect(mappings.map((m) => (m.Properties?.FunctionName as Cfn).Ref).sort()).toEqual([
      expect.stringMatching(/^DashboardStreamFunction/),
      expect.stringMatching(/^ScoreFunction/),
    ]);
  });

  it.each([
    ["score", "ScoreFunction", SCORE_STREAM, "ScoreStreamDlq"],
    ["dashboardStream", "DashboardStreamFunction", DASHBOARD_STREAM, "DashboardStreamDlq"],
  ] as const)("maps the table's stream to the %s function with the topology's settings and filter", (_, fnPrefix, settings, dlqPrefix) => {
    const table = onlyLogicalId(stateful, "AWS::DynamoDB::Table");
    const props = mappingOf(fnPrefix);
    expect(fromStateful(props.EventSourceArn)).toEqual({
      "Fn::GetAtt": [table, "StreamArn"],
    });
    expect(props).toMatchObject({
      StartingPosition: "TRIM_HORIZON",
      BatchSize: settings.batchSize,
      MaximumBatchingWindowInSeconds: settings.maxBatchingWindowSeconds,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: settings.retryAttempts,
      MaximumRecordAgeInSeconds: settings.maxRecordAgeSeconds,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      DestinationConfig: {
        OnFailure: {
          Destination: { "Fn::GetAtt": [expect.stringMatching(`^${dlqPrefix}`), "Arn"] },
        },
      },
    });
    expect(settings.reportBatchItemFailures).toBe(true);
    expect(
      props.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern)),
    ).toEqual(settings.filterPatterns);
  });
});

describe("StatelessStack dead-letter queues", () => {
  it("encrypts every queue, allows TLS only and keeps messages 14 days", () => {
    for (const template of [stateful, stateless]) {
      const queues = Object.entries(resourcesOf(template, "AWS::SQS::Queue"));
      expect(queues.length).toBeGreaterThan(0);
      for (const [id, queue] of queues) {
        expect(queue.Properties, id).toMatchObject({
          SqsManagedSseEnabled: true,
          MessageRetentionPeriod: FOURTEEN_DAYS,
        });
        template.hasResourceProperties("AWS::SQS::QueuePolicy", {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: "Deny",
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              }),
            ]),
          },
        });
      }
    }
  });
});

describe("StatelessStack HTTP API", () => {
  /** The routes of the HTTP API (the live feed's WebSocket API has its own, below). */
  const httpRoutes = () => {
    const apiId = logicalId(built.stateless.api);
    return Object.fromEntries(
      Object.entries(resourcesOf(stateless, "AWS::ApiGatewayV2::Route")).filter(
        ([, r]) => (r.Properties?.ApiId as Cfn)?.Ref === apiId,
      ),
    );
  };

  it("creates one route per topology route, IAM-, JWT-authorized or public as declared", () => {
    const routes = Object.values(httpRoutes());
    expect(routes).toHaveLength(ROUTES.length);
    const jwt = Object.entries(resourcesOf(stateless, "AWS::ApiGatewayV2::Authorizer")).filter(
      ([, a]) => a.Properties?.AuthorizerType === "JWT",
    );
    expect(jwt).toHaveLength(1);
    const authorization = {
      iam: { AuthorizationType: "AWS_IAM" },
      signature: { AuthorizationType: "NONE" },
      jwt: { AuthorizationType: "JWT", AuthorizerId: { Ref: jwt[0]?.[0] } },
    } as const;
    for (const route of ROUTES) {
      const found = routes.filter(
        (r) => r.Properties?.RouteKey === `${route.method} ${route.path}`,
      );
      expect(found, route.path).toHaveLength(1);
      expect(found[0]?.Properties, route.path).toMatchObject(authorization[route.auth]);
      if (route.auth !== "jwt") {
        expect(found[0]?.Properties?.AuthorizerId, route.path).toBeUndefined();
      }
    }
  });

  it("authorizes the live feed's WebSocket connection on $connect, by the dashboardAuth function", () => {
    const liveApi = logicalId(built.stateless.liveApi.api);
    const routes = Object.values(resourcesOf(stateless, "AWS::ApiGatewayV2::Route")).filter(
      (r) => (r.Properties?.ApiId as Cfn)?.Ref === liveApi,
    );
    const byKey = Object.fromEntries(routes.map((r) => [r.Properties?.RouteKey, r.Properties]));
    expect(Object.keys(byKey).sort()).toEqual(["$connect", "$default", "$disconnect"]);
    const [[authorizerId, authorizer]] = Object.entries(
      resourcesOf(stateless, "AWS::ApiGatewayV2::Authorizer"),
    ).filter(([, a]) => (a.Properties?.ApiId as Cfn)?.Ref === liveApi) as [[string, Cfn]];
    expect(byKey.$connect).toMatchObject({
      AuthorizationType: "CUSTOM",
      AuthorizerId: { Ref: authorizerId },
    });
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(
      logicalId(built.stateless.functions.dashboardAuth.function),
    );
  });

  it("throttles webhooks and the read/admin API separately, and writes JSON access logs", () => {
    const webhook = { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 };
    const admin = { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 };
    stateless.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      // Anything without its own route setting gets the stricter limit.
      DefaultRouteSettings: admin,
      RouteSettings: Object.fromEntries(
        ROUTES.map((r) => [`${r.method} ${r.path}`, r.auth === "signature" ? webhook : admin]),
      ),
      AccessLogSettings: {
        DestinationArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^ApiAccessLogs"), "Arn"] },
        Format: Match.serializedJson(Match.objectLike({ requestId: "$context.requestId" })),
      },
    });
  });

  it("creates the stage after the routes its route settings name", () => {
    const stage = stateless.toJSON().Resources[logicalId(built.stateless.apiStage)];
    const routes = Object.keys(httpRoutes());
    expect(routes).toHaveLength(ROUTES.length);
    expect(stage?.DependsOn).toEqual(expect.arrayContaining(routes));
  });

  it("outputs the API URL and one webhook URL per provider", () => {
    const outputs = stateless.toJSON().Outputs;
    expect(outputs.ApiUrl).toBeDefined();
    for (const provider of WEBHOOK_PROVIDERS) {
      const key = `WebhookUrl${provider[0]?.toUpperCase()}${provider.slice(1)}`;
      const parts = outputs[key].Value["Fn::Join"][1];
      expect(parts.at(-1)).toBe(`/webhooks/${provider}`);
    }
  });
});

describe("StatelessStack alert rules", () => {
  const rules = () => Object.values(resourcesOf(stateless, "AWS::Events::Rule"));
  const eventBus = () => onlyLogicalId(stateful, "AWS::Events::EventBus");

  it("sends paged alerts to the alert topic as readable text, one rule per detail type", () => {
    const email = EVENT_RULES.find((r) => r.target === "emailTopic");
    const topic = logicalId(built.stateful.alertTopic);
    const emailRules = rules().filter((r) =>
      (r.Properties?.Targets as Cfn[]).some(
        (t) => JSON.stringify(fromStateful(t.Arn)) === JSON.stringify({ Ref: topic }),
      ),
    );
    expect(emailRules.flatMap((r) => (r.Properties?.EventPattern as Cfn)["detail-type"])).toEqual(
      email?.pattern["detail-type"],
    );
    for (const rule of emailRules) {
      const pattern = rule.Properties?.EventPattern as Record<string, unknown>;
      expect({ ...pattern, "detail-type": email?.pattern["detail-type"] }).toEqual(email?.pattern);
      expect(fromStateful(rule.Properties?.EventBusName)).toEqual({
        "Fn::GetAtt": [eventBus(), "Arn"],
      });
      const [target] = rule.Properties?.Targets as Cfn[];
      expect(target.DeadLetterConfig.Arn).toEqual({
        "Fn::GetAtt": [expect.stringMatching(/Dlq/), "Arn"],
      });
      expect(target.RetryPolicy).toEqual({
        MaximumEventAgeInSeconds: 21_600,
        MaximumRetryAttempts: 10,
      });
      const { InputPathsMap, InputTemplate } = target.InputTransformer;
      // One ready-made line per driver slot (the model's topDrivers) in each of the two parts.
      const slots = defaultModel.alerts.topDrivers; // cdk.json's modelFile is the default model

      expect(Object.values(InputPathsMap)).toEqual(
        expect.arrayContaining([
          "$.detail.displayName",
          "$.detail.accountId",
          "$.detail.lines.owner",
          ...Array.from({ length: slots }, (_, i) => `$.detail.lines.changed[${i}]`),
          ...Array.from({ length: slots }, (_, i) => `$.detail.lines.holdingDown[${i}]`),
        ]),
      );
      for (const key of Object.keys(InputPathsMap)) expect(InputTemplate).toContain(`<${key}>`);
    }
    const tierChanged = emailRules.find(
      (r) => (r.Properties?.EventPattern as Cfn)["detail-type"][0] === "HealthTierChanged",
    );
    const paths = Object.values(
      (tierChanged?.Properties?.Targets as Cfn[])[0].InputTransformer.InputPathsMap,
    );
    expect(paths).toEqual(
      expect.arrayContaining(["$.detail.previousTier", "$.detail.tier", "$.detail.lines.score"]),
    );
  });

  it("sends alerts to the Slack function with a retry policy and a DLQ", () => {
    const slack = EVENT_RULES.find((r) => r.target === "slack");
    const rule = rules().find(
      (r) => JSON.stringify(r.Properties?.EventPattern) === JSON.stringify(slack?.pattern),
    );
    expect(rule).toBeDefined();
    expect(fromStateful(rule?.Properties?.EventBusName)).toEqual({
      "Fn::GetAtt": [eventBus(), "Arn"],
    });
    expect((rule?.Properties?.Targets as Cfn[])[0]).toMatchObject({
      Arn: { "Fn::GetAtt": [expect.stringMatching(/^SlackFunction/), "Arn"] },
      RetryPolicy: { MaximumEventAgeInSeconds: 21_600, MaximumRetryAttempts: 10 },
      DeadLetterConfig: {
        Arn: { "Fn::GetAtt": [expect.stringMatching(/^SlackDeliveryDlq/), "Arn"] },
      },
    });
    stateless.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      Principal: "events.amazonaws.com",
      FunctionName: { "Fn::GetAtt": [Match.stringLikeRegexp("^SlackFunction"), "Arn"] },
    });
  });
});

describe("StatelessStack rescore schedule", () => {
  it("invokes the rescore function every rescoreIntervalMinutes, with retries and a DLQ", () => {
    stateless.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "rate(1 hour)",
      State: "ENABLED",
      Target: Match.objectLike({
        Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^RescoreFunction"), "Arn"] },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: {
          Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^RescoreScheduleDlq"), "Arn"] },
        },
      }),
    });
  });
});

describe("StatelessStack alarms", () => {
  const alarms = () =>
    Object.values(resourcesOf(stateless, "AWS::CloudWatch::Alarm")).map((a) => a.Properties as Cfn);
  const opsTopic = () => logicalId(built.stateful.opsTopic);

  it("alarms on every DLQ as soon as one message is visible", () => {
    const queues = [
      ...Object.keys(resourcesOf(stateless, "AWS::SQS::Queue")).map((id) => ({
        "Fn::GetAtt": [id, "QueueName"],
      })),
      // The stateful queue's name is read out of its ARN (an SSM parameter).
      ...Object.keys(resourcesOf(stateful, "AWS::SQS::Queue")).map((id) => ({
        "Fn::GetAtt": [id, "Arn"],
      })),
    ];
    const dlqAlarms = alarms().filter((a) => a.MetricName === "ApproximateNumberOfMessagesVisible");
    expect(dlqAlarms).toHaveLength(queues.length);
    const alarmed = dlqAlarms.map((a) => {
      const value = a.Dimensions[0].Value;
      return fromStateful(value) ?? value;
    });
    expect(alarmed).toEqual(expect.arrayContaining(queues));
    for (const alarm of dlqAlarms) {
      expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: "GreaterThanThreshold" });
    }
  });

  it("alarms on errors and throttles of every function", () => {
    for (const metric of ["Errors", "Throttles"]) {
      const matching = alarms().filter(
        (a) => a.MetricName === metric && a.Namespace === "AWS/Lambda",
      );
      expect(matching).toHaveLength(FUNCTION_IDS.length);
    }
  });

  it("alarms when the score function's stream iterator falls five minutes behind", () => {
    const [alarm] = alarms().filter((a) => a.MetricName === "IteratorAge");
    expect(alarm).toMatchObject({
      Statistic: "Maximum",
      Threshold: 300_000,
      Dimensions: [
        { Name: "FunctionName", Value: { Ref: expect.stringMatching(/^ScoreFunction/) } },
      ],
    });
  });

  it("alarms when more than 5% of API requests answer 5xx", () => {
    const [alarm] = alarms().filter((a) => a.Metrics?.some((m: Cfn) => m.Expression));
    expect(alarm?.Threshold).toBe(5);
    const names = alarm?.Metrics.filter((m: Cfn) => m.MetricStat).map(
      (m: Cfn) => m.MetricStat.Metric.MetricName,
    );
    expect(names.sort()).toEqual(["5xx", "Count"]);
  });

  it("alarms when unmatched webhook events pile up: the day's sum over every provider", () => {
    const [alarm] = alarms().filter((a) =>
      a.Metrics?.some((m: Cfn) => m.MetricStat?.Metric.MetricName === "WebhookUnmatched"),
    );
    expect(alarm).toMatchObject({
      Threshold: 10,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
    });
    const sum = alarm.Metrics.find((m: Cfn) => m.Expression);
    const inputs = alarm.Metrics.filter((m: Cfn) => m.MetricStat);
    expect(sum.Expression).toBe(`SUM([${inputs.map((m: Cfn) => m.Id).join(", ")}])`);
    expect(sum.ReturnData).not.toBe(false);
    // Powertools EMF adds the service dimension to every metric: an alarm without it
    // would watch a metric nobody emits.
    expect(inputs.map((m: Cfn) => ({ ...m.MetricStat, ReturnData: m.ReturnData }))).toEqual(
      WEBHOOK_PROVIDERS.map((provider) => ({
        Metric: {
          Namespace: "CustomerHealth",
          MetricName: "WebhookUnmatched",
          Dimensions: expect.arrayContaining([
            { Name: "service", Value: "customer-health" },
            { Name: "provider", Value: provider },
          ]),
        },
        Period: 86_400,
        Stat: "Sum",
        ReturnData: false,
      })),
    );
    for (const m of inputs) expect(m.MetricStat.Metric.Dimensions).toHaveLength(2);
  });

  it("sends every alarm and its recovery to the ops topic", () => {
    for (const alarm of alarms()) {
      for (const actions of [alarm.AlarmActions, alarm.OKActions]) {
        expect(actions.map((a: unknown) => fromStateful(a))).toEqual([{ Ref: opsTopic() }]);
      }
    }
  });
});

describe("IAM", () => {
  /**
   * The one exception: CDK's BucketDeployment handler (the dashboard page deployment) gets its
   * S3 access from Bucket.grantReadWrite / grantRead, whose action lists have wildcards and
   * which BucketDeployment offers no way to narrow. Only in that role's policy, only these
   * actions, and only on the site bucket and the CDK assets bucket.
   */
  const DEPLOYMENT_S3_WILDCARDS = [
    "s3:Abort*",
    "s3:DeleteObject*",
    "s3:GetBucket*",
    "s3:GetObject*",
    "s3:List*",
  ];
  const deploymentPolicyId = () =>
    logicalId(
      built.stateless.dashboardSite.node
        .findChild("DashboardDeploymentRole")
        .node.findChild("DefaultPolicy"),
    );

  it("grants no wildcard action (`*`, `service:*`, `service:Get*`) in any identity policy", () => {
    const offenders: string[] = [];
    const siteBucket = logicalId(built.stateless.dashboardSite.bucket);
    for (const template of [stateful, stateless]) {
      const policies = {
        ...resourcesOf(template, "AWS::IAM::Policy"),
        ...resourcesOf(template, "AWS::IAM::ManagedPolicy"),
      };
      for (const [id, policy] of Object.entries(policies)) {
        for (const statement of (policy.Properties?.PolicyDocument as Cfn).Statement) {
          if (statement.Effect !== "Allow") continue;
          const deploymentS3 =
            template === stateless &&
            id === deploymentPolicyId() &&
            [statement.Resource].flat().every((r: Cfn) => {
              const text = JSON.stringify(r);
              return text.includes(`"${siteBucket}"`) || text.includes("cdk-hnb659fds-assets-");
            });
          for (const action of actionsOf(statement)) {
            if (deploymentS3 && DEPLOYMENT_S3_WILDCARDS.includes(action)) continue;
            if (action.includes("*")) offenders.push(`${id}: ${action}`);
          }
        }
      }
      for (const [id, role] of Object.entries(resourcesOf(template, "AWS::IAM::Role"))) {
        expect(role.Properties?.ManagedPolicyArns, `${id} uses a managed policy`).toBeUndefined();
        expect(role.Properties?.Policies, `${id} has inline policies`).toBeUndefined();
      }
    }
    expect(offenders).toEqual([]);
  });

  it("never grants a resource wildcard on a data resource", () => {
    const allowedOnStar = new Set([
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
      "dynamodb:ListStreams",
    ]);
    for (const policy of Object.values(resourcesOf(stateless, "AWS::IAM::Policy"))) {
      for (const statement of (policy.Properties?.PolicyDocument as Cfn).Statement) {
        if (statement.Resource !== "*") continue;
        for (const action of actionsOf(statement)) expect(allowedOnStar).toContain(action);
      }
    }
  });
});

describe("deferring a table index (DynamoDB adds one per table update)", () => {
  it("leaves the named index out of this deploy and keeps the others", () => {
    const names = (stack: StatefulStack) =>
      (
        Template.fromStack(stack).findResources("AWS::DynamoDB::Table") as Record<
          string,
          { Properties: { GlobalSecondaryIndexes: { IndexName: string }[] } }
        >
      )[
        Object.keys(Template.fromStack(stack).findResources("AWS::DynamoDB::Table"))[0] as string
      ]?.Properties.GlobalSecondaryIndexes.map((index) => index.IndexName);

    expect(names(statefulAlone({ deferIndexes: ["eventLog"] }))).toEqual(
      HEALTH_TABLE.globalIndexes.map((index) => index.name).filter((name) => name !== "eventLog"),
    );
    expect(names(statefulAlone({}))).toEqual(HEALTH_TABLE.globalIndexes.map((index) => index.name));
  });
});
