/**
 * The live feed in AWS: an API Gateway WebSocket API whose `$connect` is authorized by a
 * Lambda authorizer (the page's Cognito access token as `?token=`), the connection routes
 * on the live function, the dashboard stream function (projection and broadcast) reading
 * the table's stream, and the right to post to connections for both.
 */
import { RemovalPolicy, Validations } from "aws-cdk-lib";
import { type CfnStage, WebSocketApi, WebSocketStage } from "aws-cdk-lib/aws-apigatewayv2";
import { WebSocketLambdaAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { WebSocketLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { nagReference } from "../nag.ts";
import { DASHBOARD_STREAM } from "../topology.ts";
import { Concern } from "./concern.ts";
import { DeadLetterQueue } from "./dead-letter-queue.ts";
import { ScoreStreamConsumer } from "./score-stream-consumer.ts";

export interface LiveApiProps {
  readonly apiName: string;
  readonly table: ITable;
  /** $connect, $disconnect, $default. */
  readonly liveFunction: LambdaFunction;
  /** Verifies the token on $connect. */
  readonly authorizerFunction: LambdaFunction;
  /** Projects the stream and posts every score to the connections. */
  readonly streamFunction: LambdaFunction;
  readonly logRetention?: RetentionDays;
}

export class LiveApi extends Concern {
  public readonly api: WebSocketApi;
  public readonly stage: WebSocketStage;
  public readonly stream: ScoreStreamConsumer;
  /** wss://… of the stage. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: LiveApiProps) {
    super(scope, id);
    const integration = (name: string) => new WebSocketLambdaIntegration(name, props.liveFunction);
    this.api = new WebSocketApi(this, "LiveApi", {
      apiName: props.apiName,
      description: "Customer health dashboard: live score feed",
      connectRouteOptions: {
        integration: integration("LiveConnect"),
        authorizer: new WebSocketLambdaAuthorizer("LiveAuthorizer", props.authorizerFunction, {
          identitySource: ["route.request.querystring.token"],
        }),
      },
      disconnectRouteOptions: { integration: integration("LiveDisconnect") },
      defaultRouteOptions: { integration: integration("LiveDefault") },
    });
    const logs = new LogGroup(this, "LiveAccessLogs", {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new WebSocketStage(this, "LiveStage", {
      webSocketApi: this.api,
      stageName: "live",
      autoDeploy: true,
      throttle: { rateLimit: 20, burstLimit: 40 },
    });
    (this.stage.node.defaultChild as CfnStage).accessLogSettings = {
      destinationArn: logs.logGroupArn,
      format: JSON.stringify({
        requestId: "$context.requestId",
        requestTime: "$context.requestTime",
        routeKey: "$context.routeKey",
        eventType: "$context.eventType",
        connectionId: "$context.connectionId",
        status: "$context.status",
        error: "$context.error.message",
        authorizerError: "$context.authorizer.error",
      }),
    };
    this.url = this.stage.url;
    for (const route of ["$disconnect", "$default"]) {
      const r = this.api.node.tryFindChild(`${route}-Route`);
      if (r) {
        Validations.of(r).acknowledge({
          id: "AwsSolutions-APIG4",
          reason:
            "A WebSocket API authorizes the connection once, on $connect (Lambda authorizer verifying the Cognito token); API Gateway allows no authorizer on the other routes of an authorized connection.",
        });
      }
    }
    for (const fn of [props.streamFunction, props.liveFunction]) {
      this.api.grantManageConnections(fn);
      fn.addEnvironment("LIVE_MANAGEMENT_ENDPOINT", this.stage.callbackUrl);
      const owner = fn.node.scope ?? fn;
      Validations.of(owner).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:${nagReference(this, this.api.apiId)}/*/*/@connections/*]`,
        reason:
          "Posting to the live feed's connections: connection ids are made by API Gateway at connect time, so the grant covers the connections of this one API (any stage, any connection).",
      });
    }

    this.stream = new ScoreStreamConsumer(this, "DashboardStream", {
      table: props.table,
      consumer: props.streamFunction,
      settings: DASHBOARD_STREAM,
      deadLetterQueue: new DeadLetterQueue(this, "DashboardStreamDlq", {
        purpose:
          "stream batches the dashboard stream function still failed after its retries (redrive: every write is idempotent)",
      }),
    });
  }
}
