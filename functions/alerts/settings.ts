/**
 * The alert functions' deployment settings, read from the environment (set by the CDK stack
 * from context, and by `npm start` locally): where the dashboard lives, who the owners are in
 * Slack, and whether Slack gets one digest a day instead of one message per change. Each
 * setting is validated once, with the variable's name in the error.
 */

/** The dashboard's base URL; alerts link to `${DASHBOARD_URL}/customers/{accountId}`. */
export const DASHBOARD_URL_ENV = "DASHBOARD_URL";
/** JSON object: owner name or email (as the tools send it) → Slack user id (`U…`/`W…`). */
export const SLACK_OWNER_IDS_ENV = "SLACK_OWNER_IDS";
/** "true": Slack gets one digest a day per channel instead of one message per change. */
export const SLACK_DIGEST_ENV = "SLACK_DIGEST";

/** A setting has the wrong shape (named in the message). */
export class AlertSettingsError extends Error {
  override readonly name = "AlertSettingsError";
}

/** A Slack user id as Slack shows it (member id `U…`, or `W…` on Enterprise Grid). */
const SLACK_USER_ID = /^[UW][A-Z0-9]{8,}$/;

export const isSlackUserId = (value: string) => SLACK_USER_ID.test(value);

/** An http(s) URL without a trailing slash, or undefined when unset or empty. */
export function parseDashboardUrl(
  value: string | undefined,
  name = DASHBOARD_URL_ENV,
): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AlertSettingsError(`${name} must be an http(s) URL (got ${JSON.stringify(text)})`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new AlertSettingsError(`${name} must be an http(s) URL (got ${JSON.stringify(text)})`);
  }
  if (url.search || url.hash) {
    throw new AlertSettingsError(`${name} must not have a query or fragment (got ${text})`);
  }
  return url.toString().replace(/\/+$/, "");
}

/** Owner names and emails, lower-cased, to Slack user ids. */
export type OwnerDirectory = ReadonlyMap<string, string>;

const ownerKey = (owner: string) => owner.trim().replace(/^@/, "").toLowerCase();

/** Reads the owners mapping (a JSON object, or an object from CDK context). */
export function parseOwnerIds(value: unknown, name = SLACK_OWNER_IDS_ENV): OwnerDirectory {
  if (value === undefined || value === null || value === "") return new Map();
  let object: unknown = value;
  if (typeof value === "string") {
    try {
      object = JSON.parse(value);
    } catch {
      throw new AlertSettingsError(
        `${name} must be a JSON object of owner name or email → Slack user id`,
      );
    }
  }
  if (typeof object !== "object" || object === null || Array.isArray(object)) {
    throw new AlertSettingsError(
      `${name} must be a JSON object of owner name or email → Slack user id`,
    );
  }
  const directory = new Map<string, string>();
  for (const [owner, id] of Object.entries(object)) {
    if (typeof id !== "string" || !isSlackUserId(id)) {
      throw new AlertSettingsError(
        `${name}: "${owner}" must map to a Slack user id such as U024BE7LH (got ${JSON.stringify(id)})`,
      );
    }
    directory.set(ownerKey(owner), id);
  }
  return directory;
}

/**
 * The Slack user id of an owner: the owner field itself when a tool already sends a Slack
 * id, else the directory's entry for the name or email; undefined for an unknown owner.
 */
export function slackUserOf(owner: string, directory: OwnerDirectory): string | undefined {
  const bare = owner.trim().replace(/^@/, "");
  if (isSlackUserId(bare)) return bare;
  return directory.get(ownerKey(owner));
}

/** "true" / "false" (any case); unset is false. */
export function parseFlag(value: string | undefined, name: string): boolean {
  const text = value?.trim().toLowerCase();
  if (!text || text === "false") return false;
  if (text === "true") return true;
  throw new AlertSettingsError(`${name} must be true or false (got ${JSON.stringify(value)})`);
}

export interface AlertSettings {
  readonly dashboardUrl: string | undefined;
  readonly owners: OwnerDirectory;
  readonly digest: boolean;
}

/** The alert settings from an environment (process.env by default). */
export function alertSettingsFrom(env: NodeJS.ProcessEnv = process.env): AlertSettings {
  return {
    dashboardUrl: parseDashboardUrl(env[DASHBOARD_URL_ENV]),
    owners: parseOwnerIds(env[SLACK_OWNER_IDS_ENV]),
    digest: parseFlag(env[SLACK_DIGEST_ENV], SLACK_DIGEST_ENV),
  };
}
