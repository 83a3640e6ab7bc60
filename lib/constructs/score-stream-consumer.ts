/**
 * The score function reading the table's stream: aggregate changes only (the filter JSON the
 * local runtime runs too), batches that report their failed records, bisect and bounded
 * retries, and a dead-letter queue for what still fails. The shape of aws-solutions-constructs'
 * `aws-dynamodbstreams-lambda`, with this app's topology as its defaults.
 */
import { Duration } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import {
  CfnEventSourceMapping,
  FilterCriteria,
  type IFunction,
  StartingPosition,
} from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import type { Construct } from "constructs";
import { SCORE_STREAM } from "../topology.ts";
import { Concern } from "./concern.ts";
import { DeadLetterQueue } from "./dead-letter-queue.ts";

/** Stream trigger settings (the shape of SCORE_STREAM in the topology). */
export interface StreamSettings {
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly retryAttempts: number;
  readonly maxRecordAgeSeconds: number;
  readonly bisectBatchOnError: boolean;
  readonly reportBatchItemFailures: boolean;
  readonly filterPatterns: readonly Readonly<Record<string, unknown>>[];
}

export interface ScoreStreamConsumerProps {
  /** The table whose stream is read; it must have one (`tableStreamArn`). */
  readonly table: ITable;
  /** The function that scores the changed aggregates. */
  readonly consumer: IFunction;
  /**
   * Batching, retries, bisect, partial failures and the event filter.
   * @default SCORE_STREAM from lib/topology.ts
   */
  readonly settings?: StreamSettings;
  /**
   * Receives the batches still failing after the retries (shard and sequence numbers).
   * @default - a new encrypted DeadLetterQueue
   */
  readonly deadLetterQueue?: DeadLetterQueue;
  /**
   * A fixed logical id for the stream mapping. Lambda allows one mapping per stream and
   * function, so a mapping whose logical id changes (CDK derives it from the table
   * construct's path) fails the deploy: keep the id an existing deployment has.
   * @default - CDK's generated id
   */
  readonly mappingLogicalId?: string;
}

/** The table's stream mapped to its consumer, with a dead-letter queue. */
export class ScoreStreamConsumer extends Concern {
  public readonly eventSource: DynamoEventSource;
  public readonly deadLetterQueue: DeadLetterQueue;
  public readonly consumer: IFunction;

  constructor(scope: Construct, id: string, props: ScoreStreamConsumerProps) {
    super(scope, id);
    const settings = props.settings ?? SCORE_STREAM;
    this.consumer = props.consumer;
    this.deadLetterQueue =
      props.deadLetterQueue ??
      new DeadLetterQueue(this, "ScoreStreamDlq", {
        purpose:
          "stream batches the score function still failed after its retries (shard and sequence numbers; re-read the aggregates)",
      });
    this.eventSource = new DynamoEventSource(props.table, {
      // TRIM_HORIZON: changes written before the mapping exists (first deploy, a replaced
      // mapping) are still scored; rescoring is idempotent, so a replay costs only time.
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: settings.batchSize,
      maxBatchingWindow: Duration.seconds(settings.maxBatchingWindowSeconds),
      bisectBatchOnError: settings.bisectBatchOnError,
      retryAttempts: settings.retryAttempts,
      maxRecordAge: Duration.seconds(settings.maxRecordAgeSeconds),
      reportBatchItemFailures: settings.reportBatchItemFailures,
      filters: settings.filterPatterns.map((pattern) => FilterCriteria.filter({ ...pattern })),
      onFailure: new SqsDlq(this.deadLetterQueue.queue),
    });
    props.consumer.addEventSource(this.eventSource);
    if (props.mappingLogicalId !== undefined) {
      const mappings = props.consumer.node
        .findAll()
        .filter((c): c is CfnEventSourceMapping => c instanceof CfnEventSourceMapping);
      if (mappings.length !== 1) throw new Error("expected one stream mapping on the consumer");
      mappings[0]?.overrideLogicalId(props.mappingLogicalId);
    }
  }
}
