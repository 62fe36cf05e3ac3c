// The console's charts as inline SVG (no script, no style attribute: the content security
// policy allows neither inline): horizontal bars of counts, and lines of counts over time.
// Each chart has a title for screen readers and each mark a <title> with its figure.
import { html, type Html } from "./html.ts";

export interface Bar {
  label: string;
  value: number;
}

const ROW_HEIGHT = 34;
const BAR_WIDTH = 300;
const WIDTH = 370;

/**
 * Horizontal bars, longest first as given, each under its label (so the chart stays narrow
 * enough to read at 390 pixels wide); labels cut to 52 characters (the full one in the title).
 */
export function barChart(title: string, bars: Bar[]): Html {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = Math.max(1, bars.length) * ROW_HEIGHT + 4;
  const short = (s: string) => (s.length > 52 ? `${s.slice(0, 51)}…` : s);
  return html`<svg class="chart chart-bars" role="img" aria-label="${title}" viewBox="0 0 ${WIDTH} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">
<title>${title}</title>
${bars.length === 0 ? html`<text x="0" y="16" class="chart-empty">nothing yet</text>` : ""}
${bars.map((b, i) => {
  const y = 2 + i * ROW_HEIGHT;
  const w = Math.max(1, Math.round((b.value / max) * BAR_WIDTH));
  return html`<g><title>${b.label}: ${b.value}</title><text x="0" y="${y + 12}" class="chart-label">${short(b.label)}</text><rect x="0" y="${y + 17}" width="${w}" height="12" class="bar"></rect><text x="${w + 6}" y="${y + 28}" class="chart-value">${b.value}</text></g>`;
})}
</svg>`;
}

export interface Series {
  name: string;
  /** CSS class of its line (series-published, series-installed, ...). */
  className: string;
  points: number[];
}

/** Step lines of counts over `times` (ISO strings, oldest first: a count holds until the next time), with a legend. */
export function lineChart(title: string, times: string[], series: Series[]): Html {
  const width = 600;
  const height = 220;
  const left = 40;
  const bottom = 30;
  const top = 10;
  const max = Math.max(1, ...series.flatMap((s) => s.points));
  const x = (i: number) => left + (times.length <= 1 ? 0 : (i / (times.length - 1)) * (width - left - 10));
  const y = (v: number) => top + (1 - v / max) * (height - top - bottom);
  return html`<svg class="chart chart-wide" role="img" aria-label="${title}" viewBox="0 0 ${width} ${height + 24}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">
<title>${title}</title>
<line x1="${left}" y1="${y(0)}" x2="${width - 10}" y2="${y(0)}" class="axis"></line>
<line x1="${left}" y1="${top}" x2="${left}" y2="${y(0)}" class="axis"></line>
<text x="${left - 4}" y="${y(max) + 4}" text-anchor="end" class="chart-label">${max}</text>
<text x="${left - 4}" y="${y(0)}" text-anchor="end" class="chart-label">0</text>
${times.length > 0 ? html`<text x="${left}" y="${height - 8}" class="chart-label">${times[0]!.slice(5, 19).replace("T", " ")}</text><text x="${width - 10}" y="${height - 8}" text-anchor="end" class="chart-label">${times[times.length - 1]!.slice(5, 19).replace("T", " ")}</text>` : ""}
${series.map((s, k) => html`<g class="${s.className}"><title>${s.name}: ${s.points[s.points.length - 1] ?? 0} now</title><polyline fill="none" class="line" points="${s.points.map((v, i) => `${i > 0 ? `${x(i).toFixed(1)},${y(s.points[i - 1]!).toFixed(1)} ` : ""}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ")}"></polyline>${s.points.map((v, i) => html`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" class="dot"><title>${s.name} at ${times[i] ?? ""}: ${v}</title></circle>`)}<rect x="${left + k * 130}" y="${height + 4}" width="12" height="12" class="swatch"></rect><text x="${left + k * 130 + 16}" y="${height + 14}" class="chart-label">${s.name} ${s.points[s.points.length - 1] ?? 0}</text></g>`)}
</svg>`;
}
