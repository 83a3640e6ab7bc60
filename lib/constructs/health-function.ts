/**
 * The one Lambda function construct of this app: every default (runtime, arm64, memory,
 * timeout, tracing, logs, source maps, bundling) is set here once, from the function's entry
 * in the topology. `useTable`, `publishesTo` and `useSecret` grant access and set the
 * environment variable naming the resource in one call, so a function can never be told
 * about a resource it may not use, or be allowed one it is not told about. The table grant
 * is exactly the DynamoDB actions the topology lists for the function (least privilege).
 */
import { resolve } from "node:path";
import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IEventBus } from "aws-cdk-lib/aws-events";
import {
  Grant,
  type IGrantable,
  type IPrincipal,
  Role,
  ServicePrincipal,
} from "aws-cdk-lib/aws-iam";
import { Architecture, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat, SourceMapMode } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { type FunctionDefinition, METRICS_NAMESPACE, SERVICE_NAME } from "../topology.ts";

/** Newest Node.js LTS runtime in this aws-cdk-lib (cdk-nag's L1 rule flags anything older). */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;

export type PowertoolsLogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";

export interface HealthFunctionProps {
  /** The function's entry in the topology: handler path, memory, timeout, concurrency. */
  readonly definition: FunctionDefinition;
  /** Absolute path of the repository root: entries and package-lock.json are relative to it. */
  readonly projectRoot: string;
  /**
   * Compile-time constants for esbuild (`define`), e.g. the inlined scoring model.
   * @default - none
   */
  readonly define?: Readonly<Record<string, string>>;
  /**
   * Extra environment variables. Resource names come from `useTable` and friends instead.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Receives asynchronous invocations that failed after Lambda's retries.
   * @default - none: for functions invoked only synchronously (API Gateway) or by an event
   * source mapping with its own on-failure destination, where a function DLQ never fills
   */
  readonly deadLetterQueue?: IQueue;
  /**
   * How long the function's logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Powertools logger level (POWERTOOLS_LOG_LEVEL).
   * @default "INFO"
   */
  readonly logLevel?: PowertoolsLogLevel;
}

export interface UseTableOptions {
  /** @default "TABLE_NAME" */
  readonly envVar?: string;
}

/** A NodejsFunction with this app's defaults, its own role and its own log group. */
export class HealthFunction extends Construct implements IGrantable {
  public readonly function: NodejsFunction;
  public readonly role: Role;
  public readonly logGroup: LogGroup;
  public readonly definition: FunctionDefinition;
  public readonly grantPrincipal: IPrincipal;

  constructor(scope: Construct, id: string, props: HealthFunctionProps) {
    super(scope, id);
    const def = props.definition;
    this.definition = def;

    this.logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      // Operational logs with a retention: nothing to keep once the stateless stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role instead of AWSLambdaBasicExecutionRole (which may write to any log group):
    // this one may write to this function's log group only.
    this.role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `${SERVICE_NAME} ${def.id} function`,
    });
    this.logGroup.grantWrite(this.role);
    this.grantPrincipal = this.role;

    this.function = new NodejsFunction(this, "Function", {
      entry: resolve(props.projectRoot, def.entry),
      handler: "handler",
      projectRoot: props.projectRoot,
      depsLockFilePath: resolve(props.projectRoot, "package-lock.json"),
      description: def.description,
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: def.memoryMb,
      timeout: Duration.seconds(def.timeoutSeconds),
      reservedConcurrentExecutions: def.reservedConcurrency,
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: def.asyncRetryAttempts,
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? "INFO",
        NODE_OPTIONS: "--enable-source-maps",
        ...props.environment,
      },
      bundling: {
        // esbuild from node_modules; never Docker (none on build machines).
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        mainFields: ["module", "main"],
        // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
        banner:
          "import { createRequire as __healthCreateRequire } from 'node:module'; const require = __healthCreateRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // Ship the SDK versions the tests ran against, not whatever the runtime bundles today.
        bundleAwsSDK: true,
        define: { ...props.define },
        // sentiment's optional non-English languages are loaded by a require() glob that
        // esbuild cannot follow; English, the only one used, is bundled.
        esbuildArgs: { "--log-override:empty-glob": "silent" },
      },
    });

    Validations.of(this).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "Resource::* comes only from actions without resource-level permissions: X-Ray trace upload (xray:PutTraceSegments, xray:PutTelemetryRecords) for active tracing and, for the stream consumer, dynamodb:ListStreams.",
    });
    if (def.asyncRetryAttempts !== undefined) {
      if (props.deadLetterQueue === undefined) {
        throw new Error(`${def.id}: asyncRetryAttempts needs a deadLetterQueue for what fails`);
      }
      Validations.of(this).acknowledge({
        id: "Serverless-LambdaAsyncFailureDestination",
        reason:
          "Failed asynchronous invocations go to the function's dead-letter queue (DeadLetterConfig, alarmed when not empty); the event invoke config only sets the retry count.",
      });
    }
    if (props.deadLetterQueue === undefined) {
      Validations.of(this).acknowledge({
        id: "Serverless-LambdaDLQ",
        reason:
          "Invoked only synchronously (API Gateway) or by an event source mapping that has its own on-failure SQS destination; a function DLQ only ever receives failed asynchronous invocations.",
      });
    }
  }

  /** Sets an environment variable on the function. */
  public addEnvironment(name: string, value: string): this {
    this.function.addEnvironment(name, value);
    return this;
  }

  /**
   * Grants exactly the DynamoDB actions the function's definition lists (`tableActions` on
   * the table's items, `indexActions` on each named index) and sets TABLE_NAME (or `envVar`).
   */
  public useTable(table: ITable, options: UseTableOptions = {}): this {
    const def = this.definition;
    const dynamo = (actions: readonly string[]) => actions.map((a) => `dynamodb:${a}`);
    if (def.tableActions.length > 0) {
      Grant.addToPrincipal({
        grantee: this,
        actions: dynamo(def.tableActions),
        resourceArns: [table.tableArn],
      });
    }
    for (const [index, actions] of Object.entries(def.indexActions ?? {})) {
      Grant.addToPrincipal({
        grantee: this,
        actions: dynamo(actions),
        resourceArns: [`${table.tableArn}/index/${index}`],
      });
    }
    return this.addEnvironment(options.envVar ?? "TABLE_NAME", table.tableName);
  }

  /** Grants events:PutEvents on `bus` and sets EVENT_BUS_NAME (or `envVar`) to its name. */
  public publishesTo(bus: IEventBus, envVar = "EVENT_BUS_NAME"): this {
    bus.grantPutEventsTo(this);
    return this.addEnvironment(envVar, bus.eventBusName);
  }

  /** Grants reading `secret`'s value and sets `envVar` to its ARN. */
  public useSecret(secret: ISecret, envVar: string): this {
    secret.grantRead(this);
    return this.addEnvironment(envVar, secret.secretArn);
  }
}
