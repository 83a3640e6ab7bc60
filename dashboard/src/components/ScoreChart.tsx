/**
 * A daily score chart (uPlot). With `thresholds` it shades the tier bands behind the line
 * and labels them in text; days whose model version differs from the day before get a
 * dashed marker with the new version's name. The canvas is described for screen readers,
 * and the same numbers are available as a table.
 */
import { useLayoutEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { day, scoreText } from "../format.ts";

export interface ChartPoint {
  readonly day: string;
  readonly score: number | null;
  readonly modelVersion?: string;
}

interface Props {
  readonly points: readonly ChartPoint[];
  readonly thresholds?: { readonly healthy: number; readonly atRisk: number };
  readonly label: string;
  readonly height?: number;
}

const BANDS = [
  { name: "critical", fill: "#fbe3e1", text: "#8f1d15" },
  { name: "at risk", fill: "#fdf0d5", text: "#7a4b00" },
  { name: "healthy", fill: "#e2f3e6", text: "#176639" },
] as const;

/** Indexes of the days where the model version changed from the day before. */
export function modelChanges(points: readonly ChartPoint[]): number[] {
  const changes: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const before = points[i - 1]?.modelVersion;
    const now = points[i]?.modelVersion;
    if (before && now && before !== now) changes.push(i);
  }
  return changes;
}

const DAY_S = 86_400;
const MIN_SPAN_S = 7 * DAY_S;
const SERIES_COLOUR = "#1f4e9c";

const shortVersion = (version: string) => version.split("#")[0] ?? version;

export function ScoreChart({ points, thresholds, label, height = 240 }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const changes = modelChanges(points);

  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    const xs = points.map((p) => Date.parse(`${p.day.slice(0, 10)}T00:00:00Z`) / 1000);
    const ys = points.map((p) => (p.score === null ? null : p.score));
    // A day with no scored neighbour draws no line: show it as a dot (a new customer's
    // first day, or the only day the portfolio has).
    // At least a week wide (uPlot stretches a single day over years): empty days before.
    let pad = 0;
    while (xs.length > 0 && (xs[xs.length - 1] as number) - (xs[0] as number) < MIN_SPAN_S) {
      xs.unshift((xs[0] as number) - DAY_S);
      ys.unshift(null);
      pad++;
    }
    const isolated = ys.some(
      (y, i) => y !== null && (ys[i - 1] ?? null) === null && (ys[i + 1] ?? null) === null,
    );
    const drawBands = (u: uPlot) => {
      if (!thresholds) return;
      const { ctx } = u;
      const edges = [0, thresholds.atRisk, thresholds.healthy, 100];
      const left = u.bbox.left;
      const width = u.bbox.width;
      ctx.save();
      BANDS.forEach((band, i) => {
        const top = u.valToPos(edges[i + 1] as number, "y", true);
        const bottom = u.valToPos(edges[i] as number, "y", true);
        ctx.fillStyle = band.fill;
        ctx.fillRect(left, top, width, bottom - top);
        ctx.fillStyle = band.text;
        ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
        ctx.textAlign = "right";
        ctx.fillText(band.name, left + width - 6 * devicePixelRatio, top + 14 * devicePixelRatio);
      });
      ctx.restore();
    };
    const drawModelMarkers = (u: uPlot) => {
      const { ctx } = u;
      ctx.save();
      ctx.strokeStyle = "#3d3d3d";
      ctx.fillStyle = "#1f1f1f";
      ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
      ctx.lineWidth = devicePixelRatio;
      ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
      for (const i of changes) {
        const x = u.valToPos(xs[i + pad] as number, "x", true);
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.fillText(
          `model ${shortVersion(points[i]?.modelVersion ?? "")}`,
          x + 4 * devicePixelRatio,
          u.bbox.top + 26 * devicePixelRatio,
        );
      }
      ctx.restore();
    };
    const chart = new uPlot(
      {
        width: Math.max(240, element.clientWidth),
        height,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: true },
          y: { range: [0, 100] },
        },
        axes: [
          { stroke: "#3d3d3d", grid: { stroke: "#e4e4e4" } },
          { stroke: "#3d3d3d", grid: { stroke: "#e4e4e4" }, size: 36 },
        ],
        series: [
          {},
          {
            label: "score",
            stroke: SERIES_COLOUR,
            width: 2,
            spanGaps: false,
            points: { show: isolated, size: 7, fill: SERIES_COLOUR },
          },
        ],
        hooks: { drawClear: [drawBands], draw: [drawModelMarkers] },
      },
      [xs, ys] as uPlot.AlignedData,
      element,
    );
    const resize = new ResizeObserver(() => {
      chart.setSize({ width: Math.max(240, element.clientWidth), height });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [points, thresholds, height, changes.join()]);

  const known = points.filter((p) => p.score !== null);
  const first = known[0];
  const last = known[known.length - 1];
  const summary =
    first && last
      ? `${label}: ${scoreText(first.score)} on ${day(first.day)}, ${scoreText(last.score)} on ${day(last.day)}` +
        (changes.length > 0
          ? `; model changed on ${changes.map((i) => day(points[i]?.day ?? "")).join(", ")}`
          : "")
      : `${label}: no scores yet`;
  return (
    <figure class="chart">
      <div
        ref={box}
        class="chart-canvas"
        role="img"
        aria-label={summary}
        data-points={points.length}
      />
      <figcaption>
        {summary}
        {changes.map((i) => (
          <span key={i} class="model-marker">
            {" "}
            ┆ model {shortVersion(points[i]?.modelVersion ?? "")} from {day(points[i]?.day ?? "")}
          </span>
        ))}
      </figcaption>
      <details>
        <summary>Show the numbers</summary>
        <table class="compact">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Score</th>
              {points.some((p) => p.modelVersion) && <th scope="col">Model</th>}
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.day}>
                <td>{day(p.day)}</td>
                <td>{scoreText(p.score)}</td>
                {p.modelVersion !== undefined && <td>{shortVersion(p.modelVersion)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
