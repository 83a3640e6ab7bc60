/** Time helpers shared by the domain core. All times are epoch milliseconds (UTC). */
export const DAY_MS = 86_400_000;

/** Days since 1970-01-01 (UTC) of an instant. */
export const epochDay = (ms: number) => Math.floor(ms / DAY_MS);

/** Epoch day of the Monday that starts the ISO week holding `ms`. */
export const weekStartDay = (ms: number) => {
  const day = epochDay(ms);
  // 1970-01-01 was a Thursday: shift so Monday is 0.
  return day - ((day + 3) % 7);
};

/** `yyyy-mm-dd` of an instant, in UTC. */
export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** `yyyymm` of an instant, in UTC, as a number (202611). */
export const yearMonth = (ms: number) => {
  const d = new Date(ms);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
};

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Short human date in UTC: "Nov 2". (Intl formatting is ~100x slower on the scoring path.) */
export function shortDate(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
}
