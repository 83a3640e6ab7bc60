/**
 * The backtest's HTML report: one self-contained page (inline SVG and CSS, no scripts, no
 * external files) with the reliability curve and the churn rate per tier of each model,
 * and every printed figure.
 */
import { reliabilityOf, tierCounts } from "./backtest/evaluate.ts";
import type { BacktestResult } from "./backtest/run.ts";

const COLORS = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700"];
const WIDTH = 420;
const HEIGHT = 300;
const PAD = 44;

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c,
  );

const x = (v: number) => PAD + v * (WIDTH - 2 * PAD);
const y = (v: number) => HEIGHT - PAD - v * (HEIGHT - 2 * PAD);

function axes(xLabel: string, yLabel: string): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (t) =>
        `<text x="${x(t)}" y="${HEIGHT - PAD + 16}" text-anchor="middle">${t}</text>` +
        `<text x="${PAD - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>` +
        `<line x1="${PAD}" x2="${WIDTH - PAD}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/>`,
    )
    .join("");
  return (
    `${ticks}<line x1="${PAD}" y1="${y(0)}" x2="${WIDTH - PAD}" y2="${y(0)}" stroke="#333"/>` +
    `<line x1="${PAD}" y1="${y(0)}" x2="${PAD}" y2="${y(1)}" stroke="#333"/>` +
    `<text x="${WIDTH / 2}" y="${HEIGHT - 6}" text-anchor="middle">${xLabel}</text>` +
    `<text x="12" y="${HEIGHT / 2}" text-anchor="middle" transform="rotate(-90 12 ${HEIGHT / 2})">${yLabel}</text>`
  );
}

function legend(labels: readonly string[]): string {
  return labels
    .map(
      (label, i) =>
        `<rect x="${PAD + 8}" y="${PAD - 30 + i * 14}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>` +
        `<text x="${PAD + 22}" y="${PAD - 21 + i * 14}">${escapeHtml(label)}</text>`,
    )
    .join("");
}

/** Observed churn rate per bin of risk = 1 − score/100; the diagonal is "risk as probability". */
function reliabilitySvg(result: BacktestResult): string {
  const series = result.runs.map((run, i) => {
    const points = reliabilityOf(run.observations).filter((b) => b.count > 0);
    const path = points.map((b) => `${x(b.meanPredicted)},${y(b.observedRate)}`).join(" ");
    const dots = points
      .map(
        (b) =>
          `<circle cx="${x(b.meanPredicted)}" cy="${y(b.observedRate)}" r="${Math.min(8, 2 + Math.sqrt(b.count) / 3)}" fill="${COLORS[i % COLORS.length]}" fill-opacity="0.7"><title>${b.count} observations, churn ${(b.observedRate * 100).toFixed(1)}%</title></circle>`,
      )
      .join("");
    return `<polyline points="${path}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2"/>${dots}`;
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="reliability curve">` +
    `${axes("risk = 1 − score/100", "churned within horizon")}` +
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 4"/>` +
    `${series.join("")}${legend(result.runs.map((r) => r.label))}</svg>`
  );
}

/** Churn rate per tier, one bar per model in each tier group. */
function tierBarsSvg(result: BacktestResult): string {
  const perModel = result.runs.map((run) => tierCounts(run.observations));
  const tiers = (perModel[0] ?? []).map((t) => t.tier);
  const max = Math.max(0.05, ...perModel.flat().map((t) => (Number.isNaN(t.rate) ? 0 : t.rate)));
  const groupWidth = (WIDTH - 2 * PAD) / Math.max(1, tiers.length);
  const barWidth = (groupWidth * 0.7) / Math.max(1, perModel.length);
  const bars = perModel.flatMap((counts, m) =>
    counts.map((t, g) => {
      const rate = Number.isNaN(t.rate) ? 0 : t.rate;
      const left = PAD + g * groupWidth + groupWidth * 0.15 + m * barWidth;
      const top = y(rate / max);
      return (
        `<rect x="${left}" y="${top}" width="${barWidth - 2}" height="${y(0) - top}" fill="${COLORS[m % COLORS.length]}"><title>${t.churned} of ${t.accounts} churned</title></rect>` +
        `<text x="${left + barWidth / 2}" y="${top - 4}" text-anchor="middle">${(rate * 100).toFixed(0)}%</text>`
      );
    }),
  );
  const labels = tiers.map(
    (tier, g) =>
      `<text x="${PAD + (g + 0.5) * groupWidth}" y="${HEIGHT - PAD + 16}" text-anchor="middle">${tier}</text>`,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="churn rate by tier">` +
    `<line x1="${PAD}" y1="${y(0)}" x2="${WIDTH - PAD}" y2="${y(0)}" stroke="#333"/>` +
    `<text x="${WIDTH / 2}" y="${HEIGHT - 6}" text-anchor="middle">tier at the observation date</text>` +
    `${bars.join("")}${labels.join("")}${legend(result.runs.map((r) => r.label))}</svg>`
  );
}

/** The whole report page. */
export function reportHtml(result: BacktestResult): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>customer-health backtest</title>
<style>
body{font:14px system-ui,sans-serif;margin:2rem;color:#222;max-width:980px}
svg{font:11px system-ui,sans-serif;background:#fff;border:1px solid #ddd;margin:0 1rem 1rem 0}
pre{background:#f6f8fa;padding:1rem;overflow:auto}
</style></head><body>
<h1>Backtest</h1>
<p>Each observation is one account at one <code>--at</code> date; it counts as churned when
it churned within the horizon after that date. The score is not a probability: the dashed
diagonal only marks where risk = 1 − score/100 would be one. A useful score has a curve
that rises from left to right and churn rates that fall from critical to healthy.</p>
<h2>Reliability curve</h2>${reliabilitySvg(result)}
<h2>Churn rate by tier</h2>${tierBarsSvg(result)}
<h2>Figures</h2><pre>${escapeHtml(result.lines.join("\n"))}</pre>
</body></html>
`;
}
