/**
 * Everything that holds state or identity: the table, the event bus, the alert and ops
 * topics (and their key), and the secrets. It changes rarely and is retained on delete, so
 * the stateless stack (functions, API, rules) can be replaced freely around it.
 *
 * What the stateless stack needs crosses over as SSM parameters (`/customer-health/<stage>/…`,
 * STATEFUL_PARAMETERS), not CloudFormation exports: an export in use blocks any change to
 * its value, so with exports a stateful change could need the stateless stack destroyed.
 * Tear-down, upgrade and rollback: README.md, "Deploy to AWS".
 */
import {
  Annotations,
  CfnOutput,
  RemovalPolicy,
  SecretValue,
  Stack,
  type StackProps,
  Validations,
} from "aws-cdk-lib";
import {
  AttributeType,
  BillingMode,
  type ITable,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from "aws-cdk-lib/aws-dynamodb";
import { EventBus, type IEventBus } from "aws-cdk-lib/aws-events";
import { ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { type ISecret, Secret } from "aws-cdk-lib/aws-secretsmanager";
import { type ITopic, Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { type IQueue, Queue } from "aws-cdk-lib/aws-sqs";
import { StringParameter } from "aws-cdk-lib/aws-ssm";
import type { Construct } from "constructs";
import type { DeploymentConfig } from "./config.ts";
import { DeadLetterQueue, type DeadLetterQueueRef } from "./constructs/dead-letter-queue.ts";
import { HEALTH_TABLE, type KeyAttribute, SERVICE_NAME, type TableDefinition } from "./topology.ts";
import { WEBHOOK_PROVIDERS } from "./webhook-providers.ts";

export interface StatefulStackProps extends StackProps {
  readonly config: DeploymentConfig;
  /**
   * The table's shape.
   * @default HEALTH_TABLE from the topology
   */
  readonly tableDefinition?: TableDefinition;
}

/** The resources the stateless stack receives; typed so a missing wire fails to compile. */
export interface StatefulResources {
  readonly table: ITable;
  readonly eventBus: IEventBus;
  /** CS alerts (tier changes, drops); email subscribers from context `alertEmails`. */
  readonly alertTopic: ITopic;
  /** Operational alarms; email subscribers from context `opsEmails`. */
  readonly opsTopic: ITopic;
  /** JSON `{"stripe":"whsec_…","zendesk":"…",…}`: comma-separated secrets per provider. */
  readonly webhookSecrets: ISecret;
  /** The Slack incoming webhook URL. */
  readonly slackWebhookSecret: ISecret;
  /** Receives what SNS could not deliver to a subscriber. */
  readonly subscriptionDlq: DeadLetterQueueRef;
}

/**
 * The SSM parameters through which the stateless stack finds the stateful resources, by key
 * under `/customer-health/<stage>/`. Each holds an ARN that only changes when its resource
 * is replaced; the stateless stack reads them at each deploy.
 */
export const STATEFUL_PARAMETERS = [
  "table-arn",
  "table-stream-arn",
  "event-bus-arn",
  "alert-topic-arn",
  "ops-topic-arn",
  "webhook-secrets-arn",
  "slack-webhook-secret-arn",
  "subscription-dlq-arn",
] as const;

export type StatefulParameter = (typeof STATEFUL_PARAMETERS)[number];

/** The name of a stateful parameter of `stage`. */
export const statefulParameterName = (stage: string, key: StatefulParameter) =>
  `/${SERVICE_NAME}/${stage}/${key}`;

const SUBSCRIPTION_DLQ_PURPOSE = "alert or ops email notifications SNS could not deliver";

/**
 * The stateful resources of `stage` as seen from another stack: references built from the
 * SSM parameters (resolved by CloudFormation at each deploy of that stack), no exports.
 */
export function importStatefulResources(scope: Construct, stage: string): StatefulResources {
  const value = (key: StatefulParameter) =>
    StringParameter.valueForStringParameter(scope, statefulParameterName(stage, key));
  const subscriptionDlq = Queue.fromQueueArn(
    scope,
    "SubscriptionDlq",
    value("subscription-dlq-arn"),
  );
  return {
    table: Table.fromTableAttributes(scope, "HealthTable", {
      tableArn: value("table-arn"),
      tableStreamArn: value("table-stream-arn"),
    }),
    eventBus: EventBus.fromEventBusArn(scope, "EventBus", value("event-bus-arn")),
    alertTopic: Topic.fromTopicArn(scope, "AlertTopic", value("alert-topic-arn")),
    opsTopic: Topic.fromTopicArn(scope, "OpsTopic", value("ops-topic-arn")),
    webhookSecrets: Secret.fromSecretCompleteArn(
      scope,
      "WebhookSecrets",
      value("webhook-secrets-arn"),
    ),
    slackWebhookSecret: Secret.fromSecretCompleteArn(
      scope,
      "SlackWebhookSecret",
      value("slack-webhook-secret-arn"),
    ),
    subscriptionDlq: { queue: subscriptionDlq, purpose: SUBSCRIPTION_DLQ_PURPOSE },
  };
}

/** The name of the webhook signing secrets of `stage`. */
export const webhookSecretsName = (stage: string) => `${SERVICE_NAME}/${stage}/webhook-secrets`;

const attributeType = (key: KeyAttribute) =>
  key.type === "S" ? AttributeType.STRING : AttributeType.NUMBER;

const attribute = (key: KeyAttribute) => ({ name: key.name, type: attributeType(key) });

/** The stateful half of the app: data, bus, topics and secrets, retained on delete. */
export class StatefulStack extends Stack implements StatefulResources {
  public readonly table: Table;
  public readonly eventBus: EventBus;
  public readonly alertTopic: Topic;
  public readonly opsTopic: Topic;
  public readonly topicKey: Key;
  public readonly webhookSecrets: Secret;
  public readonly slackWebhookSecret: Secret;
  public readonly subscriptionDlq: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const def = props.tableDefinition ?? HEALTH_TABLE;

    this.table = new Table(this, def.id, {
      partitionKey: attribute(def.partitionKey),
      sortKey: attribute(def.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      timeToLiveAttribute: def.ttlAttribute,
      stream: StreamViewType[def.streamView],
      // AWS-managed key: encrypted at rest with KMS and auditable in CloudTrail, without the
      // kms:*DataKey* wildcard grants a customer key would add to every function's policy.
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of def.globalIndexes) {
      if (config.deferIndexes.includes(index.name)) continue;
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType: ProjectionType[index.projection ?? "ALL"],
      });
    }

    this.eventBus = new EventBus(this, "EventBus", {
      eventBusName: `${SERVICE_NAME}-${config.stage}`,
      description: "Customer health events: HealthTierChanged, HealthScoreDropped",
    });

    // A customer managed key: SNS's AWS managed key (aws/sns) cannot be used by EventBridge
    // or CloudWatch alarms, whose service principals must be allowed in the key policy.
    this.topicKey = new Key(this, "TopicKey", {
      description: `${SERVICE_NAME} ${config.stage}: encrypts the alert and ops topics`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.subscriptionDlq = new DeadLetterQueue(this, "SubscriptionDlq", {
      purpose: SUBSCRIPTION_DLQ_PURPOSE,
    });

    this.alertTopic = new Topic(this, "AlertTopic", {
      displayName: "Customer health alerts",
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    this.alertTopic.grantPublish(new ServicePrincipal("events.amazonaws.com"));
    subscribeEmails(this.alertTopic, config.alertEmails, this.subscriptionDlq.queue);

    this.opsTopic = new Topic(this, "OpsTopic", {
      displayName: "Customer health operations",
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    this.opsTopic.grantPublish(new ServicePrincipal("cloudwatch.amazonaws.com"));
    subscribeEmails(this.opsTopic, config.opsEmails, this.subscriptionDlq.queue);
    warnWithoutSubscribers(this, config);

    // Created with empty entries (= "no secret", answered 401): CloudFormation sets the value
    // only when this template text changes, so values put with the CLI survive deploys.
    this.webhookSecrets = new Secret(this, "WebhookSecrets", {
      secretName: webhookSecretsName(config.stage),
      description:
        "Webhook signing secrets per provider: JSON object, each value a comma-separated list (two during a rotation)",
      secretStringValue: SecretValue.unsafePlainText(
        JSON.stringify(Object.fromEntries(WEBHOOK_PROVIDERS.map((p) => [p, ""]))),
      ),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.webhookSecrets).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "Webhook signing secrets are issued by each provider (Stripe, Zendesk, Typeform, Segment); Secrets Manager cannot rotate them. Rotation is manual and overlap-safe: each entry takes two comma-separated secrets.",
    });
    this.slackWebhookSecret = new Secret(this, "SlackWebhookSecret", {
      secretName: config.slackWebhookSecretName,
      description: "Slack incoming webhook URL for customer health alerts",
      // Not configured yet: the Slack function skips posting (and logs it) until a URL is set.
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify({ url: "" })),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.slackWebhookSecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "A Slack incoming webhook URL is issued by Slack and cannot be rotated by Secrets Manager; to replace it, create a new webhook in Slack and put its URL into this secret.",
    });

    this.publishParameters(config);

    new CfnOutput(this, "TableName", { value: this.table.tableName });
    new CfnOutput(this, "EventBusName", { value: this.eventBus.eventBusName });
    new CfnOutput(this, "AlertTopicArn", { value: this.alertTopic.topicArn });
    new CfnOutput(this, "OpsTopicArn", { value: this.opsTopic.topicArn });
    // The names as given: Secret.secretName is parsed back out of the ARN by splitting at
    // "-", which cuts "customer-health/…" to "customer".
    new CfnOutput(this, "WebhookSecretsName", {
      value: webhookSecretsName(config.stage),
      description:
        "aws secretsmanager put-secret-value --secret-id <this> (README.md: Set the webhook secrets)",
    });
    new CfnOutput(this, "SlackWebhookSecretName", {
      value: config.slackWebhookSecretName,
      description: "aws secretsmanager put-secret-value --secret-id <this> --secret-string <URL>",
    });
  }

  /** SSM parameters naming each resource the stateless stack uses (STATEFUL_PARAMETERS). */
  private publishParameters(config: DeploymentConfig): void {
    const values: Record<StatefulParameter, string> = {
      "table-arn": this.table.tableArn,
      "table-stream-arn": this.table.tableStreamArn as string,
      "event-bus-arn": this.eventBus.eventBusArn,
      "alert-topic-arn": this.alertTopic.topicArn,
      "ops-topic-arn": this.opsTopic.topicArn,
      "webhook-secrets-arn": this.webhookSecrets.secretArn,
      "slack-webhook-secret-arn": this.slackWebhookSecret.secretArn,
      "subscription-dlq-arn": this.subscriptionDlq.queue.queueArn,
    };
    for (const key of STATEFUL_PARAMETERS) {
      new StringParameter(this, `Parameter-${key}`, {
        parameterName: statefulParameterName(config.stage, key),
        description: `${SERVICE_NAME} ${config.stage}: ${key}, read by the stateless stack`,
        stringValue: values[key],
      });
    }
    if (config.legacyExports) {
      // The exports a stateless stack deployed before the SSM parameters still imports, under
      // the names CDK gave them; deploy once with them, then once without (README: Upgrade).
      for (const value of [
        this.table.tableArn,
        this.table.tableName,
        this.table.tableStreamArn as string,
        this.eventBus.eventBusArn,
        this.eventBus.eventBusName,
        this.alertTopic.topicArn,
        this.opsTopic.topicArn,
        this.webhookSecrets.secretArn,
        this.slackWebhookSecret.secretArn,
        this.subscriptionDlq.queue.queueName,
      ]) {
        this.exportValue(value);
      }
    }
  }
}

/** Warns at synth (and in `cdk deploy`'s output) when alerts or alarms would reach nobody. */
function warnWithoutSubscribers(stack: Stack, config: DeploymentConfig): void {
  const topics = [
    {
      key: "alertEmails",
      emails: config.alertEmails,
      what: "alert emails (tier changes and drops routed as page)",
    },
    {
      key: "opsEmails",
      emails: config.opsEmails,
      what: "alarms (dead-letter queues, errors, throttles, unmatched events)",
    },
  ];
  for (const { key, emails, what } of topics) {
    if (emails.length > 0) continue;
    Annotations.of(stack).addWarningV2(
      `customer-health:no-${key}`,
      `${key} is empty: ${what} reach nobody. Set it with -c ${key}=you@yourco.com (or in cdk.json).`,
    );
  }
}

function subscribeEmails(topic: Topic, emails: readonly string[], deadLetterQueue: IQueue): void {
  for (const email of emails) {
    topic.addSubscription(new EmailSubscription(email, { deadLetterQueue }));
  }
}
