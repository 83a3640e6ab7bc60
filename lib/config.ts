/**
 * Deployment settings read from CDK context (`cdk.json` or `-c key=value`), validated once.
 * A missing or malformed setting fails the synth with the name of the context key, never
 * silently falls back to a default.
 */

import type { Node } from "constructs";
import {
  AlertSettingsError,
  parseDashboardUrl,
  parseOwnerIds,
} from "../functions/alerts/settings.ts";
import { DIGEST_SCHEDULE, HEALTH_TABLE } from "./topology.ts";

export interface DeploymentConfig {
  /** Short name of the deployment (`dev`, `prod`…): part of stack and resource names. */
  readonly stage: string;
  /** Subscribed to the alert topic (tier changes and drops routed as `page`). */
  readonly alertEmails: readonly string[];
  /** Subscribed to the ops topic (alarms). */
  readonly opsEmails: readonly string[];
  /** Name of the Secrets Manager secret holding the Slack incoming webhook URL. */
  readonly slackWebhookSecretName: string;
  /** Path of the scoring model file, relative to the repository root (.ts, .js or .json). */
  readonly modelFile: string;
  /** How often the rescore schedule runs, and how old a score must be to be rescored. */
  readonly rescoreIntervalMinutes: number;
  /**
   * Keep the CloudFormation exports a stateless stack from before the SSM parameters still
   * imports: one deploy with it on, then one with it off (README: Upgrade).
   */
  readonly legacyExports: boolean;
  /**
   * Global secondary indexes of the table to leave out of this deploy: DynamoDB adds one
   * index per table update, so an upgrade that brings two deploys twice (README: Upgrade).
   * @default - none
   */
  readonly deferIndexes: readonly string[];
  /**
   * Alerts: dashboard link, owners in Slack, daily digest.
   * @default - no link, no mentions, one Slack message per change
   */
  readonly alerts?: AlertsConfig;
}

/** Context `dashboardUrl`, `alerts.slackOwners`, `alerts.digest`, `alerts.digestHourUtc`. */
export interface AlertsConfig {
  /** The dashboard's base URL; alerts link to `/customers/{accountId}` on it. */
  readonly dashboardUrl: string | undefined;
  /** Owner name or email → Slack user id, as JSON (the Slack function's SLACK_OWNER_IDS). */
  readonly slackOwnersJson: string;
  /** One Slack digest a day instead of one message per change. */
  readonly digest: boolean;
  /** When the daily digest is posted (UTC hour, 0-23); it lists the previous UTC day. */
  readonly digestHourUtc: number;
}

/** Lambda keeps all environment variables of a function within 4 KB. */
const MAX_OWNERS_JSON_BYTES = 3_000;

function readAlertsConfig(node: Node): AlertsConfig {
  const fail = (error: unknown): never => {
    if (error instanceof AlertSettingsError) throw new ConfigError(`CDK context ${error.message}`);
    throw error;
  };
  const rawUrl = node.tryGetContext("dashboardUrl");
  if (rawUrl !== undefined && rawUrl !== null && typeof rawUrl !== "string") {
    throw new ConfigError(`CDK context "dashboardUrl" must be a URL string`);
  }
  let dashboardUrl: string | undefined;
  let owners: ReadonlyMap<string, string> = new Map();
  try {
    dashboardUrl = parseDashboardUrl(rawUrl ?? undefined, '"dashboardUrl"');
    owners = parseOwnerIds(node.tryGetContext("alerts.slackOwners"), '"alerts.slackOwners"');
  } catch (error) {
    fail(error);
  }
  const slackOwnersJson = JSON.stringify(Object.fromEntries(owners));
  if (Buffer.byteLength(slackOwnersJson) > MAX_OWNERS_JSON_BYTES) {
    throw new ConfigError(
      `CDK context "alerts.slackOwners" is over ${MAX_OWNERS_JSON_BYTES} bytes as JSON (Lambda's environment holds 4 KB): have your tools send Slack user ids as the owner instead`,
    );
  }
  const rawDigest = node.tryGetContext("alerts.digest") ?? false;
  if (![true, false, "true", "false"].includes(rawDigest)) {
    throw new ConfigError(
      `CDK context "alerts.digest" must be true or false (got ${JSON.stringify(rawDigest)})`,
    );
  }
  const rawHour = node.tryGetContext("alerts.digestHourUtc") ?? DIGEST_SCHEDULE.defaultHourUtc;
  const digestHourUtc = typeof rawHour === "string" ? Number(rawHour) : rawHour;
  if (!Number.isInteger(digestHourUtc) || digestHourUtc < 0 || digestHourUtc > 23) {
    throw new ConfigError(
      `CDK context "alerts.digestHourUtc" must be a whole hour from 0 to 23 (got ${JSON.stringify(rawHour)})`,
    );
  }
  return {
    dashboardUrl,
    slackOwnersJson,
    digest: rawDigest === true || rawDigest === "true",
    digestHourUtc,
  };
}

