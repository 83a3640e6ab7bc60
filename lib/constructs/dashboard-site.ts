/**
 * The dashboard's static site: a private, encrypted bucket (SSL only, access logs to a log
 * bucket) behind CloudFront with origin access control, security headers and the SPA
 * fallback (any unknown path answers index.html, so a customer page's URL opens directly),
 * and the built page deployed with `config.json` (DashboardConfig) next to it.
 *
 * The page is `dashboard/dist` (`vite build`). Synth must stay offline and quick on a fresh
 * clone, so it never builds: without a built page it deploys a one-page placeholder that
 * says how to build it, and `config.json` all the same.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  type CfnResource,
  CustomResource,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
} from "aws-cdk-lib";
import {
  Distribution,
  HttpVersion,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import { BucketDeployment, Source } from "aws-cdk-lib/aws-s3-deployment";
import type { Construct } from "constructs";
import type { DashboardConfig } from "../../functions/dashboard/contract.ts";
import { nagReference } from "../nag.ts";
import { Concern } from "./concern.ts";

const PLACEHOLDER = `<!doctype html><html lang="en"><meta charset="utf-8"><title>customer-health</title>
<body><p>The dashboard was deployed without its page. Build it (<code>npm run build</code> in
<code>dashboard/</code>, i.e. <code>vite build</code>) and deploy again.</p></body></html>`;

export interface DashboardSiteProps {
  /** Absolute path of the repository root (the page is `dashboard/dist` under it). */
  readonly projectRoot: string;
}

export class DashboardSite extends Concern {
  public readonly bucket: Bucket;
  public readonly logBucket: Bucket;
  public readonly distribution: Distribution;
  /** https://… of the distribution, no trailing slash. */
  public readonly url: string;
  /** True when synth found the built page. */
  public readonly built: boolean;
  readonly #distPath: string;

  constructor(scope: Construct, id: string, props: DashboardSiteProps) {
    super(scope, id);
    this.logBucket = new Bucket(this, "DashboardLogs", {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    Validations.of(this.logBucket).acknowledge({
      id: "AwsSolutions-S1",
      reason:
        "This is the access log bucket of the dashboard site bucket; logging it into itself would loop and into another bucket would only move the finding.",
    });
    this.bucket = new Bucket(this, "DashboardSite", {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: "s3/",
      // Built files only: a new deploy puts them back.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.distribution = new Distribution(this, "DashboardDistribution", {
      comment: "customer-health dashboard",
      defaultRootObject: "index.html",
      httpVersion: HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
      },
      // The page routes in the browser: /customers/acme is index.html too. S3 answers 403
      // for a missing key behind OAC.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: "/index.html",
        ttl: Duration.seconds(0),
      })),
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: "AwsSolutions-CFR1",
        reason:
          "The CS team may work from anywhere; sign-in (Cognito) guards the data, the static page holds none.",
      },
      {
        id: "AwsSolutions-CFR2",
        reason:
          "Static files only; the data routes are behind API Gateway with a JWT authorizer and throttles. A WAF web ACL ($5+/month) can be attached by operators who want one.",
      },
      {
        id: "AwsSolutions-CFR3",
        reason:
          "Static files only: CloudFront standard logs need an ACL-enabled bucket; the data is served (and logged) by API Gateway's access logs, and the site bucket has S3 access logs.",
      },
      {
        id: "AwsSolutions-CFR4",
        reason:
          "The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the TLS policy; a custom domain with its own certificate can set TLSv1.2_2021.",
      },
    );
    this.url = `https://${this.distribution.distributionDomainName}`;
    this.#distPath = join(props.projectRoot, "dashboard", "dist");
    this.built = existsSync(join(this.#distPath, "index.html"));
  }

  /** Deploys the page and its config.json (after the APIs exist: the config names them). */
  deploy(config: DashboardConfig): BucketDeployment {
    // The handler's own role and log group instead of CDK's default role, which carries the
    // AWSLambdaBasicExecutionRole managed policy (logs to any log group) and whose logs would
    // be kept forever: this role writes to this one log group only.
    const logs = new LogGroup(this, "DashboardDeploymentLogs", {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, "DashboardDeploymentRole", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: "customer-health dashboard page deployment (CDK BucketDeployment handler)",
    });
    logs.grantWrite(role);
    const deployment = new BucketDeployment(this, "DashboardDeployment", {
      destinationBucket: this.bucket,
      sources: [
        this.built ? Source.asset(this.#distPath) : Source.data("index.html", PLACEHOLDER),
        Source.jsonData("config.json", config),
      ],
      // No `distribution` here: BucketDeployment would grant the invalidation on `*`. The
      // handler invalidates whatever DistributionId its resource names (set below), and the
      // grant is this distribution's ARN (CloudFront invalidations take resource-level
      // permissions on the distribution).
      role,
      logGroup: logs,
      memoryLimit: 256,
    });
    const resource = deployment.node.children.find((c) => c instanceof CustomResource);
    if (!resource) throw new Error("BucketDeployment has no custom resource");
    const cfn = resource.node.defaultChild as CfnResource;
    cfn.addPropertyOverride("DistributionId", this.distribution.distributionId);
    cfn.addPropertyOverride("DistributionPaths", ["/index.html", "/config.json"]);
    this.distribution.grant(role, "cloudfront:CreateInvalidation", "cloudfront:GetInvalidation");
    // CDK's own S3 grants to the handler (Bucket.grantReadWrite on the site bucket, grantRead
    // on the assets bucket): object prefixes of these two buckets only.
    Validations.of(role).acknowledge(
      ...[
        "Action::s3:Abort*",
        "Action::s3:DeleteObject*",
        "Action::s3:GetBucket*",
        "Action::s3:GetObject*",
        "Action::s3:List*",
        `Resource::${nagReference(this, this.bucket.bucketArn)}/*`,
        "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
      ].map((what) => ({
        id: `AwsSolutions-IAM5[${what}]`,
        reason:
          "CDK's BucketDeployment handler copies the built page from the CDK assets bucket into the site bucket and removes files no longer in it; these are CDK's own grants (Bucket.grantReadWrite/grantRead), limited to the objects of these two buckets.",
      })),
    );
    // The deployment's handler is one function per stack (a singleton at the stack's root).
    for (const child of Stack.of(this).node.children) {
      if (!child.node.id.startsWith("Custom::CDKBucketDeployment")) continue;
      Validations.of(child).acknowledge(
        {
          id: "Serverless-LambdaDLQ",
          reason:
            "Invoked synchronously by CloudFormation only (custom resource); a failure fails the deploy, which rolls back.",
        },
        {
          id: "Serverless-LambdaLatestVersion",
          reason: "CDK's BucketDeployment handler: its runtime is chosen by aws-cdk-lib.",
        },
        {
          id: "Serverless-LambdaTracing",
          reason:
            "Runs at deploy time only, inside CloudFormation; nothing to trace in production.",
        },
        {
          id: "AwsSolutions-L1",
          reason: "CDK's BucketDeployment handler: its runtime is chosen by aws-cdk-lib.",
        },
      );
    }
    return deployment;
  }
}
