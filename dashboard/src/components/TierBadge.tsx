/**
 * A tier is never colour alone: each has its own shape (square for critical, triangle for
 * at risk, circle for healthy, hollow circle for unknown) and its name in text.
 */
import { TIER_LABEL } from "../format.ts";
import type { Tier } from "../types.ts";

export function TierShape({ tier }: { tier: Tier }) {
  return (
    <svg
      class={`tier-shape tier-${tier}`}
      viewBox="0 0 12 12"
      width="12"
      height="12"
      aria-hidden="true"
    >
      {tier === "critical" && <rect x="1.5" y="1.5" width="9" height="9" />}
      {tier === "at-risk" && <path d="M6 1 11.2 10.5H.8Z" />}
      {tier === "healthy" && <circle cx="6" cy="6" r="5" />}
      {tier === "unknown" && <circle cx="6" cy="6" r="4.2" fill="none" stroke-width="1.6" />}
    </svg>
  );
}

export function TierBadge({ tier }: { tier: Tier }) {
  return (
    <span class={`tier tier-${tier}`} data-tier={tier}>
      <TierShape tier={tier} />
      {TIER_LABEL[tier]}
    </span>
  );
}
