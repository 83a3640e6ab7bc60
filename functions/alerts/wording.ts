/**
 * The words every alert shares (Slack, email, the daily digest, and the ready-made lines a
 * health event carries for the AWS email): scores, signed points, drivers and red flags.
 * Pure functions, no I/O.
 */
import type { Tier } from "../domain/tiers.ts";
import type { DriverDetail, MessageLines } from "../events/health-events.ts";

/** Emoji standing in for colour: Block Kit has no coloured bar without legacy attachments. */
export const TIER_EMOJI: Readonly<Record<Tier, string>> = {
  critical: "🔴",
  "at-risk": "🟠",
  healthy: "🟢",
  unknown: "⚪",
};

/** A red flag is named in words, never shown by colour alone. */
export const RED_FLAG_MARK = "🚩 Red flag:";
export const NEW_RED_FLAG_MARK = "🚩 New red flag:";

export const NOTHING_CHANGED = "No single component stood out.";
export const NOTHING_HOLDS_DOWN = "Nothing holds the score down.";

/** The customer's display name, or its id when no tool told us a name. */
export function customerName(detail: { accountName: string | null; accountId: string }): string {
  const name = detail.accountName?.trim();
  return name ? name : detail.accountId;
}

/** A score as shown to people: whole points (the event carries one decimal). */
export function formatScore(score: number | null): string {
  return score === null ? "no score" : String(Math.round(score));
}

/** A signed number with a real minus sign: "+19", "−24", "±0". */
export function signed(n: number): string {
  if (n === 0) return "±0";
  return n > 0 ? `+${n}` : `\u2212${-n}`;
}

/** "72 → 48 (−24)"; the change is left out when either side has no score. */
export function scoreChange(from: number | null, to: number | null): string {
  const arrow = `${formatScore(from)} → ${formatScore(to)}`;
  if (from === null || to === null) return arrow;
  return `${arrow} (${signed(Math.round(to) - Math.round(from))})`;
}

/** "(−12 pts)": whole points, one decimal below one point. */
export function impactPoints(impact: number): string {
  const magnitude = Math.abs(impact) < 1 ? Math.round(impact * 10) / 10 : Math.round(impact);
  return `(${signed(magnitude)} ${Math.abs(magnitude) === 1 ? "pt" : "pts"})`;
}

/**
 * One driver as a line of text: "🚩 Red flag: set to cancel at period end on Nov 12 (−40 pts)"
 * or "• no product usage for 21 days (−12 pts)". A flag without points shows none.
 * `escape` is applied to the tool-supplied reason (Slack's mrkdwn needs it).
 */
export function driverLine(
  driver: DriverDetail,
  options: { readonly newFlag?: boolean; readonly escape?: (text: string) => string } = {},
): string {
  const reason = (options.escape ?? ((t: string) => t))(driver.reason);
  if (driver.flag !== undefined) {
    const mark = options.newFlag ? NEW_RED_FLAG_MARK : RED_FLAG_MARK;
    return driver.impact === 0
      ? `${mark} ${reason}`
      : `${mark} ${reason} ${impactPoints(driver.impact)}`;
  }
  return `• ${reason} ${impactPoints(driver.impact)}`;
}

/** "Owner: @jane" for a name or handle, as given for an email address; undefined when none. */
export function ownerLine(owner: string | null): string | undefined {
  const name = owner?.trim();
  if (!name) return undefined;
  return `Owner: ${name.includes("@") ? name : `@${name}`}`;
}

/**
 * The ready-made lines a health event carries (for the AWS email's input transformer, which
 * can only copy fields): each list has at least one line, so a section is never blank.
 */
export function messageLines(input: {
  readonly previousScore: number | null;
  readonly score: number | null;
  readonly drivers: readonly DriverDetail[];
  readonly holdingDown: readonly DriverDetail[];
  readonly newFlags: ReadonlySet<string>;
  readonly owner: string | null;
}): MessageLines {
  const changed = input.drivers.map((d) =>
    driverLine(d, { newFlag: d.flag !== undefined && input.newFlags.has(d.flag) }),
  );
  const holdingDown = input.holdingDown.map((d) => driverLine(d));
  return {
    score: scoreChange(input.previousScore, input.score),
    changed: changed.length > 0 ? changed : [NOTHING_CHANGED],
    holdingDown: holdingDown.length > 0 ? holdingDown : [NOTHING_HOLDS_DOWN],
    owner: ownerLine(input.owner) ?? "",
  };
}
