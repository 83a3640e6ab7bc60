/**
 * Turns a model's replay into the backtest's figures, each a named value with a unit.
 * The risk a score stands for is 100 − score; an observation without a score (tier
 * unknown) counts against coverage and is left out of the ranking metrics.
 */
import type { Tier } from "../domain.ts";
import { auc, churnRate, liftAtTop, median, prAuc, reliabilityBins } from "../metrics.ts";
import type { ModelRun, Observation } from "./replay.ts";

export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

const TIER_ORDER: readonly Tier[] = ["critical", "at-risk", "healthy", "unknown"];
const DAYS_PER_MONTH = 30.4375;

export const riskOf = (o: Observation) => 100 - (o.score as number);
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Per tier: observations and how many of them churned within the horizon. */
export function tierCounts(observations: readonly Observation[]) {
  return TIER_ORDER.map((tier) => {
    const inTier = observations.filter((o) => o.tier === tier);
    const churned = inTier.filter((o) => o.churned).length;
    return {
      tier,
      accounts: inTier.length,
      churned,
      rate: churnRate(inTier.map((o) => o.churned)),
    };
  });
}

/** The reliability curve of risk/100 against observed churn, in ten bins. */
export function reliabilityOf(observations: readonly Observation[]) {
  const scored = observations.filter((o) => o.score !== null);
  return reliabilityBins(
    scored.map((o) => riskOf(o) / 100),
    scored.map((o) => o.churned),
  );
}

function rankingFigures(prefix: string, observations: readonly Observation[]): Figure[] {
  const scored = observations.filter((o) => o.score !== null);
  const risk = scored.map(riskOf);
  const churned = scored.map((o) => o.churned);
  return [
    { name: `${prefix}auc`, value: auc(risk, churned), unit: "" },
    { name: `${prefix}pr_auc`, value: prAuc(risk, churned), unit: "" },
  ];
}

/** Every figure of one model's run; `archetypes` adds lead times per archetype. */
export function evaluate(run: ModelRun, archetypes?: ReadonlyMap<string, string>): Figure[] {
  const all = run.observations;
  const scored = all.filter((o) => o.score !== null);
  const figures: Figure[] = [
    { name: "backtest.observations", value: all.length, unit: "account-dates" },
    { name: "backtest.churned", value: all.filter((o) => o.churned).length, unit: "account-dates" },
    { name: "backtest.base_churn_rate", value: churnRate(all.map((o) => o.churned)), unit: "" },
    {
      name: "backtest.coverage",
      value: all.length ? scored.length / all.length : Number.NaN,
      unit: "of observations scored",
    },
    {
      name: "backtest.model_coverage_mean",
      value: scored.reduce((sum, o) => sum + o.coverage, 0) / scored.length,
      unit: "of model weight backed by data",
    },
    ...rankingFigures("backtest.", all),
    {
      name: "backtest.lift_top_decile",
      value: liftAtTop(
        scored.map(riskOf),
        scored.map((o) => o.churned),
      ),
      unit: "x",
    },
  ];
  for (const { tier, accounts, churned, rate } of tierCounts(all)) {
    figures.push(
      { name: `backtest.tier.${tier}.accounts`, value: accounts, unit: "account-dates" },
      { name: `backtest.tier.${tier}.churned`, value: churned, unit: "account-dates" },
      { name: `backtest.tier.${tier}.churn_rate`, value: rate, unit: "" },
    );
  }
  figures.push({
    name: "backtest.tier_flips_per_account_month",
    value: run.tierFlips / (run.accountDays / DAYS_PER_MONTH),
    unit: "flips",
  });
  figures.push(
    ...leadFigures(
      "backtest.lead_time_days",
      run.leads.map((l) => l.leadDays),
    ),
  );
  if (archetypes) {
    const kinds = [
      ...new Set(run.leads.map((l) => archetypes.get(l.accountId) ?? "unknown")),
    ].sort();
    for (const kind of kinds) {
      const leads = run.leads.filter((l) => (archetypes.get(l.accountId) ?? "unknown") === kind);
      figures.push(
        ...leadFigures(
          `backtest.lead_time_days.${kind}`,
          leads.map((l) => l.leadDays),
        ),
      );
    }
  }
  const dates = [...new Set(all.map((o) => o.at))].sort((a, b) => a - b);
  if (dates.length > 1) {
    for (const at of dates) {
      figures.push(
        ...rankingFigures(
          `backtest.at.${isoDay(at)}.`,
          all.filter((o) => o.at === at),
        ).slice(0, 1),
      );
    }
  }
  return figures;
}

function leadFigures(name: string, leads: readonly (number | null)[]): Figure[] {
  const flagged = leads.filter((d): d is number => d !== null);
  return [
    { name: `${name}.median`, value: median(flagged), unit: "days" },
    {
      name: `${name}.flagged`,
      value: leads.length ? flagged.length / leads.length : Number.NaN,
      unit: `of ${leads.length} churned accounts flagged before churn`,
    },
  ];
}

/** Formats a value: integers as they are, fractions to three decimals, NaN as "n/a". */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "n/a";
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

/** `name: value unit` lines; with several models, `name: a | b unit`, aligned by name. */
export function formatFigures(perModel: readonly Figure[][]): string[] {
  const names: string[] = [];
  const units = new Map<string, string>();
  for (const figures of perModel) {
    for (const f of figures) {
      if (!units.has(f.name)) names.push(f.name);
      units.set(f.name, f.unit);
    }
  }
  const byName = perModel.map((figures) => new Map(figures.map((f) => [f.name, f.value])));
  return names.map((name) => {
    const values = byName.map((values) => formatValue(values.get(name) ?? Number.NaN));
    const unit = units.get(name);
    return `${name}: ${values.join(" | ")}${unit ? ` ${unit}` : ""}`;
  });
}
