/**
 * The calibrate use case: fit a model's weights (and per-event impacts, and optionally
 * its tier thresholds) to a company's history on the fit dates, write the model with a
 * comment per changed value, and compare both models with the real backtest on a later,
 * held-out date. Deploys nothing.
 */
import { readFile, writeFile } from "node:fs/promises";
import { COMPONENTS, compileModel, type Model } from "../../../functions/domain/model.ts";
import { riskOf } from "../backtest/evaluate.ts";
import { loadEvents, parseLabels } from "../backtest/load.ts";
import { DAY_MS, type Observation } from "../backtest/replay.ts";
import { runBacktest } from "../backtest/run.ts";
import { type CompiledModel, defaultModel, loadModel } from "../domain.ts";
import { auc, pairedAucDifference } from "../metrics.ts";
import { type CalibrationRow, observe } from "./features.ts";
import {
  componentScoreOf,
  fitImpacts,
  fitMetricWeights,
  fitTiers,
  roundShares,
  toModelWeights,
} from "./fit.ts";
import { crossValidate, fitLogistic, type Sign } from "./logistic.ts";
import { modelText } from "./write.ts";

export interface CalibrateInput {
  readonly eventsPath: string;
  readonly labelsPath: string;
  /** Fit dates, epoch ms. */
  readonly at: readonly number[];
  /** The held-out date; default: the last midnight with a full horizon of data after it. */
  readonly holdout?: number;
  readonly horizonDays: number;
  /** The model to start from (file, or `default`). */
  readonly modelFile?: string;
  readonly tiers: boolean;
  readonly outPath: string;
  readonly folds?: number;
}

export interface CalibrateResult {
  readonly model: Model;
  readonly holdout: number;
  /** The backtest's figures on the held-out date, by name without `backtest.`. */
  readonly before: Readonly<Record<string, number>>;
  readonly after: Readonly<Record<string, number>>;
  /** `name: value unit` lines. */
  readonly lines: string[];
}

/** Calibration input that cannot work (dates, data); the CLI prints it and exits 2. */
export class CalibrateError extends Error {
  override readonly name = "CalibrateError";
}

/** A segment needs this many churned training observations to get its own weights. */
export const MIN_SEGMENT_CHURNED = 20;

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const num = (v: number) => String(Math.round(v * 1000) / 1000);

async function baseModel(file: string | undefined): Promise<CompiledModel> {
  if (file === undefined || file === "default") return compileModel(defaultModel);
  return loadModel(file, process.cwd());
}

/** The version of a calibrated model: the base version, suffix replaced. */
export function calibratedVersion(version: string, lastFitDate: number): string {
  return `${version.replace(/-calibrated\.\d{8}$/, "")}-calibrated.${isoDay(lastFitDate).replaceAll("-", "")}`;
}

/**
 * Fits one segment's component weights on its own rows (component scores under the new
 * metric weights), or null when it has too few churned observations.
 */
function fitSegment(
  rows: readonly CalibrationRow[],
  metricWeights: Record<string, Record<string, number>>,
  folds: number | undefined,
): Record<string, number> | null {
  const scored = rows.filter((r) => r.score !== null);
  if (scored.filter((r) => r.churned).length < MIN_SEGMENT_CHURNED) return null;
  const X = scored.map((r) =>
    COMPONENTS.map((c) => {
      const value = componentScoreOf(r, c, metricWeights[c] ?? {});
      return (value ?? r.score ?? 50) / 100;
    }),
  );
  const y = scored.map((r) => (r.churned ? 1 : 0));
  const signs = COMPONENTS.map((): Sign => -1);
  const cv = crossValidate(
    X,
    y,
    scored.map((r) => r.accountId),
    { k: folds, signs },
  );
  const fit = fitLogistic(X, y, { lambda: cv.lambda, signs });
  const health = fit.coefficients.map((b) => Math.max(0, -b));
  const total = health.reduce((s, v) => s + v, 0);
  if (total <= 0) return null;
  const shares = roundShares(health.map((h) => h / total));
  return Object.fromEntries(COMPONENTS.map((c, i) => [c, shares[i] as number]));
}

