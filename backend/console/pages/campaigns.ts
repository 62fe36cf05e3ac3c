// The campaigns pages: every campaign with its assignments counted by status, a form that
// creates one (the Director's `campaign`, as `uptane campaign` and the API), and one
// campaign's progress over time as a chart.
import { html, type Html } from "../html.ts";
import { lineChart } from "../charts.ts";
import type { FleetView } from "../../inventory/fleet-view.ts";
import { csrfField } from "../layout.ts";
import { roleAllows } from "../users.ts";
import type { ConsoleSession } from "../sessions.ts";

export function campaignsContent(view: FleetView, session: ConsoleSession): Html {
  const campaigns = view.campaigns();
  const mayAct = roleAllows(session.user.role, "release-manager");
  return html`<h1>Campaigns</h1>
${
  mayAct
    ? html`<section class="card" aria-labelledby="new-campaign"><h2 id="new-campaign">New campaign</h2>
<form method="post" action="/console/campaigns" class="stack">${csrfField(session)}
  <label for="c-target">Target (an image the Image repository signs)<input id="c-target" name="target" required maxlength="255"></label>
  <label for="c-hw">Hardware ID<input id="c-hw" name="hardwareId" required maxlength="64"></label>
  <label for="c-vins">Reserved vehicles (VINs, comma-separated; empty: every vehicle with that hardware ID)<input id="c-vins" name="vins" maxlength="20000"></label>
  <button type="submit">Create campaign</button>
</form></section>`
    : ""
}
<h2>All campaigns</h2>
${
  campaigns.length === 0
    ? html`<p class="muted">No campaign yet.</p>`
    : html`<div class="table-wrap"><table id="campaigns-table">
<thead><tr><th scope="col" class="num">ID</th><th scope="col">Target</th><th scope="col">Hardware ID</th><th scope="col">Stage</th><th scope="col">Created</th><th scope="col" class="num">Queued</th><th scope="col" class="num">Published</th><th scope="col" class="num">Installed</th><th scope="col" class="num">Failed</th></tr></thead>
<tbody>${campaigns.map((c) => html`<tr><td class="num"><a href="/console/campaigns/${c.id}">${c.id}</a></td><td class="mono">${c.target}</td><td>${c.hardwareId}</td><td>${c.stage === "group" ? "reserved group" : "all vehicles"}</td><td>${c.createdAt}</td><td class="num">${c.counts.queued}</td><td class="num">${c.counts.published}</td><td class="num">${c.counts.installed}</td><td class="num">${c.counts.failed > 0 ? html`<span class="badge bad">${c.counts.failed}</span>` : "0"}</td></tr>`)}</tbody></table></div>`
}`;
}

export function campaignContent(view: FleetView, id: number): Html | null {
  const campaign = view.campaigns(1, id)[0];
  if (!campaign) return null;
  const p = view.campaignProgress(id);
  return html`<h1>Campaign ${campaign.id}</h1>
<p><a href="/console/campaigns">← Campaigns</a></p>
<p><span class="mono">${campaign.target}</span> for hardware ID ${campaign.hardwareId}, ${campaign.stage === "group" ? "the reserved group" : "every vehicle"}; created ${campaign.createdAt}.</p>
<section class="card" aria-labelledby="progress"><h2 id="progress">Progress</h2>
${lineChart(`Campaign ${campaign.id} progress`, p.times, [
  { name: "published", className: "series-published", points: p.published },
  { name: "installed", className: "series-installed", points: p.installed },
  { name: "failed", className: "series-failed", points: p.failed },
  { name: "silent", className: "series-silent", points: p.silent },
])}
</section>
<p id="campaign-counts">Assignments now: queued ${campaign.counts.queued}, published and not confirmed yet ${campaign.counts.published}, installed ${campaign.counts.installed}, failed ${campaign.counts.failed}, superseded ${campaign.counts.superseded}.</p>`;
}
