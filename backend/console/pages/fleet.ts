// The fleet page: vehicles with search and filters, paged by VIN, and the ECUs per
// installed image and per hardware ID as charts.
import { html, queryString, type Html } from "../html.ts";
import { barChart } from "../charts.ts";
import type { FleetFilter, ConsoleQueries } from "../../inventory/console-queries.ts";

const LAST_SEEN: Array<[string, string]> = [
  ["", "any time"],
  ["recent", "a manifest in the last day"],
  ["silent", "silent for 7 days or more"],
  ["never", "no manifest yet"],
];

/** The filter a query string asks for (anything unknown is ignored, as an empty field). */
export function fleetFilterOf(query: URLSearchParams): FleetFilter {
  const text = (k: string) => (query.get(k) ?? "").trim().slice(0, 128) || undefined;
  const seen = query.get("seen");
  return {
    vin: text("vin"),
    hardwareId: text("hw"),
    image: text("image"),
    lastSeen: seen === "recent" || seen === "silent" || seen === "never" ? seen : undefined,
    openAlerts: query.get("alerts") === "open",
  };
}

export function fleetContent(view: ConsoleQueries, query: URLSearchParams): Html {
  const filter = fleetFilterOf(query);
  const after = query.get("after") ?? undefined;
  const before = query.get("before") ?? undefined;
  const result = view.fleet(filter, { after, before });
  const keep = { vin: filter.vin, hw: filter.hardwareId, image: filter.image, seen: filter.lastSeen, alerts: filter.openAlerts ? "open" : undefined };
  const images = view.ecusPerImage();
  const hardware = view.ecusPerHardwareId();
  return html`<h1>Fleet</h1>
<div class="charts">
  <section class="card" aria-labelledby="chart-images"><h2 id="chart-images">ECUs per installed image</h2>${barChart("ECUs per installed image", images.map((c) => ({ label: c.name === "" ? "(nothing installed)" : c.name, value: c.count })))}</section>
  <section class="card" aria-labelledby="chart-hardware"><h2 id="chart-hardware">ECUs per hardware ID</h2>${barChart("ECUs per hardware ID", hardware.map((c) => ({ label: c.name, value: c.count })))}</section>
</div>
<h2>Vehicles</h2>
<form method="get" action="/console/fleet" class="filters" role="search" aria-label="Filter vehicles">
  <label for="f-vin">VIN contains<input id="f-vin" name="vin" value="${filter.vin ?? ""}" maxlength="64"></label>
  <label for="f-hw">Hardware ID<input id="f-hw" name="hw" value="${filter.hardwareId ?? ""}" maxlength="64"></label>
  <label for="f-image">Installed image<input id="f-image" name="image" value="${filter.image ?? ""}" maxlength="128"></label>
  <label for="f-seen">Last manifest<select id="f-seen" name="seen">${LAST_SEEN.map(([v, label]) => html`<option value="${v}"${(filter.lastSeen ?? "") === v ? html` selected` : ""}>${label}</option>`)}</select></label>
  <label for="f-alerts">Alerts<select id="f-alerts" name="alerts"><option value="">any</option><option value="open"${filter.openAlerts ? html` selected` : ""}>with open alerts</option></select></label>
  <button type="submit">Search</button>
  <a href="/console/fleet">Clear</a>
</form>
<p id="fleet-count" class="muted">${result.total} vehicle(s) match${result.vehicles.length > 0 ? html`; showing ${result.vehicles[0]!.vin} to ${result.vehicles[result.vehicles.length - 1]!.vin}` : ""}.</p>
<div class="table-wrap" tabindex="0"><table id="fleet-table">
<caption class="skip">Vehicles</caption>
<thead><tr><th scope="col">VIN</th><th scope="col" class="num">ECUs</th><th scope="col">Hardware IDs</th><th scope="col">Installed images</th><th scope="col">Last manifest</th><th scope="col" class="num">Open alerts</th></tr></thead>
<tbody>
${result.vehicles.map(
  (v) => html`<tr><td><a href="/console/vehicles/${encodeURIComponent(v.vin)}" class="mono">${v.vin}</a>${v.profile === "aktualizr" ? html` <span class="badge">aktualizr</span>` : ""}</td><td class="num">${v.ecus}</td><td>${v.hardwareIds.join(", ")}</td><td class="mono">${v.images.length === 0 ? html`<span class="muted">none</span>` : v.images.join(", ")}</td><td>${v.lastManifestAt ?? html`<span class="muted">never</span>`}</td><td class="num">${v.openAlerts > 0 ? html`<span class="badge bad">${v.openAlerts}</span>` : "0"}</td></tr>`,
)}
${result.vehicles.length === 0 ? html`<tr><td colspan="6" class="muted">No vehicle matches.</td></tr>` : ""}
</tbody></table></div>
<nav class="pager" aria-label="Pages">
  ${result.previous !== null ? html`<a rel="prev" href="/console/fleet${queryString({ ...keep, before: result.previous })}">← Previous</a>` : html`<span class="muted">← Previous</span>`}
  ${result.next !== null ? html`<a rel="next" href="/console/fleet${queryString({ ...keep, after: result.next })}">Next →</a>` : html`<span class="muted">Next →</span>`}
</nav>`;
}
