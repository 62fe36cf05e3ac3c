// The campaigns pages: every campaign with its state and counts, a form that creates one
// (target, hardware ID, reserved vehicles, failure threshold), and one campaign's status
// per stage, its progress over time as a chart (from the counts recorded as they changed, backend/director/campaign-progress.ts), its vehicles a page at a time, and the
// buttons that promote, pause, resume and cancel it. Each is the Director's function the
// CLI (`uptane campaign ...`) and the HTTP API call, under the same rules.
import { html, queryString, type Html } from "../html.ts";
import { lineChart } from "../charts.ts";
import type { ConsoleQueries } from "../../inventory/console-queries.ts";
import type { Inventory } from "../../inventory/inventory.ts";
import { campaignStatus, type CampaignStatus } from "../../director/campaign-status.ts";
import { isoTime } from "../../../model/iso-time.ts";
import { progressSeries, SILENT_HOURS, silentSince } from "../../director/campaign-progress.ts";
import { csrfField } from "../layout.ts";
import { roleAllows } from "../users.ts";
import type { ConsoleSession } from "../sessions.ts";

const VEHICLES_PAGE = 50;

function stateBadge(state: string): Html {
  return html`<span class="badge${state === "halted" || state === "cancelled" ? " bad" : state === "paused" ? " warn" : " ok"}">${state}</span>`;
}

function totals(s: CampaignStatus): Record<"assigned" | "queued" | "published" | "installed" | "failed" | "withdrawn" | "notReporting", number> {
  const t = { assigned: 0, queued: 0, published: 0, installed: 0, failed: 0, withdrawn: 0, notReporting: 0 };
  for (const st of s.stages) for (const k of Object.keys(t) as Array<keyof typeof t>) t[k] += st[k];
  return t;
}

export function campaignsContent(inventory: Inventory, session: ConsoleSession, now: Date): Html {
  const campaigns = inventory.campaigns({ limit: 100 }).map((c) => campaignStatus(inventory, c.id, { silentSince: silentSince(now) }));
  const mayAct = roleAllows(session.user.role, "release-manager");
  return html`<h1>Campaigns</h1>
${
  mayAct
    ? html`<section class="card" aria-labelledby="new-campaign"><h2 id="new-campaign">New campaign</h2>
<form method="post" action="/console/campaigns" class="stack">${csrfField(session)}
  <label for="c-target">Target (an image the Image repository signs)<input id="c-target" name="target" required maxlength="255"></label>
  <label for="c-hw">Hardware ID<input id="c-hw" name="hardwareId" required maxlength="64"></label>
  <label for="c-vins">Reserved vehicles (VINs, comma-separated; empty: every vehicle with that hardware ID)<input id="c-vins" name="vins" maxlength="20000"></label>
  <label for="c-max">Halt at this many failures in a stage (empty: no threshold)<input id="c-max" name="maxFailures" inputmode="numeric" pattern="[0-9]{1,9}" maxlength="9"></label>
  <label for="c-pct">or at this percentage of a stage failed (1-100)<input id="c-pct" name="maxFailurePercent" inputmode="numeric" pattern="[0-9]{1,3}" maxlength="3"></label>
  <button type="submit">Create campaign</button>
</form></section>`
    : ""
}
<h2>All campaigns</h2>
${
  campaigns.length === 0
    ? html`<p class="muted">No campaign yet.</p>`
    : html`<div class="table-wrap" tabindex="0"><table id="campaigns-table">
<thead><tr><th scope="col" class="num">ID</th><th scope="col">Target</th><th scope="col">Hardware ID</th><th scope="col">Stage</th><th scope="col">State</th><th scope="col" class="num">Assigned</th><th scope="col" class="num">Installed</th><th scope="col" class="num">Failed</th><th scope="col">Created</th></tr></thead>
<tbody>${campaigns.map((s) => {
        const c = s.campaign;
        const t = totals(s);
        return html`<tr><td class="num"><a href="/console/campaigns/${c.id}">${c.id}</a></td><td class="mono">${c.target}</td><td>${c.hardwareId}</td><td>${c.stage === "group" ? "reserved group" : "all vehicles"}</td><td>${stateBadge(c.state)}</td><td class="num">${t.assigned}</td><td class="num">${t.installed}</td><td class="num">${t.failed > 0 ? html`<span class="badge bad">${t.failed}</span>` : "0"}</td><td>${c.createdAt}</td></tr>`;
      })}</tbody></table></div>`
}`;
}

