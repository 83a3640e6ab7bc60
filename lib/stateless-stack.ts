/**
 * Everything that can be replaced without losing data: the five functions, the HTTP API,
 * the stream trigger, the EventBridge rules, the rescore schedule and the alarms. All of it
 * is derived from the topology (lib/topology.ts), the same definition the local runtime reads,
 * one construct per concern. The stateful resources are found through SSM parameters
 * (importStatefulResources), so this stack never holds the stateful one's exports.
 */
import { CfnOutput, Duration, type StackProps } from "aws-cdk-lib";
import { CorsHttpMethod, type HttpApi, type HttpStage } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import {
  DASHBOARD_URL_ENV,
  SLACK_DIGEST_ENV,
  SLACK_OWNER_IDS_ENV,
} from "../functions/alerts/settings.ts";
import type { CompiledModel } from "../functions/domain/model.ts";
import type { DeploymentConfig } from "./config.ts";
import { AlertDigestSchedule } from "./constructs/alert-digest-schedule.ts";
import { AlertRouting } from "./constructs/alert-routing.ts";
import { ConcernStack, logicalIdAt } from "./constructs/concern.ts";
import { DashboardAuth } from "./constructs/dashboard-auth.ts";
import { DashboardSite } from "./constructs/dashboard-site.ts";
import { DeadLetterQueue, type DeadLetterQueueRef } from "./constructs/dead-letter-queue.ts";
import { HealthFunction, type HealthFunctionProps } from "./constructs/health-function.ts";
import { HealthHttpApi } from "./constructs/health-http-api.ts";
import { LiveApi } from "./constructs/live-api.ts";
import { OpsAlarms } from "./constructs/ops-alarms.ts";
import { RescoreSchedule } from "./constructs/rescore-schedule.ts";
import { ScoreStreamConsumer } from "./constructs/score-stream-consumer.ts";
import { modelDefine } from "./model-source.ts";
import { importStatefulResources, type StatefulResources } from "./stateful-stack.ts";
import {
  FUNCTIONS,
  type FunctionId,
  HEALTH_TABLE,
  METRICS_NAMESPACE,
  SCORE_STREAM,
  SERVICE_NAME,
} from "./topology.ts";
import { WEBHOOK_PROVIDERS, webhookPath } from "./webhook-providers.ts";

export interface StatelessStackProps extends StackProps {
  readonly config: DeploymentConfig;
  /**
   * The table, bus, topics and secrets of the stateful stack.
   * @default - read from the stage's SSM parameters (importStatefulResources)
   */
  readonly stateful?: StatefulResources;
  /** The validated scoring model, inlined into every bundle. */
  readonly model: CompiledModel;
  /** Absolute path of the repository root (function entries are relative to it). */
  readonly projectRoot: string;
  /**
   * Name of the stage's stateful stack. Until this stack read SSM parameters, the stream
   * mapping's logical id was derived from the table's path there; it is kept.
   */
  readonly statefulStackName: string;
  /**
   * Retention of function and API access logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * The dashboard's base URL the alerts link to (e.g. the dashboard's CloudFront URL).
   * @default config.alerts.dashboardUrl (CDK context `dashboardUrl`); no link without one
   */
  readonly dashboardUrl?: string;
}

const pascal = (id: string) => id.charAt(0).toUpperCase() + id.slice(1);

