/**
 * The dashboard's AWS side: the JWT authorizer guards the dashboard routes and nothing else
 * (the machine routes keep IAM, webhooks stay public), the site bucket is private and
 * reached only through CloudFront, the WebSocket API has its three routes with an
 * authorizer on $connect, and the functions get exactly the grants they need.
 */
import type { CfnElement } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "../../../lib/topology.ts";
import { type SynthesizedApp, synthesizeApp } from "./support.ts";

let app: SynthesizedApp;
beforeAll(async () => {
  app = await synthesizeApp();
}, 300_000);
afterAll(() => app?.cleanup());

const resources = (type: string) =>
  Object.entries(app.statelessTemplate.findResources(type)) as [
    string,
    { Properties: Record<string, unknown> },
  ][];

describe("dashboard infrastructure", () => {
  it("puts the JWT authorizer on the dashboard routes only", () => {
    const [[jwtId, jwt]] = resources("AWS::ApiGatewayV2::Authorizer").filter(
      ([, a]) => a.Properties.AuthorizerType === "JWT",
    ) as [[string, { Properties: Record<string, unknown> }]];
    expect(jwt.Properties.IdentitySource).toEqual(["$request.header.Authorization"]);
    const routes = resources("AWS::ApiGatewayV2::Route").filter(
      ([, r]) =>
        typeof r.Properties.RouteKey === "string" && !String(r.Properties.RouteKey).startsWith("$"),
    );
    expect(routes.length).toBe(ROUTES.length);
    for (const [, route] of routes) {
      const key = String(route.Properties.RouteKey);
      if (key.includes(" /dashboard/")) {
        expect(route.Properties.AuthorizationType, key).toBe("JWT");
        expect(route.Properties.AuthorizerId, key).toEqual({ Ref: jwtId });
      } else if (key.startsWith("POST /webhooks")) {
        expect(route.Properties.AuthorizationType, key).toBe("NONE");
      } else {
        expect(route.Properties.AuthorizationType, key).toBe("AWS_IAM");
      }
    }
  });

  it("keeps the site bucket private, encrypted, SSL-only, served through CloudFront OAC", () => {
    const buckets = resources("AWS::S3::Bucket").filter(([id]) => id.startsWith("DashboardSite"));
    expect(buckets).toHaveLength(1);
    const [[bucketId, bucket]] = buckets as [[string, { Properties: Record<string, unknown> }]];
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.BucketEncryption).toBeDefined();
    expect(bucket.Properties.LoggingConfiguration).toBeDefined();
    app.statelessTemplate.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
          Match.objectLike({ Effect: "Allow", Principal: { Service: "cloudfront.amazonaws.com" } }),
        ]),
      },
    });
    app.statelessTemplate.resourceCountIs("AWS::CloudFront::OriginAccessControl", 1);
    app.statelessTemplate.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: "index.html",
        CustomErrorResponses: Match.arrayWith([
          Match.objectLike({ ErrorCode: 403, ResponseCode: 200, ResponsePagePath: "/index.html" }),
        ]),
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: "redirect-to-https",
          ResponseHeadersPolicyId: Match.anyValue(),
        }),
      }),
    });
  });

  it("lets only admins create users, requires MFA, and signs in with code flow to the site", () => {
    app.statelessTemplate.hasResourceProperties("AWS::Cognito::UserPool", {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: "ON",
    });
    app.statelessTemplate.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      AllowedOAuthFlows: ["code"],
      GenerateSecret: false,
    });
  });

  it("has a WebSocket API with $connect authorized and $disconnect and $default routes", () => {
    const wsRoutes = resources("AWS::ApiGatewayV2::Route").filter(([, r]) =>
      String(r.Properties.RouteKey).startsWith("$"),
    );
    const byKey = Object.fromEntries(
      wsRoutes.map(([, r]) => [String(r.Properties.RouteKey), r.Properties]),
    );
    expect(Object.keys(byKey).sort()).toEqual(["$connect", "$default", "$disconnect"]);
    expect(byKey.$connect?.AuthorizationType).toBe("CUSTOM");
    app.statelessTemplate.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "REQUEST",
      IdentitySource: ["route.request.querystring.token"],
    });
  });

  it("grants posting to connections to the stream and live functions only", () => {
    const manage = resources("AWS::IAM::Policy").filter(([, p]) =>
      JSON.stringify(p.Properties.PolicyDocument).includes("execute-api:ManageConnections"),
    );
    expect(manage.map(([id]) => id.replace(/Role.*/, "")).sort()).toEqual([
      "DashboardLiveFunction",
      "DashboardStreamFunction",
    ]);
  });

  it("maps the table stream to the dashboard stream function, scores and applied events only", () => {
    app.statelessTemplate.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: Match.objectLike({ Ref: Match.stringLikeRegexp("^DashboardStreamFunction") }),
      FilterCriteria: {
        Filters: Match.arrayWith([
          {
            Pattern: JSON.stringify({
              eventName: ["INSERT", "MODIFY"],
              dynamodb: { Keys: { sk: { S: ["SCORE"] } } },
            }),
          },
        ]),
      },
      MaximumBatchingWindowInSeconds: 0,
    });
  });

  it("deploys the page with its own role: logs to its own log group, invalidates this distribution only", () => {
    const site = app.stateless.dashboardSite;
    const id = (c: { node: { defaultChild?: unknown } }) =>
      app.stateless.getLogicalId(c.node.defaultChild as CfnElement);
    const role = site.node.findChild("DashboardDeploymentRole");
    const roleId = id(role);
    const logsId = id(site.node.findChild("DashboardDeploymentLogs"));
    const distributionId = id(site.distribution);

    const handlers = resources("AWS::Lambda::Function").filter(([fnId]) =>
      fnId.startsWith("CustomCDKBucketDeployment"),
    );
    expect(handlers).toHaveLength(1);
    expect(handlers[0]?.[1].Properties).toMatchObject({
      Role: { "Fn::GetAtt": [roleId, "Arn"] },
      LoggingConfig: { LogGroup: { Ref: logsId } },
    });
    const [[, roleResource]] = resources("AWS::IAM::Role").filter(([r]) => r === roleId) as [
      [string, { Properties: Record<string, unknown> }],
    ];
    expect(roleResource.Properties.ManagedPolicyArns).toBeUndefined();

    const statements = resources("AWS::IAM::Policy")
      .filter(([, p]) =>
        (p.Properties.Roles as unknown[]).some(
          (r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }),
        ),
      )
      .flatMap(
        ([, p]) =>
          (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
      );
    const withAction = (prefix: string) =>
      statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith(prefix)));
    expect(withAction("logs:")).toEqual([
      {
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: { "Fn::GetAtt": [logsId, "Arn"] },
      },
    ]);
    const invalidation = withAction("cloudfront:");
    expect(invalidation).toHaveLength(1);
    expect([invalidation[0]?.Action].flat().sort()).toEqual([
      "cloudfront:CreateInvalidation",
      "cloudfront:GetInvalidation",
    ]);
    expect(JSON.stringify(invalidation[0]?.Resource)).toContain(
      `:distribution/",{"Ref":"${distributionId}"}`,
    );
    for (const s of statements) expect(s.Resource, JSON.stringify(s.Action)).not.toBe("*");

    // The handler invalidates the distribution its resource names, after every deploy.
    app.statelessTemplate.hasResourceProperties("Custom::CDKBucketDeployment", {
      DistributionId: { Ref: distributionId },
      DistributionPaths: ["/index.html", "/config.json"],
    });
  });
});
