/**
 * The daily Slack digest's schedule: EventBridge Scheduler invokes the digest function once a
 * day at a UTC hour, with retries and a dead-letter queue. A retried or repeated trigger
 * never posts a day twice: the function posts through the alert ledger, keyed per channel
 * and day.
 */
import { Duration, Stack, Validations } from "aws-cdk-lib";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Schedule, ScheduleExpression } from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import type { Construct } from "constructs";
import { nagReference } from "../nag.ts";
import { DIGEST_SCHEDULE } from "../topology.ts";
import { Concern } from "./concern.ts";
import { DeadLetterQueue } from "./dead-letter-queue.ts";

export interface AlertDigestScheduleProps {
  /** The digest function. */
  readonly target: IFunction;
  /**
   * The UTC hour (0-23) of the daily run; it posts the previous UTC day.
   * @default DIGEST_SCHEDULE.defaultHourUtc (8)
   */
  readonly hourUtc?: number;
  /**
   * Receives the triggers Scheduler could not deliver.
   * @default - a new encrypted DeadLetterQueue
   */
  readonly deadLetterQueue?: DeadLetterQueue;
}

/** A daily EventBridge Scheduler cron invoking the digest function. */
export class AlertDigestSchedule extends Concern {
  public readonly schedule: Schedule;
  public readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: AlertDigestScheduleProps) {
    super(scope, id);
    const hour = props.hourUtc ?? DIGEST_SCHEDULE.defaultHourUtc;
    if (!Number.isInteger(hour) || hour < 0 || hour > 23) {
      throw new Error(`digest hour must be a whole UTC hour from 0 to 23 (got ${hour})`);
    }
    this.deadLetterQueue =
      props.deadLetterQueue ??
      new DeadLetterQueue(this, "DigestScheduleDlq", {
        purpose: "daily digest triggers EventBridge Scheduler could not deliver",
      });
    Validations.of(Stack.of(this)).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagReference(this, props.target.functionArn)}:*]`,
      reason:
        "The scheduler role may invoke the digest function and its versions or aliases (ARN:*), as grantInvoke grants; no other function.",
    });
    this.schedule = new Schedule(this, "DigestSchedule", {
      description: `Posts the daily Slack digest of the previous UTC day at ${String(hour).padStart(2, "0")}:00 UTC`,
      schedule: ScheduleExpression.cron({ minute: "0", hour: String(hour) }),
      target: new LambdaInvoke(props.target, {
        retryAttempts: DIGEST_SCHEDULE.retryAttempts,
        maxEventAge: Duration.seconds(DIGEST_SCHEDULE.maxEventAgeSeconds),
        deadLetterQueue: this.deadLetterQueue.queue,
      }),
    });
  }
}
