/**
 * Everything that can be replaced without losing data: the five functions, the HTTP API,
 * the stream trigger, the EventBridge rules, the rescore schedule and the alarms. All of it
 * is derived from the topology (lib/topology.ts), the same definition the local runtime reads.
 */
import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpStage,
  LogGroupLogDestination,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { EventField, type EventPattern, Rule, RuleTargetInput } from "aws-cdk-lib/aws-events";
import { LambdaFunction, SnsTopic } from "aws-cdk-lib/aws-events-targets";
import { FilterCriteria, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Schedule, ScheduleExpression } from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import type { Construct } from "constructs";
import { renderEmailTemplate } from "../functions/alerts/message.ts";
import type { CompiledModel } from "../functions/domain/model.ts";
import type { DeploymentConfig } from "./config.ts";
import { DeadLetterQueue } from "./constructs/dead-letter-queue.ts";
import { HealthFunction, type HealthFunctionProps } from "./constructs/health-function.ts";
import { OpsAlarms } from "./constructs/ops-alarms.ts";
import { modelDefine } from "./model-source.ts";
import { nagReference } from "./nag.ts";
import type { StatefulResources } from "./stateful-stack.ts";
import {
  DETAIL_TYPES,
  EVENT_RULES,
  FUNCTIONS,
  type FunctionId,
  ROUTES,
  SCORE_STREAM,
  SERVICE_NAME,
} from "./topology.ts";
import { WEBHOOK_PROVIDERS, webhookPath } from "./webhook-providers.ts";

export interface ApiThrottle {
  /** Steady-state requests per second across all routes. */
  readonly rateLimit: number;
  /** Short bursts above the steady rate. */
  readonly burstLimit: number;
}

export interface StatelessStackProps extends StackProps {
  readonly config: DeploymentConfig;
  /** The table, bus, topics and secrets of the stateful stack. */
  readonly stateful: StatefulResources;
  /** The validated scoring model, inlined into every bundle. */
  readonly model: CompiledModel;
  /** Absolute path of the repository root (function entries are relative to it). */
  readonly projectRoot: string;
  /**
   * Stage throttling of the HTTP API.
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly apiThrottle?: ApiThrottle;
  /**
   * Retention of function and API access logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * How long EventBridge keeps retrying to hand an alert to a target.
   * @default Duration.hours(6)
   */
  readonly alertDeliveryMaxAge?: Duration;
  /**
   * How often EventBridge retries handing an alert to a target.
   * @default 10
   */
  readonly alertDeliveryRetries?: number;
}

/** HTTP API v2 access log fields (JSON, one line per request). */
const ACCESS_LOG_FIELDS = {
  requestId: "$context.requestId",
  requestTime: "$context.requestTime",
  sourceIp: "$context.identity.sourceIp",
  userAgent: "$context.identity.userAgent",
  caller: "$context.identity.userArn",
  routeKey: "$context.routeKey",
  path: "$context.path",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  latencyMs: "$context.responseLatency",
  integrationLatencyMs: "$context.integrationLatency",
  integrationStatus: "$context.integrationStatus",
  integrationError: "$context.integrationErrorMessage",
  error: "$context.error.message",
};

const pascal = (id: string) => id.charAt(0).toUpperCase() + id.slice(1);

/** Topology patterns use the wire's `detail-type`; CDK's EventPattern calls it `detailType`. */
export function toEventPattern(pattern: Readonly<Record<string, unknown>>): EventPattern {
  return Object.fromEntries(
    Object.entries(pattern).map(([key, value]) => [
      key === "detail-type" ? "detailType" : key,
      value,
    ]),
  ) as EventPattern;
}

const field = (path: string) => EventField.fromPath(path);

/**
 * The email text per detail type (SNS email is plain text): the same template the local
 * runtime fills (functions/alerts/message.ts), here with EventBridge input paths.
 */
export const ALERT_EMAIL_TEXT: Readonly<Record<string, () => string>> = Object.fromEntries(
  Object.values(DETAIL_TYPES).map((type) => [
    type,
    () => renderEmailTemplate(type, (_name, path) => field(path)),
  ]),
);