/** The last midnight from which a full horizon of data follows. */
function defaultHoldout(lastEvent: number, horizonDays: number): number {
  return Math.floor((lastEvent - horizonDays * DAY_MS) / DAY_MS) * DAY_MS;
}

export async function runCalibrate(input: CalibrateInput): Promise<CalibrateResult> {
  const fitDates = [...input.at].sort((a, b) => a - b);
  const lastFit = fitDates[fitDates.length - 1] as number;
  if (input.holdout !== undefined && !(input.holdout > lastFit)) {
    throw new CalibrateError(
      `--holdout ${isoDay(input.holdout)} must come after every --at date (the last is ${isoDay(lastFit)}): the report is never made on a fitted date`,
    );
  }
  const base = await baseModel(input.modelFile);
  const labels = parseLabels(await readFile(input.labelsPath, "utf8"));
  const loaded = await loadEvents(input.eventsPath, base);
  const events = loaded.events;
  if (events.length === 0)
    throw new CalibrateError(`no events could be read from ${input.eventsPath}`);
  const lastEvent = (events[events.length - 1] as { occurredAt: number }).occurredAt;
  const holdout = input.holdout ?? defaultHoldout(lastEvent, input.horizonDays);
  if (!(holdout > lastFit)) {
    throw new CalibrateError(
      `no held-out date after the last fit date ${isoDay(lastFit)}: the data end ${isoDay(lastEvent)} leaves no later date with a full ${input.horizonDays}-day horizon; fit on earlier dates or pass --holdout`,
    );
  }

  const model = structuredClone(base.model) as Model;
  const comments = new Map<string, string>();
  const rows = observe(events, base, { at: fitDates, horizonDays: input.horizonDays, labels });
  const weights = fitMetricWeights(rows, base.model, { folds: input.folds });
  if (weights.churned === 0 || weights.churned === weights.observations) {
    throw new CalibrateError(
      `the fit dates have ${weights.churned} churned of ${weights.observations} scored observations: both outcomes are needed`,
    );
  }
  const shaped = toModelWeights(weights.effective, base.model);
  for (const c of COMPONENTS) {
    const component = model.components[c];
    const old = component.weight;
    component.weight = shaped.components[c];
    if (old !== component.weight) {
      comments.set(
        `components.${c}.weight`,
        `calibrated: ${num(old)} → ${num(component.weight)} (the sum of its metrics' fitted shares)`,
      );
    }
    for (const [m, w] of Object.entries(shaped.metrics[c])) {
      const metric = (component.metrics as Record<string, { weight: number }>)[m] as {
        weight: number;
      };
      const before = metric.weight;
      metric.weight = w;
      if (before !== w) {
        comments.set(
          `components.${c}.metrics.${m}.weight`,
          `calibrated: ${num(before)} → ${num(w)}; ${weights.why[`${c}.${m}`]}`,
        );
      }
    }
  }

  // Segments: their own component weights where they have the data, else the fit's.
  const lines: string[] = [];
  model.segments.forEach((segment, i) => {
    if (segment.weights === undefined) return;
    const before = JSON.stringify(segment.weights);
    const own = fitSegment(
      rows.filter((r) => r.segment === segment.name),
      shaped.metrics,
      input.folds,
    );
    if (own === null) {
      segment.weights = undefined;
      comments.set(
        `segments.${i}.name`,
        `calibrated: weights override ${before} removed: fewer than ${MIN_SEGMENT_CHURNED} churned observations to fit its own, so the calibrated weights apply`,
      );
    } else {
      segment.weights = own;
      comments.set(
        `segments.${i}.weights`,
        `calibrated on this segment's observations: ${before} → ${JSON.stringify(own)}`,
      );
    }
    lines.push(
      `calibrate.segment.${segment.name}: ${own === null ? "override removed" : "fitted"}`,
    );
  });

  const impacts = fitImpacts(rows, { folds: input.folds });
  const engagement = model.components.engagement;
  const oldImpacts = { ...engagement.impacts };
  const newImpacts = { ...oldImpacts };
  const changedImpacts: string[] = [];
  for (const [name, impact] of Object.entries(impacts.impacts)) {
    const before = oldImpacts[name] ?? engagement.defaultImpact;
    if (before === impact) continue;
    newImpacts[name] = impact;
    const d = impacts.detail[name];
    changedImpacts.push(
      `${name}: ${num(before)} → ${num(impact)} (${d ? `${d.coefficient.toFixed(3)} log-odds per event per seat per day, on ${d.rows} observations` : ""})`,
    );
  }
  if (changedImpacts.length > 0) {
    engagement.impacts = Object.fromEntries(
      Object.entries(newImpacts).sort(([a], [b]) => (a < b ? -1 : 1)),
    );
    comments.set(
      "components.engagement.impacts",
      [
        `calibrated relative to ${impacts.reference} (the most used event with a good sign) = 1:`,
        ...changedImpacts,
        "An impact applies when an event is stored: new events only (history needs a replay).",
      ].join("\n"),
    );
  }

  if (input.tiers) {
    const draft = compileModel(model);
    const rescored = observe(events, draft, {
      at: fitDates,
      horizonDays: input.horizonDays,
      labels,
    });
    const tiers = fitTiers(rescored, model.tiers.margin);
    if (tiers === null) {
      lines.push(
        "calibrate.tiers: unchanged (the fitted score does not rank churn on the fit dates)",
      );
    } else {
      for (const key of ["healthy", "atRisk"] as const) {
        if (model.tiers[key] === tiers[key]) continue;
        comments.set(
          `tiers.${key}`,
          `calibrated: ${model.tiers[key]} → ${tiers[key]}; ${tiers.why}`,
        );
        model.tiers[key] = tiers[key];
      }
    }
  }

  model.version = calibratedVersion(base.model.version, lastFit);
  comments.set(
    "version",
    `calibrated from ${base.model.version} on ${fitDates.map(isoDay).join(", ")} (horizon ${input.horizonDays} days); held out: ${isoDay(holdout)}`,
  );
  const compiled = compileModel(model); // the written model validates, or nothing is written
  const header = [
    `Scoring model calibrated by \`npm run calibrate\` from ${input.modelFile ?? "default"}.`,
    `Events: ${input.eventsPath}; labels: ${input.labelsPath}.`,
    `Fit: ${weights.observations} scored observations (${weights.churned} churned) on ${fitDates.map(isoDay).join(", ")}; L2 penalty ${weights.lambda} chosen by ${input.folds ?? 5}-fold cross-validation by account.`,
    "Review it like any model change; `npm run backtest -- --model FILE` and `npm run preview -- --model FILE` show what it does.",
  ];
  await writeFile(input.outPath, modelText(compiled.model, comments, header, input.outPath));

  const backtest = await runBacktest({
    eventsPath: input.eventsPath,
    labelsPath: input.labelsPath,
    at: [holdout],
    horizonDays: input.horizonDays,
    modelFiles: [input.modelFile ?? "default", input.outPath],
  });
  const [before, after] = backtest.runs;
  const figure = (run: typeof before, name: string) =>
    run?.figures.find((f) => f.name === `backtest.${name}`);
  const REPORTED = [
    "auc",
    "pr_auc",
    "lift_top_decile",
    "base_churn_rate",
    "coverage",
    "tier.critical.churn_rate",
    "tier.at-risk.churn_rate",
    "tier.healthy.churn_rate",
    "tier.critical.accounts",
    "tier.at-risk.accounts",
    "tier.healthy.accounts",
    "tier_flips_per_account_month",
    "lead_time_days.median",
  ];
  const format = (v: number | undefined) =>
    v === undefined || Number.isNaN(v) ? "n/a" : Number.isInteger(v) ? String(v) : v.toFixed(3);
  const report = REPORTED.flatMap((name) => {
    const b = figure(before, name);
    const a = figure(after, name);
    const unit = b?.unit ? ` ${b.unit}` : "";
    return [
      `calibrate.before.${name}: ${format(b?.value)}${unit}`,
      `calibrate.after.${name}: ${format(a?.value)}${unit}`,
    ];
  });
  const verdict = verdictOf(pairedRisks(before?.observations ?? [], after?.observations ?? []));
  const byName = (run: typeof before) =>
    Object.fromEntries(
      (run?.figures ?? []).map((f) => [f.name.replace(/^backtest\./, ""), f.value]),
    );
  return {
    model: compiled.model,
    holdout,
    before: byName(before),
    after: byName(after),
    lines: [
      `calibrate.models: ${before?.model.modelVersion} → ${compiled.modelVersion}`,
      `calibrate.fit.at: ${fitDates.map(isoDay).join(", ")} (horizon ${input.horizonDays} days)`,
      `calibrate.fit.observations: ${weights.observations} account-dates`,
      `calibrate.fit.churned: ${weights.churned} account-dates`,
      `calibrate.fit.lambda: ${weights.lambda} (L2 penalty, chosen by cross-validation)`,
      `calibrate.fit.impacts_lambda: ${Number.isNaN(impacts.lambda) ? "n/a" : impacts.lambda}`,
      `calibrate.fit.changed: ${comments.size - 1} values`,
      ...lines,
      `calibrate.holdout: ${isoDay(holdout)} (never fitted on)`,
      `calibrate.holdout.observations: ${format(figure(after, "observations")?.value)} account-dates`,
      ...report,
      `calibrate.verdict: ${verdict}`,
      `calibrate.out: ${input.outPath}`,
    ],
  };
}

