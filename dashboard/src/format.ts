/** How numbers, money, days and tiers read on the page (en-US, UTC days as the API sends). */
import type { Tier } from "./types.ts";

export const TIER_LABEL: Record<Tier, string> = {
  critical: "Critical",
  "at-risk": "At risk",
  healthy: "Healthy",
  unknown: "Unknown",
};

/** Worst first: the order tiers are listed in. */
export const TIER_ORDER: readonly Tier[] = ["critical", "at-risk", "healthy", "unknown"];

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** Minor units of `currency` as whole money, e.g. 1234500 USD → "$12,345". */
export function money(minor: number, currency: string | null): string {
  const code = currency ?? "USD";
  let format = moneyFormats.get(code);
  if (!format) {
    try {
      format = new Intl.NumberFormat("en-US", {
        style: "currency",
        currency: code,
        maximumFractionDigits: 0,
      });
    } catch {
      format = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
    }
    moneyFormats.set(code, format);
  }
  return format.format(minor / 100);
}

const integer = new Intl.NumberFormat("en-US");
export const count = (n: number) => integer.format(n);

export const scoreText = (score: number | null) =>
  score === null ? "–" : String(Math.round(score));

/** "+4", "−12", "0"; an en dash without a value. */
export function signed(n: number | null): string {
  if (n === null) return "–";
  const r = Math.round(n);
  return r > 0 ? `+${r}` : r < 0 ? `−${Math.abs(r)}` : "0";
}

const dayFormat = new Intl.DateTimeFormat("en-US", {
  month: "short",
  day: "numeric",
  timeZone: "UTC",
});
const timeFormat = new Intl.DateTimeFormat("en-US", {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
  timeZoneName: "short",
});

/** "Nov 12" for an ISO day or time. */
export const day = (iso: string) => dayFormat.format(new Date(iso));
/** "Nov 12, 09:30 UTC". */
export const dateTime = (iso: string) => timeFormat.format(new Date(iso));

/** Whole days from `now` until `iso` (negative when past). */
export function daysUntil(iso: string, now = Date.now()): number {
  return Math.round((Date.parse(iso) - now) / 86_400_000);
}

/** "renews in 12 days", "renewed 3 days ago", "renews today". */
export function renewalText(iso: string | null, now = Date.now()): string {
  if (iso === null) return "no renewal date";
  const d = daysUntil(iso, now);
  if (d === 0) return "renews today";
  if (d > 0) return `renews in ${d} day${d === 1 ? "" : "s"}`;
  return `renewal ${-d} day${d === -1 ? "" : "s"} ago`;
}

/** 0.834 → "83%". */
export const percent = (share: number) => `${Math.round(share * 100)}%`;

/** "engagement" → "Engagement". */
export const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
