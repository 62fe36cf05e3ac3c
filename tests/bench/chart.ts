// An SVG bar chart of the per-class verification times (ours next to the baselines of the
// same run), written next to bench-results.json. Log scale: the contenders differ by
// orders of magnitude.
import { writeFileSync } from "node:fs";
import type { BenchResult } from "./harness.ts";

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"];

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Rows named `CLASS: verification: CONTENDER` grouped by class; null when there are none. */
export function verificationChart(results: BenchResult[]): string | null {
  const groups = new Map<string, Array<{ contender: string; ms: number }>>();
  for (const r of results) {
    const m = /^(.+): verification: (.+)$/.exec(r.name);
    if (r.suite !== "classes" || !m || r.unit !== "µs/op") continue;
    const list = groups.get(m[1]!) ?? [];
    list.push({ contender: m[2]!, ms: r.median / 1000 });
    groups.set(m[1]!, list);
  }
  if (groups.size === 0) return null;
  const contenders = [...new Set([...groups.values()].flat().map((b) => b.contender))];
  const all = [...groups.values()].flat().map((b) => b.ms);
  const lo = Math.floor(Math.log10(Math.min(...all)));
  const hi = Math.ceil(Math.log10(Math.max(...all)));
  const left = 150, top = 40, barH = 14, plotW = 560;
  const x = (ms: number) => left + ((Math.log10(ms) - lo) / (hi - lo || 1)) * plotW;
  let y = top;
  const parts: string[] = [];
  for (const [cls, bars] of groups) {
    parts.push(`<text x="${left - 8}" y="${y + (bars.length * barH) / 2 + 4}" text-anchor="end" font-weight="bold">${escapeXml(cls)}</text>`);
    for (const b of bars) {
      const color = COLORS[contenders.indexOf(b.contender) % COLORS.length];
      parts.push(`<rect x="${left}" y="${y}" width="${Math.max(1, x(b.ms) - left).toFixed(1)}" height="${barH - 2}" fill="${color}"><title>${escapeXml(`${cls}, ${b.contender}: ${b.ms.toFixed(2)} ms`)}</title></rect>`);
      parts.push(`<text x="${(x(b.ms) + 4).toFixed(1)}" y="${y + barH - 4}" font-size="10">${b.ms < 10 ? b.ms.toFixed(2) : b.ms.toFixed(0)} ms</text>`);
      y += barH;
    }
    y += 10;
  }
  const axisY = y + 4;
  for (let e = lo; e <= hi; e++) {
    const gx = x(10 ** e).toFixed(1);
    parts.push(`<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${axisY}" stroke="#ccc"/>`);
    parts.push(`<text x="${gx}" y="${axisY + 14}" text-anchor="middle" font-size="10">${10 ** e >= 1 ? 10 ** e : (10 ** e).toPrecision(1)} ms</text>`);
  }
  let lx = left;
  const legendY = axisY + 34;
  contenders.forEach((c, i) => {
    parts.push(`<rect x="${lx}" y="${legendY - 10}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>`);
    parts.push(`<text x="${lx + 14}" y="${legendY}" font-size="10">${escapeXml(c)}</text>`);
    lx += 20 + c.length * 5.6;
  });
  const width = Math.max(left + plotW + 80, lx + 20);
  const height = legendY + 16;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="20" font-size="14">Verification time per ECU class (median, log scale; lower is better)</text>
${parts.join("\n")}
</svg>
`;
}

export function writeVerificationChart(results: BenchResult[], path: string): boolean {
  const svg = verificationChart(results);
  if (!svg) return false;
  writeFileSync(path, svg);
  return true;
}