/** The buttons the campaign's state allows, for a release manager. */
function controls(s: CampaignStatus, session: ConsoleSession): Html {
  const c = s.campaign;
  const button = (action: string, label: string, confirm: string, danger = false) =>
    html`<form method="post" action="/console/campaigns/${c.id}/${action}" class="inline" data-confirm="${confirm}">${csrfField(session)}<button type="submit"${danger ? html` class="danger"` : ""}>${label}</button></form> `;
  return html`<div class="pager" id="campaign-controls">
${c.stage === "group" && c.state === "active" ? button("promote", "Promote to all vehicles", `Assign ${c.target} to every vehicle with ${c.hardwareId}?`) : ""}
${c.state === "active" ? button("pause", "Pause", "Pause: hold the assignments not yet in vehicles' targets?") : ""}
${c.state === "paused" || c.state === "halted" ? button("resume", "Resume", "Resume the campaign?") : ""}
${c.state !== "cancelled" ? button("cancel", "Cancel campaign", "Cancel: withdraw every assignment not installed yet?", true) : ""}
</div>`;
}

export function campaignContent(o: { inventory: Inventory; queries: ConsoleQueries; id: number; session: ConsoleSession; now: Date; after?: number }): Html | null {
  if (!o.inventory.campaign(o.id)) return null;
  const s = campaignStatus(o.inventory, o.id, { silentSince: silentSince(o.now), vehicles: { after: o.after, limit: VEHICLES_PAGE } });
  const c = s.campaign;
  const t = totals(s);
  // The recorded history, and the counts of this page as its last point.
  const p = progressSeries(o.inventory, o.id, { at: isoTime(o.now), stages: s.stages });
  const threshold = c.maxFailures !== null ? `halts at ${c.maxFailures} failure(s) in a stage` : c.maxFailurePercent !== null ? `halts at ${c.maxFailurePercent}% failures in a stage` : "no failure threshold";
  return html`<h1>Campaign ${c.id} ${stateBadge(c.state)}</h1>
<p><a href="/console/campaigns">← Campaigns</a></p>
<p><span class="mono">${c.target}</span> for hardware ID ${c.hardwareId}; ${c.stage === "group" ? html`the reserved group (${(c.groupVins ?? []).length} vehicle(s))` : "every vehicle"}; ${threshold}; created ${c.createdAt}.${c.stateDetail ? html` <strong>${c.state}: ${c.stateDetail}</strong>` : ""}</p>
${roleAllows(o.session.user.role, "release-manager") ? controls(s, o.session) : ""}
<section class="card" aria-labelledby="progress"><h2 id="progress">Progress</h2>
${lineChart(`Campaign ${c.id} progress`, p.times, [
  { name: "published", className: "series-published", points: p.published },
  { name: "installed", className: "series-installed", points: p.installed },
  { name: "failed", className: "series-failed", points: p.failed },
  { name: "silent", className: "series-silent", points: p.silent },
])}
</section>
<p id="campaign-counts">Assignments now: queued ${t.queued}, published and not confirmed yet ${t.published}, installed ${t.installed}, failed ${t.failed}, withdrawn ${t.withdrawn}; ${t.notReporting} on vehicles silent for ${SILENT_HOURS} hours.</p>
<h2>Stages</h2>
<div class="table-wrap" tabindex="0"><table id="stages-table"><thead><tr><th scope="col">Stage</th><th scope="col" class="num">Assigned</th><th scope="col" class="num">Queued</th><th scope="col" class="num">Published</th><th scope="col" class="num">Installed</th><th scope="col" class="num">Failed</th><th scope="col" class="num">Withdrawn</th><th scope="col" class="num">Silent ${SILENT_HOURS} h</th></tr></thead>
<tbody>${s.stages.map((st) => html`<tr><td>${st.stage === "group" ? "reserved group" : "all vehicles"}</td><td class="num">${st.assigned}</td><td class="num">${st.queued}</td><td class="num">${st.published}</td><td class="num">${st.installed}</td><td class="num">${st.failed}</td><td class="num">${st.withdrawn}</td><td class="num">${st.notReporting}</td></tr>`)}</tbody></table></div>
<h2>Vehicles</h2>
<div class="table-wrap" tabindex="0"><table id="campaign-vehicles"><thead><tr><th scope="col">VIN</th><th scope="col">ECU</th><th scope="col">Stage</th><th scope="col">Status</th><th scope="col">Install code</th><th scope="col">Last manifest</th></tr></thead>
<tbody>${(s.vehicles ?? []).map((v) => html`<tr><td><a class="mono" href="/console/vehicles/${encodeURIComponent(v.vin)}">${v.vin}</a></td><td class="mono">${v.ecuSerial}</td><td>${v.stage}</td><td><span class="badge${v.status === "failed" ? " bad" : v.status === "installed" ? " ok" : ""}">${v.status}</span>${v.notReporting ? html` <span class="badge warn">not reporting</span>` : ""}</td><td>${v.code ?? "-"}${v.detail ? html` <span class="muted">${v.detail}</span>` : ""}</td><td>${v.lastManifestAt ?? html`<span class="muted">never</span>`}</td></tr>`)}</tbody></table></div>
<nav class="pager" aria-label="Pages">${o.after !== undefined ? html`<a href="/console/campaigns/${c.id}">First</a>` : ""}${s.nextAfter ? html`<a rel="next" href="/console/campaigns/${c.id}${queryString({ after: s.nextAfter })}">Next →</a>` : ""}</nav>`;
}