/** The stateless half of the app: functions, API, stream trigger, rules, schedule, alarms. */
export class StatelessStack extends Stack {
  public readonly functions: Readonly<Record<FunctionId, HealthFunction>>;
  public readonly api: HttpApi;
  public readonly apiStage: HttpStage;
  public readonly deadLetterQueues: Readonly<Record<string, DeadLetterQueue>>;
  public readonly alarms: OpsAlarms;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    const dlq = (dlqId: string, purpose: string) => new DeadLetterQueue(this, dlqId, { purpose });
    const dlqs = {
      ScoreStream: dlq(
        "ScoreStreamDlq",
        "stream batches the score function still failed after its retries (shard and sequence numbers; re-read the aggregates)",
      ),
      SlackFunction: dlq(
        "SlackFunctionDlq",
        "health events the Slack function failed to post after Lambda's retries",
      ),
      RescoreFunction: dlq("RescoreFunctionDlq", "rescore runs that failed after Lambda's retries"),
      SlackDelivery: dlq(
        "SlackDeliveryDlq",
        "health events EventBridge could not hand to the Slack function",
      ),
      EmailDelivery: dlq(
        "EmailDeliveryDlq",
        "health events EventBridge could not publish to the alert topic",
      ),
      RescoreSchedule: dlq(
        "RescoreScheduleDlq",
        "rescore triggers EventBridge Scheduler could not deliver",
      ),
      Subscription: stateful.subscriptionDlq,
    };
    this.deadLetterQueues = dlqs;

    // ---- Functions: defaults from the topology, access granted with the env var naming it.
    const define = modelDefine(props.model);
    const fn = (fnId: FunctionId, extra: Partial<HealthFunctionProps> = {}) =>
      new HealthFunction(this, `${pascal(fnId)}Function`, {
        definition: FUNCTIONS[fnId],
        projectRoot: props.projectRoot,
        define,
        logRetention,
        ...extra,
      });
    const functions: Record<FunctionId, HealthFunction> = {
      webhook: fn("webhook")
        .useTable(stateful.table)
        .useSecret(stateful.webhookSecrets, "WEBHOOK_SECRETS_ARN"),
      score: fn("score").useTable(stateful.table).publishesTo(stateful.eventBus),
      rescore: fn("rescore", { deadLetterQueue: dlqs.RescoreFunction.queue })
        .useTable(stateful.table)
        .publishesTo(stateful.eventBus)
        .addEnvironment("RESCORE_INTERVAL_MINUTES", String(config.rescoreIntervalMinutes)),
      slack: fn("slack", { deadLetterQueue: dlqs.SlackFunction.queue })
        .useTable(stateful.table)
        .useSecret(stateful.slackWebhookSecret, "SLACK_WEBHOOK_SECRET_ARN"),
      api: fn("api").useTable(stateful.table),
    };
    this.functions = functions;

