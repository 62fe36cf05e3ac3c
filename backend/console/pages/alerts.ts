// The alerts page: what vehicles reported refusing (attacks detected, failed checks) and
// the backend's own alerts, filtered by VIN, kind and state, newest first; a release
// manager acknowledges them (a viewer sees no button, and its POST is refused).
import { html, queryString, type Html } from "../html.ts";
import type { AlertRow } from "../../inventory/inventory.ts";
import type { AlertFilter, FleetView } from "../../inventory/fleet-view.ts";
import { csrfField } from "../layout.ts";
import { roleAllows } from "../users.ts";
import type { ConsoleSession } from "../sessions.ts";

export function alertFilterOf(query: URLSearchParams): AlertFilter {
  const state = query.get("state");
  return {
    vin: (query.get("vin") ?? "").trim().slice(0, 64) || undefined,
    kind: (query.get("kind") ?? "").trim().slice(0, 64) || undefined,
    state: state === "acknowledged" || state === "all" ? state : "open",
  };
}

/** The alerts as a table, with an acknowledge button for those who may; `back` is where the button returns to. */
export function alertRows(alerts: AlertRow[], session: ConsoleSession, back: string): Html {
  if (alerts.length === 0) return html`<p class="muted">No alerts.</p>`;
  const mayAct = roleAllows(session.user.role, "release-manager");
  return html`<div class="table-wrap"><table class="alerts">
<thead><tr><th scope="col" class="num">ID</th><th scope="col">Raised</th><th scope="col">Vehicle</th><th scope="col">ECU</th><th scope="col">Kind</th><th scope="col">Detail</th><th scope="col">State</th></tr></thead>
<tbody>${alerts.map(
    (a) => html`<tr><td class="num">${a.id}</td><td>${a.created_at}</td><td>${a.vin === "" ? html`<span class="muted">backend</span>` : html`<a class="mono" href="/console/vehicles/${encodeURIComponent(a.vin)}">${a.vin}</a>`}</td><td class="mono">${a.ecu_serial ?? ""}</td><td>${a.kind}</td><td>${a.detail}</td><td>${
      a.acknowledged_at !== null
        ? html`<span class="badge ok">acknowledged</span> <span class="muted">by ${a.acknowledged_by} at ${a.acknowledged_at}</span>`
        : mayAct
          ? html`<form method="post" action="/console/alerts/${a.id}/acknowledge" class="inline">${csrfField(session)}<input type="hidden" name="back" value="${back}"><button type="submit" class="secondary" aria-label="Acknowledge alert ${a.id}">Acknowledge</button></form>`
          : html`<span class="badge bad">open</span>`
    }</td></tr>`,
  )}</tbody></table></div>`;
}

export function alertsContent(view: FleetView, query: URLSearchParams, session: ConsoleSession): Html {
  const filter = alertFilterOf(query);
  const raw = query.get("before");
  const before = raw !== null && /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : undefined;
  const { total, alerts, next } = view.alerts(filter, before);
  const kinds = view.alertKinds();
  const keep = { vin: filter.vin, kind: filter.kind, state: filter.state };
  return html`<h1>Alerts</h1>
<form method="get" action="/console/alerts" class="filters" aria-label="Filter alerts">
  <label for="a-vin">VIN<input id="a-vin" name="vin" value="${filter.vin ?? ""}" maxlength="64"></label>
  <label for="a-kind">Kind<select id="a-kind" name="kind"><option value="">any</option>${kinds.map((k) => html`<option value="${k}"${k === filter.kind ? html` selected` : ""}>${k}</option>`)}</select></label>
  <label for="a-state">State<select id="a-state" name="state">${(["open", "acknowledged", "all"] as const).map((s) => html`<option value="${s}"${s === filter.state ? html` selected` : ""}>${s}</option>`)}</select></label>
  <button type="submit">Filter</button>
</form>
<p class="muted" id="alerts-count">${total} alert(s) match.</p>
${alertRows(alerts, session, `/console/alerts${queryString(keep)}`)}
<nav class="pager" aria-label="Pages">${before !== undefined ? html`<a href="/console/alerts${queryString(keep)}">Newest</a>` : ""}${next !== null ? html`<a rel="next" href="/console/alerts${queryString({ ...keep, before: next })}">Older →</a>` : ""}</nav>`;
}
