// The console's stylesheet and its one script, served from the backend itself under
// /console/assets/ (no CDN, no external font): the content security policy allows scripts
// and styles from this origin only, and no inline ones.
export const CONSOLE_CSS = `
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #ffffff; --band: #f6f8fa; --accent: #0b5cad; --warn: #7d4e00; --bad: #b42318; --ok: #116329; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
/* Focus: 3:1 or more against what surrounds it (WCAG 1.4.11), white on the dark header. */
a:focus, button:focus, input:focus, select:focus, .table-wrap:focus { outline: 3px solid var(--accent); outline-offset: 2px; }
header a:focus, header button:focus { outline-color: #fff; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 9; }
header { display: flex; flex-wrap: wrap; gap: 8px 20px; align-items: center; padding: 10px 20px; background: #0d2238; color: #fff; }
header .brand { font-weight: 700; letter-spacing: .02em; margin-right: 8px; }
header nav ul { display: flex; flex-wrap: wrap; gap: 4px 16px; list-style: none; margin: 0; padding: 0; }
header nav a { color: #d8e6f5; text-decoration: none; padding: 2px 0; }
header nav a[aria-current="page"] { color: #fff; border-bottom: 2px solid #fff; }
header .who { margin-left: auto; display: flex; gap: 10px; align-items: center; font-size: 13px; color: #d8e6f5; }
header .who a { color: #fff; }
header .who button { background: transparent; color: #fff; border: 1px solid #7d93ab; }
main { padding: 16px 20px 40px; max-width: 1280px; }
h1 { font-size: 22px; margin: 4px 0 14px; }
h2 { font-size: 17px; margin: 22px 0 8px; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--band); font-weight: 600; white-space: nowrap; }
tr:last-child td { border-bottom: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; word-break: break-all; }
form.filters { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: flex-end; padding: 12px; background: var(--band); border: 1px solid var(--line); border-radius: 6px; margin-bottom: 12px; }
form.filters label, form.stack label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); gap: 3px; }
form.stack { display: grid; gap: 10px; max-width: 420px; }
form.inline { display: inline-flex; gap: 6px; align-items: center; flex-wrap: wrap; margin: 0; }
input, select { font: inherit; padding: 5px 7px; border: 1px solid #8c959f; border-radius: 4px; min-width: 0; }
button { font: inherit; padding: 5px 12px; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.card h2, .notice h2 { margin-top: 0; }
.table-wrap + .card { margin-top: 16px; }
.chart { max-width: 100%; height: auto; }
.chart-wide { max-width: 760px; }
.chart-bars { max-width: 480px; }
.chart .bar { fill: #3b82c4; }
.chart-label, .chart-value, .chart-empty { font-size: 12px; fill: var(--fg); }
.chart .axis { stroke: #8c959f; }
.chart .line { stroke-width: 2.5; }
.series-published .line { stroke: #3b82c4; stroke-dasharray: 7 4; } .series-published .dot, .series-published .swatch { fill: #3b82c4; }
.series-installed .line { stroke: #1a7f37; } .series-installed .dot, .series-installed .swatch { fill: #1a7f37; }
.series-failed .line { stroke: #b42318; } .series-failed .dot, .series-failed .swatch { fill: #b42318; }
.series-silent .line { stroke: #8c959f; } .series-silent .dot, .series-silent .swatch { fill: #8c959f; }
.pager { display: flex; gap: 14px; align-items: center; margin: 10px 0; flex-wrap: wrap; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; background: var(--band); border: 1px solid var(--line); white-space: nowrap; }
.badge.bad { background: #fde8e7; border-color: #f3b7b3; color: var(--bad); }
.badge.warn { background: #fff3d6; border-color: #e7c873; color: var(--warn); }
.badge.ok { background: #e2f5e7; border-color: #9fd8ad; color: var(--ok); }
.notice { padding: 8px 12px; border-radius: 6px; margin: 0 0 12px; border: 1px solid var(--line); background: var(--band); }
.notice.error { border-color: #f3b7b3; background: #fde8e7; color: var(--bad); }
.notice.done { border-color: #9fd8ad; background: #e2f5e7; color: var(--ok); }
.muted { color: var(--muted); }
.login { max-width: 380px; margin: 60px auto; }
@media (max-width: 600px) {
  header { padding: 8px 12px; }
  header .who { margin-left: 0; }
  main { padding: 12px; }
  th, td { padding: 5px 6px; }
  form.filters { flex-direction: column; align-items: stretch; }
}
`;

/** Progressive only: every page works without it. Asks before actions marked data-confirm. */
export const CONSOLE_JS = `"use strict";
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});
`;
