/**
 * The alarms an operator needs, all sent to the ops topic (alarm and recovery): anything in
 * a dead-letter queue, function errors and throttles, the stream consumer falling behind,
 * and the API answering 5xx.
 */
import { Duration } from "aws-cdk-lib";
import type { IHttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import type { DeadLetterQueueRef } from "./dead-letter-queue.ts";

export interface OpsAlarmsProps {
  /** Receives every alarm and its recovery. */
  readonly topic: ITopic;
  /** Alarmed on errors and throttles, by a readable name. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** Alarmed on as soon as one message is visible, by a readable name. */
  readonly deadLetterQueues: Readonly<Record<string, DeadLetterQueueRef>>;
  /**
   * The stream consumer whose IteratorAge is watched.
   * @default - no iterator age alarm
   */
  readonly streamConsumer?: IFunction;
  /**
   * Oldest stream record age (maximum over the period) that raises the alarm.
   * @default Duration.minutes(5)
   */
  readonly maxIteratorAge?: Duration;
  /**
   * The HTTP API whose 5xx rate is watched.
   * @default - no 5xx alarm
   */
  readonly httpApi?: IHttpApi;
  /**
   * Share of requests answered 5xx (percent, per period) that raises the alarm.
   * @default 5
   */
  readonly max5xxPercent?: number;
  /**
   * The webhook function's `WebhookUnmatched` metric (Powertools EMF: dimensions `service`
   * and `provider`), summed over every provider: events no alias maps to a customer.
   * @default - no unmatched-events alarm
   */
  readonly unmatchedEvents?: UnmatchedEventsAlarmProps;
  /**
   * The period every alarm evaluates.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
}

export interface UnmatchedEventsAlarmProps {
  /** CloudWatch namespace of the metric. */
  readonly namespace: string;
  /** Value of the `service` dimension (Powertools adds it to every metric). */
  readonly service: string;
  /** Every value of the `provider` dimension. */
  readonly providers: readonly string[];
  /**
   * Unmatched events per day (all providers) that raise the alarm.
   * @default 10
   */
  readonly maxPerDay?: number;
}

/** CloudWatch alarms for the app, wired to the ops topic. */
export class OpsAlarms extends Construct {
  public readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;
  private readonly period: Duration;

  constructor(scope: Construct, id: string, props: OpsAlarmsProps) {
    super(scope, id);
    this.action = new SnsAction(props.topic);
    this.period = props.period ?? Duration.minutes(5);

    for (const [name, dlq] of Object.entries(props.deadLetterQueues)) {
      this.add(`${name}DlqNotEmpty`, {
        metric: dlq.queue.metricApproximateNumberOfMessagesVisible({
          period: this.period,
          statistic: Stats.MAXIMUM,
        }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: `Messages in the ${name} dead-letter queue: ${dlq.purpose}. Inspect them, fix the cause, then redrive.`,
      });
    }

    for (const [name, fn] of Object.entries(props.functions)) {
      this.add(`${name}Errors`, {
        metric: fn.metricErrors({ period: this.period, statistic: Stats.SUM }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        description: `The ${name} function failed (an unhandled error or a timeout).`,
      });
      this.add(`${name}Throttles`, {
        metric: fn.metricThrottles({ period: this.period, statistic: Stats.SUM }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        description: `The ${name} function was throttled (reserved or account concurrency reached).`,
      });
    }

    if (props.streamConsumer) {
      const maxAge = props.maxIteratorAge ?? Duration.minutes(5);
      this.add("StreamIteratorAge", {
        metric: props.streamConsumer.metric("IteratorAge", {
          period: this.period,
          statistic: Stats.MAXIMUM,
        }),
        threshold: maxAge.toMilliseconds(),
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: `Scoring is behind: the oldest aggregate change waiting in the stream is older than ${maxAge.toHumanString()}.`,
      });
    }

    if (props.httpApi) {
      const percent = props.max5xxPercent ?? 5;
      this.add("Api5xxRate", {
        metric: new MathExpression({
          // No requests in a period is not an error rate.
          expression: "IF(requests > 0, 100 * errors / requests, 0)",
          usingMetrics: {
            errors: props.httpApi.metricServerError({
              period: this.period,
              statistic: Stats.SUM,
            }),
            requests: props.httpApi.metricCount({ period: this.period, statistic: Stats.SUM }),
          },
          period: this.period,
          label: "5xx rate (%)",
        }),
        threshold: percent,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: `More than ${percent}% of API requests answered 5xx (webhook senders retry, but the cause needs a look).`,
      });
    }

    if (props.unmatchedEvents) this.addUnmatchedEvents(props.unmatchedEvents);
  }

  /** Unmatched events summed over providers, per day: a tool whose ids no alias maps. */
  private addUnmatchedEvents(props: UnmatchedEventsAlarmProps): void {
    const period = Duration.days(1);
    const threshold = props.maxPerDay ?? 10;
    const usingMetrics = Object.fromEntries(
      props.providers.map((provider, i) => [
        `unmatched${i}`,
        new Metric({
          namespace: props.namespace,
          metricName: "WebhookUnmatched",
          dimensionsMap: { service: props.service, provider },
          statistic: Stats.SUM,
          period,
          label: provider,
        }),
      ]),
    );
    this.add("WebhookUnmatchedGrowing", {
      metric: new MathExpression({
        expression: `SUM([${Object.keys(usingMetrics).join(", ")}])`,
        usingMetrics,
        period,
        label: "unmatched webhook events per day",
      }),
      threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description: `${threshold} or more webhook events in a day matched no customer (GET /unmatched lists them): a tool sends ids no alias maps. Register the aliases (PUT /accounts/{id}/aliases) and the waiting events are applied.`,
    });
  }

  private add(
    id: string,
    options: {
      metric: IMetric;
      threshold: number;
      comparisonOperator: ComparisonOperator;
      description: string;
    },
  ): void {
    const alarm = new Alarm(this, id, {
      metric: options.metric,
      threshold: options.threshold,
      comparisonOperator: options.comparisonOperator,
      evaluationPeriods: 1,
      // No data means nothing happened (no messages, no invocations), which is healthy.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
  }
}
