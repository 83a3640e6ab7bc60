/**
 * Sign-in for the dashboard: a Cognito user pool whose users the ops person creates (no
 * self sign-up), with a strong password policy and required MFA by authenticator app (the
 * dashboard shows every customer's revenue and risk: one leaked password must not be
 * enough; TOTP costs nothing, SMS would), a hosted UI domain, and a public app client for
 * the page (authorization code flow with PKCE, back to the CloudFront URL).
 */
import { Aws, Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import {
  AccountRecovery,
  Mfa,
  OAuthScope,
  UserPool,
  type UserPoolClient,
  type UserPoolDomain,
} from "aws-cdk-lib/aws-cognito";
import type { Construct } from "constructs";
import { SERVICE_NAME } from "../topology.ts";
import { Concern } from "./concern.ts";

export interface DashboardAuthProps {
  readonly stage: string;
  /** The site's URL (https://…, no trailing slash): where sign-in returns. */
  readonly siteUrl: string;
}

export class DashboardAuth extends Concern {
  public readonly userPool: UserPool;
  public readonly client: UserPoolClient;
  public readonly domain: UserPoolDomain;
  /** https://{prefix}.auth.{region}.amazoncognito.com */
  public readonly domainUrl: string;
  /** The issuer of the pool's tokens. */
  public readonly issuer: string;

  constructor(scope: Construct, id: string, props: DashboardAuthProps) {
    super(scope, id);
    this.userPool = new UserPool(this, "DashboardUsers", {
      userPoolName: `${SERVICE_NAME}-${props.stage}-dashboard`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Users are people's accounts: replacing the stack must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    const plusPlan =
      "Threat protection needs the Cognito Plus plan, billed per user; users are a handful of admin-created staff with required MFA.";
    Validations.of(this.userPool).acknowledge(
      { id: "AwsSolutions-COG3", reason: plusPlan },
      { id: "AwsSolutions-COG8", reason: plusPlan },
    );
    this.domain = this.userPool.addDomain("DashboardSignIn", {
      // Globally unique per region: the stage and the account id.
      cognitoDomain: { domainPrefix: `${SERVICE_NAME}-${props.stage}-${Aws.ACCOUNT_ID}` },
    });
    this.domainUrl = this.domain.baseUrl();
    this.client = this.userPool.addClient("DashboardPage", {
      // A browser page cannot keep a secret: public client, code flow with PKCE.
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [`${props.siteUrl}/`],
        logoutUrls: [`${props.siteUrl}/`],
      },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
    });
    this.issuer = `https://cognito-idp.${Aws.REGION}.amazonaws.com/${this.userPool.userPoolId}`;
  }
}
