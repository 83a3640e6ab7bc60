/**
 * The HTTP API: the topology's routes, public-but-signed webhooks and IAM-signed read and admin
 * routes, a throttle per route group (ROUTE_THROTTLES) so a webhook flood never locks the
 * admin API out, and JSON access logs.
 */
import { RemovalPolicy, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import {
  type CfnStage,
  type CorsPreflightOptions,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import {
  type FunctionId,
  ROUTE_THROTTLES,
  ROUTES,
  type RouteDefinition,
  type Throttle,
} from "../topology.ts";
import { Concern } from "./concern.ts";

/** HTTP API v2 access log fields (JSON, one line per request). */
const ACCESS_LOG_FIELDS = {
  requestId: "$context.requestId",
  requestTime: "$context.requestTime",
  sourceIp: "$context.identity.sourceIp",
  userAgent: "$context.identity.userAgent",
  caller: "$context.identity.userArn",
  routeKey: "$context.routeKey",
  path: "$context.path",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  latencyMs: "$context.responseLatency",
  integrationLatencyMs: "$context.integrationLatency",
  integrationStatus: "$context.integrationStatus",
  integrationError: "$context.integrationErrorMessage",
  error: "$context.error.message",
};

const pascal = (id: string) => id.charAt(0).toUpperCase() + id.slice(1);

export interface HealthHttpApiProps {
  /** Name of the API (`customer-health-<stage>`). */
  readonly apiName: string;
  /** The function behind each route's `function`. */
  readonly functions: Readonly<Partial<Record<FunctionId, IFunction>>>;
  /**
   * The routes, each with its auth (`signature`: public, verified by the function; `iam`).
   * @default ROUTES from lib/topology.ts
   */
  readonly routes?: readonly RouteDefinition[];
  /**
   * Throttle per route group (by auth). Unknown routes get the strictest one.
   * @default ROUTE_THROTTLES from lib/topology.ts
   */
  readonly throttles?: Readonly<Record<RouteDefinition["auth"], Throttle>>;
  /**
   * Retention of the access logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * The authorizer of the `jwt` routes (the dashboard's, Cognito).
   * @default - none: a `jwt` route fails the synth
   */
  readonly jwtAuthorizer?: IHttpRouteAuthorizer;
  /**
   * CORS for browsers calling the API from another origin (the dashboard's CloudFront URL).
   * @default - none
   */
  readonly cors?: CorsPreflightOptions;
}

/** An HTTP API with the topology's routes on an auto-deployed `$default` stage. */
export class HealthHttpApi extends Concern {
  public readonly api: HttpApi;
  public readonly stage: HttpStage;
  public readonly accessLogs: LogGroup;
  /** The stage URL, ending in `/`. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: HealthHttpApiProps) {
    super(scope, id);
    const routes = props.routes ?? ROUTES;
    const throttles = props.throttles ?? ROUTE_THROTTLES;

    this.accessLogs = new LogGroup(this, "ApiAccessLogs", {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new HttpApi(this, "HttpApi", {
      apiName: props.apiName,
      description: "Customer health: provider webhooks (signed) and the read/admin API (IAM)",
      createDefaultStage: false,
      ...(props.cors ? { corsPreflight: props.cors } : {}),
    });
    const strictest = Object.values(throttles).reduce((a, b) =>
      b.rateLimit < a.rateLimit ? b : a,
    );
    this.stage = this.api.addStage("DefaultStage", {
      stageName: "$default",
      autoDeploy: true,
      throttle: strictest,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    this.url = this.stage.url;

    const integrations = new Map<FunctionId, HttpLambdaIntegration>();
    const integrationFor = (fnId: FunctionId) => {
      const fn = props.functions[fnId];
      if (!fn) throw new Error(`no function "${fnId}" for the HTTP API routes`);
      let integration = integrations.get(fnId);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${pascal(fnId)}Integration`, fn);
        integrations.set(fnId, integration);
      }
      return integration;
    };
    const iamAuthorizer = new HttpIamAuthorizer();
    const authorizerOf = (auth: RouteDefinition["auth"]) => {
      if (auth === "iam") return iamAuthorizer;
      if (auth === "signature") return new HttpNoneAuthorizer();
      if (!props.jwtAuthorizer) throw new Error("jwt routes need a jwtAuthorizer");
      return props.jwtAuthorizer;
    };
    // CfnStage.routeSettings is untyped JSON: CloudFormation's own (PascalCase) keys.
    const routeSettings: Record<
      string,
      { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
    > = {};
    for (const route of routes) {
      const created = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrationFor(route.function),
        authorizer: authorizerOf(route.auth),
      });
      const throttle = throttles[route.auth];
      routeSettings[`${route.method} ${route.path}`] = {
        ThrottlingRateLimit: throttle.rateLimit,
        ThrottlingBurstLimit: throttle.burstLimit,
      };
      for (const r of created) {
        // Route settings name route keys: the routes must exist before the stage names them.
        this.stage.node.addDependency(r);
        if (route.auth === "signature") {
          Validations.of(r).acknowledge({
            id: "AwsSolutions-APIG4",
            reason:
              "Provider webhooks cannot sign requests with SigV4 or carry a token; the function verifies each provider's HMAC signature over the raw body (and timestamp) and answers 401 when it does not match.",
          });
        }
      }
    }
    (this.stage.node.defaultChild as CfnStage).routeSettings = routeSettings;
  }
}
