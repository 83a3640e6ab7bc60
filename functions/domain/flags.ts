/**
 * Red flags (issue 11): named rules of the model that no good news elsewhere can buy off.
 * While a flag is raised the customer's tier is at best the flag's tier, whatever its
 * previous tier (hysteresis never keeps a flagged customer up), and the score is capped
 * at the flag's `maxScore`. Each condition reads facts that are already stored; how
 * exactly, and where that is an approximation, is said next to each one below.
 */
import { daysSinceActive, type Facts } from "./facts.ts";
import type { ComponentName, FlagCondition, Model, RedFlagSettings } from "./model.ts";
import type { Tier } from "./tiers.ts";
import { DAY_MS, shortDate } from "./time.ts";

export interface RaisedFlag {
  /** The model's key, e.g. "cancelScheduled". */
  readonly name: string;
  /** Where it shows, e.g. "financial". */
  readonly component: ComponentName;
  /** The best tier it allows: "critical" or "at-risk". */
  readonly tier: Tier;
  /** Words, e.g. "subscription set to cancel at period end on Nov 12". */
  readonly reason: string;
}

/** A raised flag with what scoring needs beyond the contract's fields. */
export interface RaisedFlagDetail extends RaisedFlag {
  /** The highest score it allows. */
  readonly maxScore: number;
  /** The metric its first condition is about: shown by the flag, not again on its own. */
  readonly metric: string;
}

const ENDED = new Set(["canceled", "incomplete_expired"]);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** "a", "a or b", "a, b or c". */
const orList = (items: readonly string[]) =>
  items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;

/**
 * Each kind of condition: whether it holds, its words, and the metric it is about, and
 * the component it shows under.
 */
interface ConditionRule<K extends keyof FlagCondition> {
  readonly component: ComponentName;
  readonly metric: string;
  readonly holds: (setting: NonNullable<FlagCondition[K]>, f: Facts, model: Model) => boolean;
  readonly words: (setting: NonNullable<FlagCondition[K]>, f: Facts, model: Model) => string;
}
type Rules = { readonly [K in keyof FlagCondition]-?: ConditionRule<K> };

const RULES: Rules = {
  // The latest subscription state's status. Its date is the latest change of the
  // subscription, which is when the status was set unless something else changed since.
  subscriptionStatus: {
    component: "financial",
    metric: "status",
    holds: (statuses, f) => {
      const status = f.subscription?.status;
      return typeof status === "string" && (statuses as readonly string[]).includes(status);
    },
    words: (_statuses, f) => {
      const status = String(f.subscription?.status);
      const when = f.subscription ? shortDate(f.subscription.ts) : "";
      return ENDED.has(status)
        ? `subscription ${status.replace("_", " ")} on ${when}`
        : `subscription ${status.replace("_", " ")} since ${when}`;
    },
  },
  // Stripe's cancel_at_period_end on a subscription that has not ended yet.
  cancelScheduled: {
    component: "financial",
    metric: "status",
    holds: (_on, f) =>
      f.subscription?.cancelAtPeriodEnd === true && !ENDED.has(String(f.subscription.status)),
    words: (_on, f) => {
      const sub = f.subscription;
      const ends = typeof sub?.renewsAt === "number" ? ` (ends ${shortDate(sub.renewsAt)})` : "";
      return `subscription set to cancel at period end on ${sub ? shortDate(sub.ts) : ""}${ends}`;
    },
  },
  // Failed payments inside the model's failure window with no successful payment since.
  minUnrecoveredFailedPayments: {
    component: "financial",
    metric: "failedPayments",
    holds: (min, f) => f.unrecoveredFailures >= min,
    words: (_min, f, model) => {
      const days = model.components.financial.failedPaymentWindowDays;
      const last =
        f.lastUnrecoveredFailureAt === null
          ? ""
          : `, the last on ${shortDate(f.lastUnrecoveredFailureAt)}`;
      return `${plural(f.unrecoveredFailures, "failed payment")} in the last ${days} days not yet recovered${last}`;
    },
  },
  // Approximation: no dispute's date or outcome is stored, only a decayed count (half-life
  // `decay.disputeDays`) and the total. One dispute N days old decays to 2^(−N/h), so
  // "within N days" reads as "decayed count ≥ 2^(−N/h)": exact for one dispute, and a few
  // older disputes can add up to it. Whether the dispute is still open is not known.
  disputeWithinDays: {
    component: "financial",
    metric: "refundsDisputes",
    holds: (days, f, model) => f.disputes >= 2 ** (-days / model.decay.disputeDays) - 1e-9,
    words: (days, f, model) => {
      const at = onlyDisputeAt(f, model);
      if (at !== null) return `a payment dispute on ${shortDate(at)}`;
      return `${plural(f.disputesEver, "payment dispute")}, one within about ${days} days`;
    },
  },
  // MRR now against MRR at the contraction lookback (`financial.contractionLookbackDays`),
  // read as the contraction metric reads it: only with billing seen and a positive MRR then.
  minMrrDrop: {
    component: "financial",
    metric: "contraction",
    holds: (drop, f) => {
      const ratio = mrrRatio(f);
      return ratio !== null && ratio <= 1 - drop + 1e-9;
    },
    words: (_drop, f, model) => {
      const ratio = mrrRatio(f) ?? 1;
      const days = model.components.financial.contractionLookbackDays;
      return `MRR down ${Math.round((1 - ratio) * 100)}% over ${days} days`;
    },
  },
  // Days from the last active day (a day with usage of positive impact) to today. A
  // customer that never used the product has no last active day and raises nothing here:
  // a new account is not silent, it has not started.
  minDaysSilent: {
    component: "engagement",
    metric: "recency",
    holds: (days, f) => {
      const silent = daysSinceActive(f);
      return silent !== null && silent >= days;
    },
    words: (_days, f) => {
      const silent = daysSinceActive(f) ?? 0;
      const last =
        f.lastActiveDay === null ? "" : ` (last on ${shortDate(f.lastActiveDay * DAY_MS)})`;
      return `no product usage for ${plural(silent, "day")}${last}`;
    },
  },
  // Open tickets whose latest priority is one of `support.urgentPriorities`: an escalation
  // in progress, whatever the usage says. A ticket counts until it is solved, however old:
  // only a solve (or its webhook) ends an escalation.
  minUrgentOpenTickets: {
    component: "support",
    metric: "urgentTickets",
    holds: (min, f) => f.urgentOpenTickets >= min,
    words: (_min, f, model) =>
      `${plural(f.urgentOpenTickets, "ticket")} open of priority ${orList(model.components.support.urgentPriorities)}`,
  },
  // The account's latest NPS answer by source time (its own register), so an answer given
  // again more kindly, by anyone at the account, clears it. An answer dated after `now`
  // (a sender's clock ahead) raises nothing until its time comes.
  recentNpsAtMost: {
    component: "sentiment",
    metric: "nps",
    holds: ({ score, withinDays }, f) => {
      if (f.lastNps === null || f.lastNps.score > score) return false;
      const age = f.now - f.lastNps.at;
      return age >= 0 && age <= withinDays * DAY_MS;
    },
    words: (_setting, f) => `NPS of ${f.lastNps?.score} on ${shortDate(f.lastNps?.at ?? f.now)}`,
  },
};

