/**
 * The plain-text alert email. Its layout is also published as an EventBridge
 * input-transformer template (`emailTemplateLines`), so the SNS email in AWS and the local
 * email carry the same lines.
 *
 * The input transformer can only copy fields, and a path it cannot find (a list index past
 * the end) prints nothing (AWS: "If you specify a variable to match a JSON path that doesn't
 * exist in the event, that variable isn't created and won't appear in the output"). So every
 * placeholder stands alone on its line and reads a ready-made, never-null string from the
 * event's `lines` (`decide.ts` writes them): a customer with one driver gets one driver line
 * and blank lines for the rest, never "3. " or "null". The local email leaves those blank
 * lines out.
 */
import { DETAIL_TYPES, type HealthEvent, type MessageLines } from "../events/health-events.ts";
import { customerName, formatScore, messageLines } from "./wording.ts";

type DetailType = HealthEvent["detailType"];

/** Driver lines per section when the model's `alerts.topDrivers` is not given. */
export const MESSAGE_DRIVERS = 3;

export interface EmailTemplateOptions {
  /** Lines per section ("What changed", "What holds it down"): the model's `alerts.topDrivers`. */
  readonly slots?: number;
  /** The dashboard's base URL, e.g. https://health.example.com; no link line without it. */
  readonly dashboardUrl?: string;
}

/** JSON paths (input-transformer syntax) of the fixed placeholders. */
const FIXED_PATHS = {
  displayName: "$.detail.displayName",
  accountId: "$.detail.accountId",
  previousTier: "$.detail.previousTier",
  tier: "$.detail.tier",
  scoreLine: "$.detail.lines.score",
  fromScore: "$.detail.fromScore",
  toScore: "$.detail.toScore",
  windowDays: "$.detail.windowDays",
  ownerLine: "$.detail.lines.owner",
  customerPath: "$.detail.customerPath",
  modelVersion: "$.detail.modelVersion",
} as const;

/** Every placeholder's JSON path, the section lines included (`changed1`, `held1`, …). */
export function emailTemplatePaths(slots = MESSAGE_DRIVERS): Record<string, string> {
  const paths: Record<string, string> = { ...FIXED_PATHS };
  for (let i = 0; i < slots; i++) {
    paths[`changed${i + 1}`] = `$.detail.lines.changed[${i}]`;
    paths[`held${i + 1}`] = `$.detail.lines.holdingDown[${i}]`;
  }
  return paths;
}

const TITLES: Readonly<Record<DetailType, string>> = {
  [DETAIL_TYPES.tierChanged]: "Customer health: tier change",
  [DETAIL_TYPES.scoreDropped]: "Customer health: score drop",
  [DETAIL_TYPES.flagRaised]: "Customer health: red flag raised",
};

const MOVE_LINES: Readonly<Record<DetailType, readonly string[]>> = {
  [DETAIL_TYPES.tierChanged]: ["Tier: <previousTier> → <tier>", "Score: <scoreLine>"],
  [DETAIL_TYPES.scoreDropped]: ["Score: <fromScore> → <toScore> within <windowDays> days"],
  [DETAIL_TYPES.flagRaised]: ["Tier: <tier> (unchanged)", "Score: <scoreLine>"],
};

/**
 * The email, line by line, for a detail type; `<name>` is a placeholder for
 * `emailTemplatePaths()[name]` (the input transformer's own syntax).
 */
export function emailTemplateLines(
  detailType: DetailType,
  options: EmailTemplateOptions = {},
): string[] {
  const slots = options.slots ?? MESSAGE_DRIVERS;
  const section = (prefix: string) =>
    Array.from({ length: slots }, (_, i) => `<${prefix}${i + 1}>`);
  return [
    TITLES[detailType],
    "",
    "Customer: <displayName>",
    "Account: <accountId>",
    ...MOVE_LINES[detailType],
    "What changed:",
    ...section("changed"),
    "What holds it down:",
    ...section("held"),
    "<ownerLine>",
    ...(options.dashboardUrl ? [`Customer page: ${options.dashboardUrl}<customerPath>`] : []),
    "Model version: <modelVersion>",
  ];
}

const PLACEHOLDER = /<(\w+)>/g;

