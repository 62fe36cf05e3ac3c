// The alerts page: what vehicles reported refusing (attacks detected, failed checks),
// campaigns halted and the backend's own alerts, filtered by VIN, kind and state, newest
// first (the listing the CLI's `uptane alerts` and the API use); a release manager
// acknowledges them (a viewer sees no button, and its POST is refused).
import { html, queryString, type Html } from "../html.ts";
import type { Inventory } from "../../inventory/inventory.ts";
import type { ConsoleQueries } from "../../inventory/console-queries.ts";
import { listAlerts } from "../../director/fleet-view.ts";
import { isVin } from "../../../model/identifiers.ts";
import { csrfField } from "../layout.ts";
import { roleAllows } from "../users.ts";
import type { ConsoleSession } from "../sessions.ts";

export const ALERTS_PAGE = 50;

export type AlertView = ReturnType<typeof listAlerts>["alerts"][number];

/** The alerts as a table, with an acknowledge button for those who may; `back` is where the button returns to. */
export function alertRows(alerts: AlertView[], session: ConsoleSession, back: string): Html {
  if (alerts.length === 0) return html`<p class="muted">No alerts.</p>`;
  const mayAct = roleAllows(session.user.role, "release-manager");
  return html`<div class="table-wrap" tabindex="0"><table class="alerts">
<thead><tr><th scope="col" class="num">ID</th><th scope="col">Raised</th><th scope="col">Vehicle</th><th scope="col">ECU</th><th scope="col">Kind</th><th scope="col">Detail</th><th scope="col">State</th></tr></thead>
<tbody>${alerts.map(
    (a) => html`<tr><td class="num">${a.id}</td><td>${a.createdAt}</td><td>${a.vin === null ? html`<span class="muted">backend</span>` : html`<a class="mono" href="/console/vehicles/${encodeURIComponent(a.vin)}">${a.vin}</a>`}</td><td class="mono">${a.ecuSerial ?? ""}</td><td>${a.kind}</td><td>${a.detail}</td><td>${
      a.acknowledgedAt !== null
        ? html`<span class="badge ok">acknowledged</span> <span class="muted">${a.acknowledgedBy ? `by ${a.acknowledgedBy} ` : ""}at ${a.acknowledgedAt}</span>`
        : mayAct
          ? html`<form method="post" action="/console/alerts/${a.id}/acknowledge" class="inline">${csrfField(session)}<input type="hidden" name="back" value="${back}"><button type="submit" class="secondary" aria-label="Acknowledge alert ${a.id}">Acknowledge</button></form>`
          : html`<span class="badge bad">open</span>`
    }</td></tr>`,
  )}</tbody></table></div>`;
}

export function alertsContent(inventory: Inventory, queries: ConsoleQueries, query: URLSearchParams, session: ConsoleSession): Html {
  const rawVin = (query.get("vin") ?? "").trim();
  const vin = isVin(rawVin) ? rawVin : undefined;
  const kinds = queries.alertKinds();
  const kind = kinds.find((k) => k === query.get("kind"));
  const open = query.get("state") !== "all";
  const raw = query.get("before");
  const before = raw !== null && /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : undefined;
  const { alerts, nextBefore } = listAlerts(inventory, { limit: ALERTS_PAGE, before, vin, kind, open });
  const keep = { vin, kind, state: open ? undefined : "all" };
  return html`<h1>Alerts</h1>
<form method="get" action="/console/alerts" class="filters" aria-label="Filter alerts">
  <label for="a-vin">VIN<input id="a-vin" name="vin" value="${vin ?? ""}" maxlength="64"></label>
  <label for="a-kind">Kind<select id="a-kind" name="kind"><option value="">any</option>${kinds.map((k) => html`<option value="${k}"${k === kind ? html` selected` : ""}>${k}</option>`)}</select></label>
  <label for="a-state">State<select id="a-state" name="state"><option value=""${open ? html` selected` : ""}>open</option><option value="all"${open ? "" : html` selected`}>all</option></select></label>
  <button type="submit">Filter</button>
</form>
<p class="muted" id="alerts-count">${alerts.length}${nextBefore !== null ? "+" : ""} ${open ? "open " : ""}alert(s)${before !== undefined ? " on this page" : ""}.</p>
${alertRows(alerts, session, `/console/alerts${queryString(keep)}`)}
<nav class="pager" aria-label="Pages">${before !== undefined ? html`<a href="/console/alerts${queryString(keep)}">Newest</a>` : ""}${nextBefore !== null ? html`<a rel="next" href="/console/alerts${queryString({ ...keep, before: nextBefore })}">Older →</a>` : ""}</nav>`;
}