    // ---- HTTP API: routes from the topology; webhooks are public but signed, the rest IAM.
    const accessLogs = new LogGroup(this, "ApiAccessLogs", {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new HttpApi(this, "HttpApi", {
      apiName: `${SERVICE_NAME}-${config.stage}`,
      description: "Customer health: provider webhooks (signed) and the read/admin API (IAM)",
      createDefaultStage: false,
    });
    const throttle = props.apiThrottle ?? { rateLimit: 100, burstLimit: 200 };
    this.apiStage = this.api.addStage("DefaultStage", {
      stageName: "$default",
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    const integrations = new Map<FunctionId, HttpLambdaIntegration>();
    const integrationFor = (fnId: FunctionId) => {
      let integration = integrations.get(fnId);
      if (!integration) {
        integration = new HttpLambdaIntegration(
          `${pascal(fnId)}Integration`,
          functions[fnId].function,
        );
        integrations.set(fnId, integration);
      }
      return integration;
    };
    const iamAuthorizer = new HttpIamAuthorizer();
    for (const route of ROUTES) {
      const routes = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrationFor(route.function),
        authorizer: route.auth === "iam" ? iamAuthorizer : new HttpNoneAuthorizer(),
      });
      if (route.auth === "signature") {
        for (const r of routes) {
          Validations.of(r).acknowledge({
            id: "AwsSolutions-APIG4",
            reason:
              "Provider webhooks cannot sign requests with SigV4 or carry a token; the function verifies each provider's HMAC signature over the raw body (and timestamp) and answers 401 when it does not match.",
          });
        }
      }
    }

    // ---- Stream trigger: aggregate changes only (the same filter JSON runs locally).
    const scoreStream = SCORE_STREAM;
    functions[scoreStream.function].function.addEventSource(
      new DynamoEventSource(stateful.table, {
        // TRIM_HORIZON: changes written before the mapping exists (first deploy, a replaced
        // mapping) are still scored; rescoring is idempotent, so a replay costs only time.
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: scoreStream.batchSize,
        maxBatchingWindow: Duration.seconds(scoreStream.maxBatchingWindowSeconds),
        bisectBatchOnError: scoreStream.bisectBatchOnError,
        retryAttempts: scoreStream.retryAttempts,
        maxRecordAge: Duration.seconds(scoreStream.maxRecordAgeSeconds),
        reportBatchItemFailures: scoreStream.reportBatchItemFailures,
        filters: scoreStream.filterPatterns.map((pattern) => FilterCriteria.filter(pattern)),
        onFailure: new SqsDlq(dlqs.ScoreStream.queue),
      }),
    );

    // ---- Alert rules on the custom bus.
    const delivery = {
      retryAttempts: props.alertDeliveryRetries ?? 10,
      maxEventAge: props.alertDeliveryMaxAge ?? Duration.hours(6),
    };
    for (const rule of EVENT_RULES) {
      const target = rule.target;
      switch (target) {
        case "emailTopic":
          // One rule per detail type, so that each email has wording that fits its event.
          for (const detailType of rule.pattern["detail-type"]) {
            const text = ALERT_EMAIL_TEXT[detailType];
            if (!text) throw new Error(`no alert email text for detail type ${detailType}`);
            new Rule(this, `${rule.id}${detailType}`, {
              eventBus: stateful.eventBus,
              description: `${rule.id}: ${detailType} to the alert topic (readable email text)`,
              eventPattern: toEventPattern({ ...rule.pattern, "detail-type": [detailType] }),
              targets: [
                new SnsTopic(stateful.alertTopic, {
                  message: RuleTargetInput.fromMultilineText(text()),
                  deadLetterQueue: dlqs.EmailDelivery.queue,
                  ...delivery,
                }),
              ],
            });
          }
          break;
        case "slack":
          new Rule(this, rule.id, {
            eventBus: stateful.eventBus,
            description: `${rule.id}: health events to the Slack function`,
            eventPattern: toEventPattern(rule.pattern),
            targets: [
              new LambdaFunction(functions.slack.function, {
                deadLetterQueue: dlqs.SlackDelivery.queue,
                ...delivery,
              }),
            ],
          });
          break;
        default: {
          const unknownTarget: never = target;
          throw new Error(`no CDK target for event rule target ${String(unknownTarget)}`);
        }
      }
    }

    // ---- Rescore schedule: silence must decay into risk without any new event.
    const interval = config.rescoreIntervalMinutes;
    const rescoreFunction = functions.rescore.function;
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagReference(this, rescoreFunction, rescoreFunction.functionArn)}:*]`,
      reason:
        "The scheduler role may invoke the rescore function and its versions or aliases (ARN:*), as grantInvoke grants; no other function.",
    });
    new Schedule(this, "RescoreSchedule", {
      description: `Rescores customers whose score is older than ${interval} minutes`,
      schedule: ScheduleExpression.rate(Duration.minutes(interval)),
      target: new LambdaInvoke(rescoreFunction, {
        retryAttempts: 2,
        // A trigger older than one interval is superseded by the next one.
        maxEventAge: Duration.minutes(Math.max(1, Math.min(interval, 1440))),
        deadLetterQueue: dlqs.RescoreSchedule.queue,
      }),
    });

    // ---- Alarms to the ops topic.
    this.alarms = new OpsAlarms(this, "Alarms", {
      topic: stateful.opsTopic,
      functions: Object.fromEntries(
        Object.entries(functions).map(([name, f]) => [pascal(name), f.function]),
      ),
      deadLetterQueues: dlqs,
      streamConsumer: functions[scoreStream.function].function,
      httpApi: this.api,
    });

    // ---- Outputs: where to point each provider.
    new CfnOutput(this, "ApiUrl", { value: this.apiStage.url });
    for (const provider of WEBHOOK_PROVIDERS) {
      new CfnOutput(this, `WebhookUrl${pascal(provider)}`, {
        value: `${this.apiStage.url}${webhookPath(provider).slice(1)}`,
        description: `Paste into ${provider}'s webhook settings`,
      });
    }
    new CfnOutput(this, "ModelVersion", {
      value: props.model.modelVersion,
      description: "Scoring model version#hash inlined into the functions",
    });
  }
}
