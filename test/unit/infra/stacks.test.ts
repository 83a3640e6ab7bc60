import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type CfnElement, Stack } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EVENT_RULES,
  FUNCTIONS,
  type FunctionId,
  HEALTH_TABLE,
  ROUTES,
  SCORE_STREAM,
} from "../../../lib/topology.ts";
import { WEBHOOK_PROVIDERS } from "../../../lib/webhook-providers.ts";
import {
  importedValue,
  onlyLogicalId,
  resourcesOf,
  type SynthesizedApp,
  synthesizeApp,
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
          Projection: { ProjectionType: "ALL" },
        })),
      }),
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
    const groups = Object.values(resourcesOf(stateless, "AWS::Logs::LogGroup"));
    expect(groups.length).toBe(FUNCTION_IDS.length + 1); // + API access logs
    for (const group of groups) expect(group.Properties?.RetentionInDays).toBe(30);
  });

  it("points TABLE_NAME of every function at the table, and grants it the table and its indexes", () => {
    const table = onlyLogicalId(stateful, "AWS::DynamoDB::Table");
    for (const id of FUNCTION_IDS) {
      const env = functionProps(id).Environment.Variables;
      expect(importedValue(stateful, env.TABLE_NAME)).toEqual({ Ref: table });
      const dynamo = functionStatements(id).find((s) => actionsOf(s).includes("dynamodb:PutItem"));
      expect(dynamo, id).toBeDefined();
      const [tableArn, indexArn] = dynamo?.Resource ?? [];
      expect(importedValue(stateful, tableArn)).toEqual({ "Fn::GetAtt": [table, "Arn"] });
      expect(importedValue(stateful, indexArn["Fn::Join"][1][0])).toEqual({
        "Fn::GetAtt": [table, "Arn"],
      });
    }
  });

  it("sets EVENT_BUS_NAME exactly on the functions allowed to put events on the bus", () => {
    const bus = onlyLogicalId(stateful, "AWS::Events::EventBus");
    for (const id of FUNCTION_IDS) {
      const env = functionProps(id).Environment.Variables;
      const putEvents = functionStatements(id).find((s) =>
        actionsOf(s).includes("events:PutEvents"),
      );
      if (id === "score" || id === "rescore") {
        expect(importedValue(stateful, env.EVENT_BUS_NAME)).toEqual({ Ref: bus });
        expect(importedValue(stateful, putEvents?.Resource)).toEqual({
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
    };
    for (const id of FUNCTION_IDS) {
      const env = functionProps(id).Environment.Variables;
      const reads = functionStatements(id).filter((s) =>
        actionsOf(s).includes("secretsmanager:GetSecretValue"),
      );
      const wanted = expected[id];
      if (wanted) {
        const [variable, logicalId] = wanted;
        expect(importedValue(stateful, env[variable])).toEqual({ Ref: logicalId });
        expect(reads.map((s) => importedValue(stateful, s.Resource))).toEqual([{ Ref: logicalId }]);
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

  it("gives the asynchronously invoked functions (slack, rescore) an encrypted DLQ", () => {
    for (const id of ["slack", "rescore"] as const) {
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

describe("StatelessStack score stream", () => {
  it("maps the table's stream to the score function with the topology's settings and filter", () => {
    const table = onlyLogicalId(stateful, "AWS::DynamoDB::Table");
    const mappings = Object.values(resourcesOf(stateless, "AWS::Lambda::EventSourceMapping"));
    expect(mappings).toHaveLength(1);
    const props = mappings[0]?.Properties as Record<string, Cfn>;
    expect(importedValue(stateful, props.EventSourceArn)).toEqual({
      "Fn::GetAtt": [table, "StreamArn"],
    });
    expect(props.FunctionName).toEqual({
      Ref: expect.stringMatching(/^ScoreFunction/),
    });
    expect(props).toMatchObject({
      StartingPosition: "TRIM_HORIZON",
      BatchSize: SCORE_STREAM.batchSize,
      MaximumBatchingWindowInSeconds: SCORE_STREAM.maxBatchingWindowSeconds,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: SCORE_STREAM.retryAttempts,
      MaximumRecordAgeInSeconds: SCORE_STREAM.maxRecordAgeSeconds,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      DestinationConfig: {
        OnFailure: {
          Destination: { "Fn::GetAtt": [expect.stringMatching(/^ScoreStreamDlq/), "Arn"] },
        },
      },
    });
    expect(
      props.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern)),
    ).toEqual(SCORE_STREAM.filterPatterns);
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
  it("creates one route per topology route, IAM-authorized or public as declared", () => {
    const routes = Object.values(resourcesOf(stateless, "AWS::ApiGatewayV2::Route"));
    expect(routes).toHaveLength(ROUTES.length);
    for (const route of ROUTES) {
      stateless.hasResourceProperties("AWS::ApiGatewayV2::Route", {
        RouteKey: `${route.method} ${route.path}`,
        AuthorizationType: route.auth === "iam" ? "AWS_IAM" : "NONE",
      });
    }
  });

  it("throttles the default stage and writes JSON access logs to a log group", () => {
    stateless.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: {
        DestinationArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^ApiAccessLogs"), "Arn"] },
        Format: Match.serializedJson(Match.objectLike({ requestId: "$context.requestId" })),
      },
    });
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
        (t) => JSON.stringify(importedValue(stateful, t.Arn)) === JSON.stringify({ Ref: topic }),
      ),
    );
    expect(emailRules.flatMap((r) => (r.Properties?.EventPattern as Cfn)["detail-type"])).toEqual(
      email?.pattern["detail-type"],
    );
    for (const rule of emailRules) {
      const pattern = rule.Properties?.EventPattern as Record<string, unknown>;
      expect({ ...pattern, "detail-type": email?.pattern["detail-type"] }).toEqual(email?.pattern);
      expect(importedValue(stateful, rule.Properties?.EventBusName)).toEqual({ Ref: eventBus() });
      const [target] = rule.Properties?.Targets as Cfn[];
      expect(target.DeadLetterConfig.Arn).toEqual({
        "Fn::GetAtt": [expect.stringMatching(/Dlq/), "Arn"],
      });
      expect(target.RetryPolicy).toEqual({
        MaximumEventAgeInSeconds: 21_600,
        MaximumRetryAttempts: 10,
      });
      const { InputPathsMap, InputTemplate } = target.InputTransformer;
      expect(Object.values(InputPathsMap)).toEqual(
        expect.arrayContaining([
          "$.detail.displayName",
          "$.detail.accountId",
          "$.detail.drivers[0].reason",
          "$.detail.drivers[1].reason",
          "$.detail.drivers[2].reason",
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
      expect.arrayContaining(["$.detail.previousTier", "$.detail.tier", "$.detail.score"]),
    );
  });

  it("sends alerts to the Slack function with a retry policy and a DLQ", () => {
    const slack = EVENT_RULES.find((r) => r.target === "slack");
    const rule = rules().find(
      (r) => JSON.stringify(r.Properties?.EventPattern) === JSON.stringify(slack?.pattern),
    );
    expect(rule).toBeDefined();
    expect(importedValue(stateful, rule?.Properties?.EventBusName)).toEqual({ Ref: eventBus() });
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
      ...Object.keys(resourcesOf(stateful, "AWS::SQS::Queue")).map((id) => ({
        "Fn::GetAtt": [id, "QueueName"],
      })),
    ];
    const dlqAlarms = alarms().filter((a) => a.MetricName === "ApproximateNumberOfMessagesVisible");
    expect(dlqAlarms).toHaveLength(queues.length);
    const alarmed = dlqAlarms.map((a) => {
      const value = a.Dimensions[0].Value;
      return importedValue(stateful, value) ?? value;
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

  it("sends every alarm and its recovery to the ops topic", () => {
    for (const alarm of alarms()) {
      for (const actions of [alarm.AlarmActions, alarm.OKActions]) {
        expect(actions.map((a: unknown) => importedValue(stateful, a))).toEqual([
          { Ref: opsTopic() },
        ]);
      }
    }
  });
});

describe("IAM", () => {
  it("grants no wildcard action (`*`, `service:*`, `service:Get*`) in any identity policy", () => {
    const offenders: string[] = [];
    for (const template of [stateful, stateless]) {
      const policies = {
        ...resourcesOf(template, "AWS::IAM::Policy"),
        ...resourcesOf(template, "AWS::IAM::ManagedPolicy"),
      };
      for (const [id, policy] of Object.entries(policies)) {
        for (const statement of (policy.Properties?.PolicyDocument as Cfn).Statement) {
          if (statement.Effect !== "Allow") continue;
          for (const action of actionsOf(statement)) {
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
