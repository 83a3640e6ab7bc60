/**
 * The rescore schedule: silence must decay into risk without any new event, so EventBridge
 * Scheduler invokes the rescore function every interval, with retries and a dead-letter queue.
 */
import { Duration, Stack, Validations } from "aws-cdk-lib";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Schedule, ScheduleExpression } from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import type { Construct } from "constructs";
import { nagReference } from "../nag.ts";
import { RESCORE_SCHEDULE } from "../topology.ts";
import { Concern } from "./concern.ts";
import { DeadLetterQueue } from "./dead-letter-queue.ts";

export interface RescoreScheduleProps {
  /** The function invoked on every tick. */
  readonly target: IFunction;
  /**
   * Minutes between runs (1-1440).
   * @default RESCORE_SCHEDULE.defaultIntervalMinutes (60)
   */
  readonly intervalMinutes?: number;
  /**
   * Scheduler's retries of a trigger it could not deliver.
   * @default RESCORE_SCHEDULE.retryAttempts (2)
   */
  readonly retryAttempts?: number;
  /**
   * Receives the triggers Scheduler could not deliver.
   * @default - a new encrypted DeadLetterQueue
   */
  readonly deadLetterQueue?: DeadLetterQueue;
}

/** An EventBridge Scheduler rate schedule invoking the rescore function. */
export class RescoreSchedule extends Concern {
  public readonly schedule: Schedule;
  public readonly deadLetterQueue: DeadLetterQueue;
  public readonly intervalMinutes: number;

  constructor(scope: Construct, id: string, props: RescoreScheduleProps) {
    super(scope, id);
    const interval = props.intervalMinutes ?? RESCORE_SCHEDULE.defaultIntervalMinutes;
    this.intervalMinutes = interval;
    this.deadLetterQueue =
      props.deadLetterQueue ??
      new DeadLetterQueue(this, "RescoreScheduleDlq", {
        purpose: "rescore triggers EventBridge Scheduler could not deliver",
      });
    // The scheduler's role is created at stack level (one per target function), not in here.
    Validations.of(Stack.of(this)).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagReference(this, props.target.functionArn)}:*]`,
      reason:
        "The scheduler role may invoke the rescore function and its versions or aliases (ARN:*), as grantInvoke grants; no other function.",
    });
    this.schedule = new Schedule(this, "RescoreSchedule", {
      description: `Every ${interval} minutes, rescores the customers whose score is due`,
      schedule: ScheduleExpression.rate(Duration.minutes(interval)),
      target: new LambdaInvoke(props.target, {
        retryAttempts: props.retryAttempts ?? RESCORE_SCHEDULE.retryAttempts,
        // A trigger older than one interval is superseded by the next one.
        maxEventAge: Duration.minutes(Math.max(1, Math.min(interval, 1440))),
        deadLetterQueue: this.deadLetterQueue.queue,
      }),
    });
  }
}