/** The stateless half of the app: functions, API, stream trigger, rules, schedule, alarms. */
export class StatelessStack extends ConcernStack {
  public readonly functions: Readonly<Record<FunctionId, HealthFunction>>;
  public readonly httpApi: HealthHttpApi;
  public readonly api: HttpApi;
  public readonly apiStage: HttpStage;
  public readonly scoreStream: ScoreStreamConsumer;
  public readonly alertRouting: AlertRouting;
  public readonly rescoreSchedule: RescoreSchedule;
  public readonly digestSchedule: AlertDigestSchedule;
  public readonly deadLetterQueues: Readonly<Record<string, DeadLetterQueueRef>>;
  public readonly alarms: OpsAlarms;
  public readonly dashboardSite: DashboardSite;
  public readonly dashboardAuth: DashboardAuth;
  public readonly liveApi: LiveApi;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config } = props;
    const stateful = props.stateful ?? importStatefulResources(this, config.stage);
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    // ---- Functions: defaults and table access from the topology, each grant with the env
    // var naming its resource. Async-invoked functions get a DLQ for failed invocations.
    const define = modelDefine(props.model);
    const fn = (fnId: FunctionId, extra: Partial<HealthFunctionProps> = {}) =>
      new HealthFunction(this, `${pascal(fnId)}Function`, {
        definition: FUNCTIONS[fnId],
        projectRoot: props.projectRoot,
        define,
        logRetention,
        ...extra,
      });
    const slackFunctionDlq = new DeadLetterQueue(this, "SlackFunctionDlq", {
      purpose: "health events the Slack function failed to post after its retries",
    });
    const rescoreFunctionDlq = new DeadLetterQueue(this, "RescoreFunctionDlq", {
      purpose: "rescore runs that failed after Lambda's retries",
    });
    const digestFunctionDlq = new DeadLetterQueue(this, "DigestFunctionDlq", {
      purpose: "daily digest runs that failed after Lambda's retries",
    });
    // Alert settings for the functions that post to Slack (link, mentions, digest).
    const alerts = config.alerts;
    const dashboardUrl = props.dashboardUrl ?? alerts?.dashboardUrl;
    const alertEnv = (f: HealthFunction) => {
      if (dashboardUrl) f.addEnvironment(DASHBOARD_URL_ENV, dashboardUrl);
      if (alerts && alerts.slackOwnersJson !== "{}") {
        f.addEnvironment(SLACK_OWNER_IDS_ENV, alerts.slackOwnersJson);
      }
      return f.addEnvironment(SLACK_DIGEST_ENV, String(alerts?.digest ?? false));
    };
    const functions: Record<FunctionId, HealthFunction> = {
      webhook: fn("webhook")
        .useTable(stateful.table)
        .useSecret(stateful.webhookSecrets, "WEBHOOK_SECRETS_ARN"),
      score: fn("score").useTable(stateful.table).publishesTo(stateful.eventBus),
      rescore: fn("rescore", { deadLetterQueue: rescoreFunctionDlq.queue })
        .useTable(stateful.table)
        .publishesTo(stateful.eventBus)
        .addEnvironment("RESCORE_INTERVAL_MINUTES", String(config.rescoreIntervalMinutes)),
      slack: alertEnv(
        fn("slack", { deadLetterQueue: slackFunctionDlq.queue })
          .useTable(stateful.table)
          .useSecret(stateful.slackWebhookSecret, "SLACK_WEBHOOK_SECRET_ARN"),
      ),
      digest: alertEnv(
        fn("digest", { deadLetterQueue: digestFunctionDlq.queue })
          .useTable(stateful.table)
          .useSecret(stateful.slackWebhookSecret, "SLACK_WEBHOOK_SECRET_ARN"),
      ),
      api: fn("api").useTable(stateful.table),
      dashboard: fn("dashboard").useTable(stateful.table),
      dashboardStream: fn("dashboardStream").useTable(stateful.table),
      dashboardLive: fn("dashboardLive").useTable(stateful.table),
      dashboardAuth: fn("dashboardAuth"),
    };
    this.functions = functions;
    const lambda = (fnId: FunctionId) => functions[fnId].function;

    // ---- The dashboard (issue 12): site, sign-in; its routes take the pool's tokens.
    this.dashboardSite = new DashboardSite(this, "Dashboard", { projectRoot: props.projectRoot });
    this.dashboardAuth = new DashboardAuth(this, "DashboardAuth", {
      stage: config.stage,
      siteUrl: this.dashboardSite.url,
    });
    functions.dashboardAuth
      .addEnvironment("USER_POOL_ID", this.dashboardAuth.userPool.userPoolId)
      .addEnvironment("USER_POOL_CLIENT_ID", this.dashboardAuth.client.userPoolClientId);

    // ---- One construct per concern.
    this.httpApi = new HealthHttpApi(this, "Api", {
      // Cognito access tokens carry the app client in `client_id` (API Gateway checks it
      // when there is no `aud`).
      jwtAuthorizer: new HttpJwtAuthorizer("DashboardJwt", this.dashboardAuth.issuer, {
        jwtAudience: [this.dashboardAuth.client.userPoolClientId],
      }),
      cors: {
        allowOrigins: [this.dashboardSite.url],
        allowMethods: [CorsHttpMethod.GET],
        allowHeaders: ["authorization", "content-type"],
        maxAge: Duration.hours(1),
      },
      apiName: `${SERVICE_NAME}-${config.stage}`,
      functions: Object.fromEntries(
        (Object.keys(functions) as FunctionId[]).map((fnId) => [fnId, lambda(fnId)]),
      ),
      logRetention,
    });
    this.api = this.httpApi.api;
    this.apiStage = this.httpApi.stage;

    this.scoreStream = new ScoreStreamConsumer(this, "ScoreStream", {
      table: stateful.table,
      consumer: lambda(SCORE_STREAM.function),
      mappingLogicalId: logicalIdAt([
        `${pascal(SCORE_STREAM.function)}Function`,
        "Function",
        `DynamoDBEventSource:${logicalIdAt([props.statefulStackName, HEALTH_TABLE.id])}`,
        "Resource",
      ]),
    });

    this.liveApi = new LiveApi(this, "Live", {
      apiName: `${SERVICE_NAME}-${config.stage}-live`,
      table: stateful.table,
      liveFunction: lambda("dashboardLive"),
      authorizerFunction: lambda("dashboardAuth"),
      streamFunction: lambda("dashboardStream"),
      logRetention,
    });
    this.dashboardSite.deploy({
      apiBase: this.api.apiEndpoint,
      liveUrl: this.liveApi.url,
      auth: {
        region: this.region,
        userPoolId: this.dashboardAuth.userPool.userPoolId,
        clientId: this.dashboardAuth.client.userPoolClientId,
        domain: this.dashboardAuth.domainUrl,
      },
    });

    this.alertRouting = new AlertRouting(this, "AlertRouting", {
      eventBus: stateful.eventBus,
      alertTopic: stateful.alertTopic,
      slackFunction: lambda("slack"),
      email: { dashboardUrl, slots: props.model.model.alerts.topDrivers },
    });

    this.digestSchedule = new AlertDigestSchedule(this, "Digest", {
      target: lambda("digest"),
      hourUtc: alerts?.digestHourUtc,
    });

    this.rescoreSchedule = new RescoreSchedule(this, "Rescore", {
      target: lambda("rescore"),
      intervalMinutes: config.rescoreIntervalMinutes,
    });

    // ---- Alarms to the ops topic: every dead-letter queue and function, the stream, the API,
    // and unmatched webhook events piling up.
    const dlqs: Record<string, DeadLetterQueueRef> = {
      ScoreStream: this.scoreStream.deadLetterQueue,
      DashboardStream: this.liveApi.stream.deadLetterQueue,
      SlackFunction: slackFunctionDlq,
      RescoreFunction: rescoreFunctionDlq,
      SlackDelivery: this.alertRouting.slackDeliveryDlq,
      EmailDelivery: this.alertRouting.emailDeliveryDlq,
      RescoreSchedule: this.rescoreSchedule.deadLetterQueue,
      DigestFunction: digestFunctionDlq,
      DigestSchedule: this.digestSchedule.deadLetterQueue,
      Subscription: stateful.subscriptionDlq,
    };
    this.deadLetterQueues = dlqs;
    this.alarms = new OpsAlarms(this, "Alarms", {
      topic: stateful.opsTopic,
      functions: Object.fromEntries(
        (Object.keys(functions) as FunctionId[]).map((fnId) => [pascal(fnId), lambda(fnId)]),
      ),
      deadLetterQueues: dlqs,
      streamConsumer: this.scoreStream.consumer,
      httpApi: this.api,
      unmatchedEvents: {
        namespace: METRICS_NAMESPACE,
        service: SERVICE_NAME,
        providers: WEBHOOK_PROVIDERS,
      },
    });

    // ---- Outputs: where to point each provider.
    new CfnOutput(this, "ApiUrl", { value: this.httpApi.url });
    for (const provider of WEBHOOK_PROVIDERS) {
      new CfnOutput(this, `WebhookUrl${pascal(provider)}`, {
        value: `${this.httpApi.url}${webhookPath(provider).slice(1)}`,
        description: `Paste into ${provider}'s webhook settings`,
      });
    }
    new CfnOutput(this, "DashboardUrl", {
      value: `${this.dashboardSite.url}/`,
      description: "The dashboard (sign in with a user created in DashboardUserPoolId)",
    });
    new CfnOutput(this, "DashboardUserPoolId", {
      value: this.dashboardAuth.userPool.userPoolId,
      description: "Create dashboard users here: aws cognito-idp admin-create-user",
    });
    new CfnOutput(this, "ModelVersion", {
      value: props.model.modelVersion,
      description: "Scoring model version#hash inlined into the functions",
    });
  }
}