/** A context value is missing or has the wrong shape. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const STAGE = /^[a-z][a-z0-9-]{0,19}$/;
// Deliberately loose: SNS is the real validator; this catches a pasted list or a typo'd key.
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;

function required(node: Node, key: string): unknown {
  const value = node.tryGetContext(key);
  if (value === undefined || value === null) {
    throw new ConfigError(`missing CDK context "${key}" (set it in cdk.json or with -c ${key}=…)`);
  }
  return value;
}

function nonEmptyString(node: Node, key: string): string {
  const value = required(node, key);
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigError(`CDK context "${key}" must be a non-empty string`);
  }
  return value.trim();
}

/** A list from cdk.json (JSON array) or from the command line (`-c key=a@x.com,b@y.com`). */
function emailList(node: Node, key: string): string[] {
  const value = required(node, key);
  const items =
    typeof value === "string"
      ? value.split(",")
      : Array.isArray(value) && value.every((v) => typeof v === "string")
        ? (value as string[])
        : undefined;
  if (items === undefined) {
    throw new ConfigError(`CDK context "${key}" must be a list of email addresses`);
  }
  const emails = items.map((e) => e.trim()).filter((e) => e.length > 0);
  const bad = emails.filter((e) => !EMAIL.test(e));
  if (bad.length > 0) {
    throw new ConfigError(`CDK context "${key}" has invalid email addresses: ${bad.join(", ")}`);
  }
  return [...new Set(emails)];
}

/** Reads and validates the deployment settings from the app's context. */
export function readDeploymentConfig(node: Node): DeploymentConfig {
  const stage = nonEmptyString(node, "stage");
  if (!STAGE.test(stage)) {
    throw new ConfigError(
      `CDK context "stage" must be lower-case letters, digits and dashes, starting with a letter, at most 20 characters (got "${stage}")`,
    );
  }
  // `-c rescoreIntervalMinutes=30` arrives as a string.
  const rawInterval = required(node, "rescoreIntervalMinutes");
  const rescoreIntervalMinutes =
    typeof rawInterval === "string" ? Number(rawInterval) : rawInterval;
  if (
    typeof rescoreIntervalMinutes !== "number" ||
    !Number.isInteger(rescoreIntervalMinutes) ||
    rescoreIntervalMinutes < 1 ||
    rescoreIntervalMinutes > 1440
  ) {
    throw new ConfigError(
      `CDK context "rescoreIntervalMinutes" must be a whole number of minutes from 1 to 1440 (got ${JSON.stringify(rawInterval)})`,
    );
  }
  // Optional: only an upgrade from a version that shared exports sets it.
  const rawLegacy = node.tryGetContext("legacyExports") ?? false;
  if (rawLegacy !== true && rawLegacy !== false && rawLegacy !== "true" && rawLegacy !== "false") {
    throw new ConfigError(
      `CDK context "legacyExports" must be true or false (got ${JSON.stringify(rawLegacy)})`,
    );
  }
  const rawDefer = node.tryGetContext("deferIndexes") ?? "";
  const deferIndexes = String(rawDefer)
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const indexNames = HEALTH_TABLE.globalIndexes.map((index) => index.name);
  const unknownIndex = deferIndexes.find((name) => !indexNames.includes(name));
  if (unknownIndex !== undefined) {
    throw new ConfigError(
      `CDK context "deferIndexes" names ${JSON.stringify(unknownIndex)}, not an index of the table (${indexNames.join(", ")})`,
    );
  }
  return {
    stage,
    deferIndexes,
    alertEmails: emailList(node, "alertEmails"),
    opsEmails: emailList(node, "opsEmails"),
    slackWebhookSecretName: nonEmptyString(node, "slackWebhookSecretName"),
    modelFile: nonEmptyString(node, "modelFile"),
    rescoreIntervalMinutes,
    legacyExports: rawLegacy === true || rawLegacy === "true",
    alerts: readAlertsConfig(node),
  };
}