/** Held-out observations both models scored, as risks side by side. */
function pairedRisks(before: readonly Observation[], after: readonly Observation[]) {
  const key = (o: Observation) => `${o.at} ${o.accountId}`;
  const afterOf = new Map(after.map((o) => [key(o), o]));
  const pairs = before.flatMap((b) => {
    const a = afterOf.get(key(b));
    return b.score !== null && a !== undefined && a.score !== null ? [[b, a] as const] : [];
  });
  return {
    before: pairs.map(([b]) => riskOf(b)),
    after: pairs.map(([, a]) => riskOf(a)),
    churned: pairs.map(([b]) => b.churned),
  };
}

/**
 * What the held-out comparison says, in words: better, worse, or too close to tell on this
 * many observations (a difference within twice its standard error, DeLong's paired test).
 */
export function verdictOf(held: {
  readonly before: readonly number[];
  readonly after: readonly number[];
  readonly churned: readonly boolean[];
}): string {
  const { difference, standardError } = pairedAucDifference(held.before, held.after, held.churned);
  if (Number.isNaN(difference))
    return "no AUC on the held-out date (it needs churned and retained observations): nothing to compare";
  const churned = held.churned.filter(Boolean).length;
  const margin = 2 * standardError;
  const change = `AUC ${auc(held.before, held.churned).toFixed(3)} → ${auc(held.after, held.churned).toFixed(3)}`;
  const noise = `a difference within ±${margin.toFixed(3)} could be chance on ${churned} churned of ${held.churned.length} held-out observations both models scored`;
  if (difference > margin)
    return `better (${change}; ${noise}): review it with npm run backtest and npm run preview`;
  if (-difference > margin) return `worse (${change}; ${noise}): keep the current model`;
  return `too close to tell (${change}; ${noise}): a held-out date with more churned accounts (more customers, a later --holdout) would say more`;
}
