/** How numbers are rounded for display: scores to tenths, raw measurements to hundredths. */

/** To the nearest tenth (scores, contributions). */
export const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * To the nearest hundredth, halves away from zero, with no float noise: a whole number of
 * hundredths divided by 100 is the double that prints as that decimal (5.25, never
 * 5.252999999999999). `x * 100` can fall just short of a half (1.005 * 100 is
 * 100.49999999999999), so it is nudged up by one part in 2^52 before rounding.
 */
export function hundredths(x: number): number {
  const cents = Math.round(Math.abs(x) * 100 * (1 + Number.EPSILON));
  if (cents === 0) return 0;
  return (x < 0 ? -cents : cents) / 100;
}