/** MRR now over MRR at the lookback, or null when either is not known. */
function mrrRatio(f: Facts): number | null {
  return f.billingEver && f.mrr !== null && f.mrrAtLookback !== null && f.mrrAtLookback > 0
    ? f.mrr / f.mrrAtLookback
    : null;
}

/** With exactly one dispute ever, its decayed count tells its date exactly. */
function onlyDisputeAt(f: Facts, model: Model): number | null {
  if (f.disputesEver !== 1 || !(f.disputes > 0)) return null;
  return f.now + Math.log2(f.disputes) * model.decay.disputeDays * DAY_MS;
}

const CONDITIONS = Object.keys(RULES) as (keyof FlagCondition)[];

/** The highest score a flag allows by default: a tenth below the next tier up. */
function defaultMaxScore(flag: RedFlagSettings, model: Model): number {
  const next = flag.tier === "critical" ? model.tiers.atRisk : model.tiers.healthy;
  return Math.round(next * 10) / 10 - 0.1;
}

const TIER_ORDER: Record<string, number> = { critical: 0, "at-risk": 1 };

/** Condition `c` of `flag` with its setting bound. */
function rule<K extends keyof FlagCondition>(c: K, flag: RedFlagSettings) {
  const r = RULES[c] as ConditionRule<K>;
  const setting = flag.when[c] as NonNullable<FlagCondition[K]>;
  return {
    holds: (f: Facts, model: Model) => r.holds(setting, f, model),
    words: (f: Facts, model: Model) => r.words(setting, f, model),
  };
}

interface PlannedFlag {
  readonly name: string;
  readonly flag: RedFlagSettings;
  readonly given: readonly (keyof FlagCondition)[];
}
/** Each model's flags with their given conditions, worked out once per model. */
const plans = new WeakMap<Model, readonly PlannedFlag[]>();
function planOf(model: Model): readonly PlannedFlag[] {
  let plan = plans.get(model);
  if (plan === undefined) {
    plan = Object.entries(model.redFlags).map(([name, flag]) => ({
      name,
      flag,
      given: CONDITIONS.filter((c) => flag.when[c] !== undefined),
    }));
    plans.set(model, plan);
  }
  return plan;
}

/** The flags of `model` raised by these facts, worst first (then in the model's order). */
export function raisedFlags(f: Facts, model: Model): RaisedFlagDetail[] {
  const raised: RaisedFlagDetail[] = [];
  for (const { name, flag, given } of planOf(model)) {
    if (given.length === 0 || !given.every((c) => rule(c, flag).holds(f, model))) continue;
    const first = RULES[given[0] as keyof FlagCondition];
    raised.push({
      name,
      component: first.component,
      tier: flag.tier,
      reason: given.map((c) => rule(c, flag).words(f, model)).join(" and "),
      maxScore: flag.maxScore ?? defaultMaxScore(flag, model),
      metric: first.metric,
    });
  }
  if (raised.length > 1)
    raised.sort((a, b) => (TIER_ORDER[a.tier] ?? 2) - (TIER_ORDER[b.tier] ?? 2));
  return raised;
}

/** The contract's view of a raised flag (without scoring's details). */
export const publicFlag = ({ name, component, tier, reason }: RaisedFlagDetail): RaisedFlag => ({
  name,
  component,
  tier,
  reason,
});
