/**
 * Alert routing on the custom bus: the topology's rules (EVENT_RULES) send pages to the alert
 * topic as readable email text, and pages and reports to the Slack function, each target with
 * EventBridge's retry policy (ALERT_DELIVERY) and a dead-letter queue.
 */
import { Duration } from "aws-cdk-lib";
import {
  EventField,
  type EventPattern,
  type IEventBus,
  Rule,
  RuleTargetInput,
} from "aws-cdk-lib/aws-events";
import { LambdaFunction, SnsTopic } from "aws-cdk-lib/aws-events-targets";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import {
  type EmailTemplateOptions,
  renderEmailTemplate,
} from "../../functions/alerts/email-message.ts";
import type { HealthEvent } from "../../functions/events/health-events.ts";
import { ALERT_DELIVERY, DETAIL_TYPES, EVENT_RULES } from "../topology.ts";
import { Concern } from "./concern.ts";
import { DeadLetterQueue } from "./dead-letter-queue.ts";

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
 * The email text of a detail type (SNS email is plain text): the same template the local
 * runtime fills (functions/alerts/email-message.ts), here with EventBridge input paths.
 */
export function alertEmailText(detailType: string, options: EmailTemplateOptions = {}): string {
  if (!(Object.values(DETAIL_TYPES) as string[]).includes(detailType)) {
    throw new Error(`no alert email text for detail type ${detailType}`);
  }
  return renderEmailTemplate(
    detailType as HealthEvent["detailType"],
    (_name, path) => field(path),
    options,
  );
}

/** How EventBridge retries handing an alert to a target. */
export interface AlertDeliveryPolicy {
  readonly retryAttempts: number;
  readonly maxEventAge: Duration;
}

export interface AlertRoutingProps {
  /** The bus the score and rescore functions publish health events on. */
  readonly eventBus: IEventBus;
  /** Receives pages as email text (its subscribers are the CS team). */
  readonly alertTopic: ITopic;
  /** Posts pages and reports to Slack. */
  readonly slackFunction: IFunction;
  /**
   * The rules and which target each one feeds.
   * @default EVENT_RULES from lib/topology.ts
   */
  readonly rules?: typeof EVENT_RULES;
  /**
   * EventBridge's retries per target.
   * @default ALERT_DELIVERY from lib/topology.ts (10 retries within 6 hours)
   */
  readonly delivery?: AlertDeliveryPolicy;
  /**
   * Receives the alerts EventBridge could not publish to the alert topic.
   * @default - a new encrypted DeadLetterQueue
   */
  readonly emailDeliveryDlq?: DeadLetterQueue;
  /**
   * Receives the alerts EventBridge could not hand to the Slack function.
   * @default - a new encrypted DeadLetterQueue
   */
  readonly slackDeliveryDlq?: DeadLetterQueue;
  /**
   * The email's dashboard link and lines per section (the model's `alerts.topDrivers`).
   * @default - no link, three lines per section
   */
  readonly email?: EmailTemplateOptions;
}

/** EventBridge rules from the health-event bus to email and Slack. */
export class AlertRouting extends Concern {
  public readonly rules: Rule[] = [];
  public readonly emailDeliveryDlq: DeadLetterQueue;
  public readonly slackDeliveryDlq: DeadLetterQueue;
  public readonly delivery: AlertDeliveryPolicy;

  constructor(scope: Construct, id: string, props: AlertRoutingProps) {
    super(scope, id);
    this.delivery = props.delivery ?? {
      retryAttempts: ALERT_DELIVERY.retryAttempts,
      maxEventAge: Duration.seconds(ALERT_DELIVERY.maxEventAgeSeconds),
    };
    this.slackDeliveryDlq =
      props.slackDeliveryDlq ??
      new DeadLetterQueue(this, "SlackDeliveryDlq", {
        purpose: "health events EventBridge could not hand to the Slack function",
      });
    this.emailDeliveryDlq =
      props.emailDeliveryDlq ??
      new DeadLetterQueue(this, "EmailDeliveryDlq", {
        purpose: "health events EventBridge could not publish to the alert topic",
      });

    for (const rule of props.rules ?? EVENT_RULES) {
      const target = rule.target;
      switch (target) {
        case "emailTopic":
          // One rule per detail type, so that each email has wording that fits its event.
          for (const detailType of rule.pattern["detail-type"]) {
            const text = alertEmailText(detailType, props.email);
            this.addRule(`${rule.id}${detailType}`, {
              description: `${rule.id}: ${detailType} to the alert topic (readable email text)`,
              eventBus: props.eventBus,
              pattern: { ...rule.pattern, "detail-type": [detailType] },
              target: new SnsTopic(props.alertTopic, {
                message: RuleTargetInput.fromMultilineText(text),
                deadLetterQueue: this.emailDeliveryDlq.queue,
                ...this.delivery,
              }),
            });
          }
          break;
        case "slack":
          this.addRule(rule.id, {
            description: `${rule.id}: health events to the Slack function`,
            eventBus: props.eventBus,
            pattern: rule.pattern,
            target: new LambdaFunction(props.slackFunction, {
              deadLetterQueue: this.slackDeliveryDlq.queue,
              ...this.delivery,
            }),
          });
          break;
        default: {
          const unknownTarget: never = target;
          throw new Error(`no CDK target for event rule target ${String(unknownTarget)}`);
        }
      }
    }
  }

  private addRule(
    id: string,
    options: {
      description: string;
      eventBus: IEventBus;
      pattern: Readonly<Record<string, unknown>>;
      target: SnsTopic | LambdaFunction;
    },
  ): void {
    this.rules.push(
      new Rule(this, id, {
        eventBus: options.eventBus,
        description: options.description,
        eventPattern: toEventPattern(options.pattern),
        targets: [options.target],
      }),
    );
  }
}