/**
 * Fills a detail type's template: `value` gets each placeholder's name and JSON path and
 * returns its text, or undefined for a value that is not there. A line whose values are all
 * missing or empty is left out. For the CDK target:
 * `renderEmailTemplate(type, (_, path) => EventField.fromPath(path), options)` (never empty).
 */
export function renderEmailTemplate(
  detailType: DetailType,
  value: (name: string, path: string) => string | undefined,
  options: EmailTemplateOptions = {},
): string {
  const paths = emailTemplatePaths(options.slots);
  const lines: string[] = [];
  for (const line of emailTemplateLines(detailType, options)) {
    let missing = false;
    const filled = line.replace(PLACEHOLDER, (_, name: string) => {
      const path = paths[name];
      if (path === undefined) throw new Error(`email template: no path for <${name}>`);
      const text = value(name, path);
      if (text === undefined || text === "") missing = true;
      return text ?? "";
    });
    if (!missing) lines.push(filled);
  }
  return lines.join("\n");
}

/** The event's ready-made lines; computed for an event published before they existed. */
export function linesOf(event: HealthEvent): MessageLines {
  const d = event.detail;
  if (d.lines) return d.lines;
  const [from, to] =
    event.detailType === DETAIL_TYPES.scoreDropped
      ? [event.detail.fromScore, event.detail.toScore]
      : event.detailType === DETAIL_TYPES.tierChanged
        ? [event.detail.previousScore, event.detail.score]
        : [null, event.detail.score];
  const newFlags = new Set(
    event.detailType === DETAIL_TYPES.flagRaised ? event.detail.raised.map((f) => f.name) : [],
  );
  return messageLines({
    previousScore: from,
    score: to,
    drivers: d.drivers,
    holdingDown: d.holdingDown,
    newFlags,
    owner: d.owner,
  });
}

/** A placeholder's text for a parsed event; undefined leaves its line out. */
function localValue(event: HealthEvent, name: string): string | undefined {
  const d = event.detail;
  const lines = linesOf(event);
  const slot = /^(changed|held)(\d+)$/.exec(name);
  if (slot) {
    const list = slot[1] === "changed" ? lines.changed : lines.holdingDown;
    return list[Number(slot[2]) - 1];
  }
  switch (name) {
    case "displayName":
      return customerName(d);
    case "accountId":
      return d.accountId;
    case "scoreLine":
      return lines.score;
    case "ownerLine":
      return lines.owner;
    case "customerPath":
      return d.customerPath;
    case "modelVersion":
      return d.modelVersion;
    case "tier":
      return event.detailType === DETAIL_TYPES.scoreDropped ? undefined : event.detail.tier;
  }
  if (event.detailType === DETAIL_TYPES.tierChanged && name === "previousTier") {
    return event.detail.previousTier;
  }
  if (event.detailType === DETAIL_TYPES.scoreDropped) {
    const s = event.detail;
    if (name === "fromScore") return formatScore(s.fromScore);
    if (name === "toScore") return formatScore(s.toScore);
    if (name === "windowDays") return String(s.windowDays);
  }
  return undefined;
}

/** A plain-text email: subject and body. */
export interface EmailMessage {
  readonly subject: string;
  readonly text: string;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** "score dropped 24 points in 7 days". */
function dropWords(fromScore: number, toScore: number, windowDays: number): string {
  const points = Math.max(0, Math.round(fromScore) - Math.round(toScore));
  return `score dropped ${plural(points, "point")} in ${plural(windowDays, "day")}`;
}

function subjectOf(event: HealthEvent): string {
  const name = customerName(event.detail);
  switch (event.detailType) {
    case DETAIL_TYPES.tierChanged:
      return `[Customer health] ${name}: ${event.detail.previousTier} → ${event.detail.tier}`;
    case DETAIL_TYPES.scoreDropped: {
      const s = event.detail;
      return `[Customer health] ${name}: ${dropWords(s.fromScore, s.toScore, s.windowDays)}`;
    }
    case DETAIL_TYPES.flagRaised:
      return `[Customer health] ${name}: red flag: ${event.detail.raised.map((f) => f.reason).join("; ")}`;
  }
}

/** The email for one health event (the same lines as the AWS email, per the template). */
export function emailMessage(event: HealthEvent, options: EmailTemplateOptions = {}): EmailMessage {
  const text = renderEmailTemplate(
    event.detailType,
    (placeholder) => localValue(event, placeholder),
    options,
  );
  return { subject: subjectOf(event), text };
}
