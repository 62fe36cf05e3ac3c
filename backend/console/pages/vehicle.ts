// One vehicle: its ECUs with installed image and release counter, pending and past
// assignments, install results, the manifests it sent (what each ECU reported), its alerts.
import { html, type Html } from "../html.ts";
import type { ConsoleQueries } from "../../inventory/console-queries.ts";
import type { Inventory } from "../../inventory/inventory.ts";
import { listAlerts } from "../../director/fleet-view.ts";
import type { ConsoleSession } from "../sessions.ts";
import { alertRows, ALERTS_PAGE } from "./alerts.ts";

export function vehicleContent(inventory: Inventory, queries: ConsoleQueries, vin: string, session: ConsoleSession): Html | null {
  if (!inventory.vehicleExists(vin)) return null;
  const ecus = inventory.ecusOf(vin);
  const assignments = inventory.assignmentsOf(vin);
  const pending = assignments.filter((a) => a.status === "queued" || a.status === "published");
  const results = inventory.installHistory(vin, 20).map((r) => ({ receivedAt: r.received_at, serial: r.ecu_serial, filename: r.filename, success: r.success === 1, code: r.code, detail: r.detail }));
  const manifests = queries.manifests(vin);
  const alerts = listAlerts(inventory, { vin, limit: ALERTS_PAGE }).alerts;
  const statusBadge = (s: string) => html`<span class="badge${s === "failed" ? " bad" : s === "installed" ? " ok" : s === "queued" ? " warn" : ""}">${s}</span>`;
  return html`<h1>Vehicle <span class="mono">${vin}</span></h1>
<p><a href="/console/fleet">← Fleet</a></p>
<h2>ECUs</h2>
<div class="table-wrap" tabindex="0"><table>
<thead><tr><th scope="col">Serial</th><th scope="col">Hardware ID</th><th scope="col">Role</th><th scope="col">Installed image</th><th scope="col" class="num">Release counter</th><th scope="col">Last report</th></tr></thead>
<tbody>${ecus.map((e) => html`<tr><td class="mono">${e.serial}</td><td>${e.hardware_id}</td><td>${e.is_primary === 1 ? "Primary" : "Secondary"}</td><td class="mono">${e.installed_filename ?? html`<span class="muted">nothing installed</span>`}</td><td class="num">${e.installed_release_counter}</td><td>${e.last_report_time ?? html`<span class="muted">never</span>`}</td></tr>`)}
${ecus.length === 0 ? html`<tr><td colspan="6" class="muted">No ECU registered yet (an aktualizr vehicle registers its own).</td></tr>` : ""}</tbody></table></div>
<h2>Pending assignments</h2>
${pending.length === 0 ? html`<p class="muted">None.</p>` : html`<div class="table-wrap" tabindex="0"><table><thead><tr><th scope="col">ECU</th><th scope="col">Target</th><th scope="col" class="num">Release counter</th><th scope="col">Status</th><th scope="col">Campaign</th><th scope="col">Since</th></tr></thead>
<tbody>${pending.map((a) => html`<tr><td class="mono">${a.ecu_serial}</td><td class="mono">${a.target_name}</td><td class="num">${a.release_counter}</td><td>${statusBadge(a.status)}</td><td>${a.campaign_id === null ? "-" : html`<a href="/console/campaigns/${a.campaign_id}">${a.campaign_id}</a>`}</td><td>${a.created_at}</td></tr>`)}</tbody></table></div>`}
<h2>Install results</h2>
${results.length === 0 ? html`<p class="muted">None reported.</p>` : html`<div class="table-wrap" tabindex="0"><table><thead><tr><th scope="col">Reported</th><th scope="col">ECU</th><th scope="col">Image</th><th scope="col">Result</th><th scope="col">Detail</th></tr></thead>
<tbody>${results.map((r) => html`<tr><td>${r.receivedAt}</td><td class="mono">${r.serial}</td><td class="mono">${r.filename}</td><td>${r.success ? html`<span class="badge ok">installed</span>` : html`<span class="badge bad">failed: ${r.code}</span>`}</td><td>${r.detail}</td></tr>`)}</tbody></table></div>`}
<h2>Assignment history</h2>
${assignments.length === 0 ? html`<p class="muted">None.</p>` : html`<div class="table-wrap" tabindex="0"><table><thead><tr><th scope="col">ID</th><th scope="col">ECU</th><th scope="col">Target</th><th scope="col">Status</th><th scope="col">Created</th></tr></thead>
<tbody>${assignments.map((a) => html`<tr><td class="num">${a.id}</td><td class="mono">${a.ecu_serial}</td><td class="mono">${a.target_name}</td><td>${statusBadge(a.status)}</td><td>${a.created_at}</td></tr>`)}</tbody></table></div>`}
<h2>Manifests (newest ${manifests.length})</h2>
${manifests.length === 0 ? html`<p class="muted">No manifest received yet.</p>` : html`<div class="table-wrap" tabindex="0"><table><thead><tr><th scope="col">Received</th><th scope="col">Primary</th><th scope="col">What each ECU reported</th></tr></thead>
<tbody>${manifests.map((m) => html`<tr><td>${m.receivedAt}</td><td class="mono">${m.primarySerial}</td><td>${m.reports.map((r) => html`<div><span class="mono">${r.serial}</span>: <span class="mono">${r.installed ?? "nothing"}</span> (release ${r.releaseCounter})${r.attacks !== "" ? html` <span class="badge bad">${r.attacks}</span>` : ""}</div>`)}</td></tr>`)}</tbody></table></div>`}
<h2>Alerts</h2>
${alertRows(alerts, session, `/console/vehicles/${encodeURIComponent(vin)}`)}`;
}
