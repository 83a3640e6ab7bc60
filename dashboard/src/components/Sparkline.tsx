/** A 30-day score line for a table row: plain SVG, cheap enough for every row of a page. */
export function Sparkline({
  points,
  label,
}: {
  points: readonly (number | null)[];
  label: string;
}) {
  const width = 96;
  const height = 24;
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  // Its own range (at least 20 points tall), so a 10-point slide is visible in a row.
  const values = points.filter((p): p is number => p !== null);
  const middle = values.length ? (Math.min(...values) + Math.max(...values)) / 2 : 50;
  const span = Math.max(20, values.length ? Math.max(...values) - Math.min(...values) : 0);
  const low = middle - span / 2;
  const segments: string[] = [];
  let current = "";
  points.forEach((p, i) => {
    if (p === null) {
      if (current) segments.push(current);
      current = "";
      return;
    }
    const x = (i * step).toFixed(1);
    const y = (height - 2 - ((p - low) / span) * (height - 4)).toFixed(1);
    current += `${current ? "L" : "M"}${x} ${y}`;
  });
  if (current) segments.push(current);
  const known = points.filter((p): p is number => p !== null);
  const summary =
    known.length === 0
      ? `${label}: no scores in 30 days`
      : `${label}: from ${Math.round(known[0] as number)} to ${Math.round(known[known.length - 1] as number)} over 30 days`;
  return (
    <svg
      class="sparkline"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
    >
      <title>{summary}</title>
      {segments.map((d) => (
        <path key={d} d={d} />
      ))}
    </svg>
  );
}
