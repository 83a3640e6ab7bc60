/** The plain words of a driver: one reason per metric, quoting the facts behind it. */
import type { Facts } from "./facts.ts";
import type { ComponentName, Model } from "./model.ts";
import { round1 } from "./rounding.ts";
import { shortDate } from "./time.ts";

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Strings built from one number, kept by that number. Reasons quote a few rounded numbers
 * ("no product usage for 21 days"), so across customers the same strings recur: building
 * them (number-to-string conversions, concatenation) costs more than finding them.
 * Keys are compared as Map keys are (-0 as 0), which no reason below tells apart.
 */
class Phrases {
  /** By small whole number (most quoted numbers are), an array index being cheaper still. */
  private readonly small: (string | undefined)[] = new Array(SMALL_NUMBERS).fill(undefined);
  private readonly built = new Map<number, string>();
  constructor(private readonly build: (n: number) => string) {}

  of(n: number): string {
    const isSmall = n >= 0 && n < SMALL_NUMBERS && Number.isInteger(n);
    let phrase = isSmall ? this.small[n] : this.built.get(n);
    if (phrase === undefined) {
      phrase = this.build(n);
      if (isSmall) this.small[n] = phrase;
      else if (this.built.size < MAX_PHRASES) this.built.set(n, phrase);
    }
    return phrase;
  }
}
const SMALL_NUMBERS = 512;
const MAX_PHRASES = 2_000;

/** The reasons that quote numbers, per model (some quote its settings too). */
export function phrasesFor(model: Model) {
  const adoption = model.components.adoption;
  const financial = model.components.financial;
  const keyFeatures = adoption.keyFeatures.length;
  const milestones = adoption.milestones.length;
  const failureDays = financial.failedPaymentWindowDays;
  const lookbackDays = financial.contractionLookbackDays;
  return {
    recency: new Phrases((days) => {
      if (days >= 2) return `no product usage for ${days} days`;
      return days === 0 ? "active today" : "last active yesterday";
    }),
    usageVolume: new Phrases(
      (tenths) => `${tenths / 10} usage events per seat per day over the last week`,
    ),
    trend: new Phrases((pct) =>
      pct < 0
        ? `usage down ${-pct}% against the monthly average`
        : `usage up ${pct}% against the monthly average`,
    ),
    breadth: new Phrases((used) =>
      keyFeatures > 0
        ? `${used} of ${keyFeatures} key features used in the last ${adoption.recentDays} days`
        : `${plural(used, "feature")} used in the last ${adoption.recentDays} days`,
    ),
    milestones: new Phrases(
      (reached) => `${reached} of ${milestones} onboarding milestones reached`,
    ),
    nps: new Phrases((value) => `NPS ${value} over recent answers`),
    openTickets: new Phrases((n) => `${plural(n, "open ticket")}`),
    urgentTickets: new Phrases((n) => `${plural(n, "urgent or high-priority ticket")} open`),
    ticketVolume: new Phrases((tenths) => `${tenths / 10} tickets per seat in the last month`),
    reopenRate: new Phrases((pct) => `${pct}% of solved tickets reopened`),
    failedPayments: new Phrases((n) =>
      n === 0
        ? `no unrecovered failed payments in the last ${failureDays} days`
        : `${plural(n, "failed payment")} in the last ${failureDays} days not yet recovered`,
    ),
    contraction: new Phrases((pct) =>
      pct > 0
        ? `MRR down ${pct}% over ${lookbackDays} days`
        : `MRR steady or growing over ${lookbackDays} days`,
    ),
    disputes: new Phrases((n) => `${plural(n, "payment dispute")} recently`),
    refunds: new Phrases((n) => `${plural(n, "refund")} recently`),
    renewal: new Phrases((days) => `renews in ${plural(days, "day")}`),
  };
}
export type ModelPhrases = ReturnType<typeof phrasesFor>;

/**
 * Plain-words reason for one metric, quoting the facts ("no product usage for 21 days").
 * Dispatches on the two names in turn rather than on a `component.metric` string built
 * for the purpose; each phrase gets the rounded number it quotes.
 */
export function describe(
  component: ComponentName,
  metricName: string,
  raw: number,
  f: Facts,
  model: Model,
  phrases: ModelPhrases,
): string {
  switch (component) {
    case "engagement":
      switch (metricName) {
        case "recency":
          return phrases.recency.of(Math.round(raw));
        case "volume":
          return phrases.usageVolume.of(Math.round(raw * 10));
        case "trend":
          return phrases.trend.of(Math.round((raw - 1) * 100));
      }
      break;
    case "adoption":
      switch (metricName) {
        case "breadth": {
          const keyFeatures = model.components.adoption.keyFeatures.length;
          return phrases.breadth.of(
            keyFeatures > 0 ? Math.round(raw * keyFeatures) : f.recentFeatures.length,
          );
        }
        case "milestones":
          return phrases.milestones.of(
            Math.round(raw * model.components.adoption.milestones.length),
          );
      }
      break;
    case "sentiment":
      switch (metricName) {
        case "nps": {
          const last = f.lastNps;
          if (last && last.score <= 6)
            return `NPS detractor (${last.score}) on ${shortDate(last.at)}`;
          if (last && last.score >= 9)
            return `NPS promoter (${last.score}) on ${shortDate(last.at)}`;
          return phrases.nps.of(Math.round(raw));
        }
        case "csat":
          return `average CSAT ${raw.toFixed(1)} of 5`;
        case "ces":
          return `average effort score ${raw.toFixed(1)} of 7`;
      }
      break;
    case "support":
      switch (metricName) {
        case "openTickets":
          return phrases.openTickets.of(raw);
        case "urgentTickets":
          return phrases.urgentTickets.of(raw);
        case "volume":
          return phrases.ticketVolume.of(Math.round(raw * 10));
        case "reopenRate":
          return phrases.reopenRate.of(Math.round(raw * 100));
        case "textSentiment":
          return raw < -0.1
            ? "ticket messages read as frustrated"
            : raw > 0.1
              ? "ticket messages read as positive"
              : "ticket messages read as neutral";
      }
      break;
    case "financial":
      switch (metricName) {
        case "status": {
          const status = String(f.subscription?.status ?? "unknown").replace("_", " ");
          return f.subscription?.cancelAtPeriodEnd === true
            ? `subscription set to cancel at period end`
            : `subscription ${status}`;
        }
        case "failedPayments":
          return phrases.failedPayments.of(raw);
        case "contraction":
          return phrases.contraction.of(Math.round((1 - raw) * 100));
        case "refundsDisputes": {
          const disputes = Math.round(f.disputes);
          const refunds = Math.round(f.refunds);
          if (disputes > 0) return phrases.disputes.of(disputes);
          return refunds > 0 ? phrases.refunds.of(refunds) : "no recent refunds or disputes";
        }
        case "renewal":
          return phrases.renewal.of(Math.round(raw));
      }
      break;
  }
  return `${component} ${metricName} ${round1(raw)}`;
}
