/**
 * The one shape of dead-letter queue in this app: encrypted, TLS-only, 14 days retention
 * (SQS's maximum, so a long weekend does not lose anything). Every one of them is alarmed
 * on by OpsAlarms.
 */
import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { type IQueue, Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface DeadLetterQueueProps {
  /** What lands here, for the console and the alarm description. */
  readonly purpose: string;
  /**
   * How long a failed message is kept for inspection and redrive.
   * @default Duration.days(14)
   */
  readonly retentionPeriod?: Duration;
  /**
   * @default RemovalPolicy.DESTROY (the queue holds copies of failures, not the record of truth)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** A dead-letter queue as alarms need it, also when it lives in another stack. */
export interface DeadLetterQueueRef {
  readonly queue: IQueue;
  /** What lands here, for the alarm description. */
  readonly purpose: string;
}

/** An encrypted SQS queue that receives what a Lambda, EventBridge, SNS or Scheduler could not deliver. */
export class DeadLetterQueue extends Construct implements DeadLetterQueueRef {
  public readonly queue: Queue;
  public readonly purpose: string;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.purpose = props.purpose;
    // SQS-managed SSE: the senders (Lambda, EventBridge, SNS, Scheduler) need no KMS grants,
    // and no customer key policy has to list their service principals.
    this.queue = new Queue(this, "Queue", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    Validations.of(this).acknowledge(
      {
        id: "AwsSolutions-SQS3",
        reason:
          "This queue is itself a dead-letter queue (for a Lambda, EventBridge, SNS or Scheduler sender); nothing consumes it automatically, so it needs no DLQ of its own.",
      },
      {
        id: "Serverless-SQSRedrivePolicy",
        reason:
          "This queue is the end of a redrive chain: it is a dead-letter queue that operators inspect and redrive by hand after its not-empty alarm fires.",
      },
    );
  }
}
