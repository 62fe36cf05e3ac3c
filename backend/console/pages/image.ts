// The Image repository page: each role's version and expiry (a warning when near, as
// `uptane serve` logs it), the targets with hardware IDs and release counters, the
// delegations to suppliers with their paths and keys, and the supplier submissions
// waiting for approval, each with the SHA-256 to confirm out of band before approving.
import { html, type Html } from "../html.ts";
import type { PublishedState } from "../../image/published.ts";
import type { Submission } from "../../supplier-portal/submissions.ts";
import type { Signed, TargetsSigned } from "../../image/metadata.ts";
import { offlineRoleWarning } from "../../offline-expiry.ts";
import { csrfField } from "../layout.ts";
import { roleAllows } from "../users.ts";
import type { ConsoleSession } from "../sessions.ts";

/** Online roles are re-signed by the server at half their life: under this much left, something is wrong. */
const ONLINE_WARN_MS = 6 * 3_600_000;

interface RoleLine {
  name: string;
  keys: "offline" | "online" | "supplier";
  version: number;
  expires: string;
}

function expiryBadge(dir: string, line: RoleLine, now: Date, warnDays: number): Html {
  const left = Date.parse(line.expires) - now.getTime();
  if (left <= 0) return html`<span class="badge bad">EXPIRED</span>`;
  const days = Math.floor(left / 86_400_000);
  const near = line.keys === "online" ? left < ONLINE_WARN_MS : line.keys === "offline" ? offlineRoleWarning(dir, { repository: "image", role: line.name as "root" | "targets", file: "", expires: line.expires }, now, warnDays) !== null : left < warnDays * 86_400_000;
  const text = days >= 1 ? `${days} day(s) left` : `${Math.ceil(left / 3_600_000)} hour(s) left`;
  return near ? html`<span class="badge warn">expires soon: ${text}</span>` : html`<span class="badge ok">${text}</span>`;
}

function targetRows(role: string, doc: Signed<TargetsSigned>): Html[] {
  return Object.entries(doc.signed.targets).map(
    ([name, t]) => html`<tr><td class="mono">${name}</td><td class="num">${t.length}</td><td>${(t.custom?.hardwareIds ?? []).join(", ")}</td><td class="num">${t.custom?.releaseCounter ?? 0}</td><td>${role}</td><td class="mono">${(t.hashes.sha256 ?? "").slice(0, 16)}…</td></tr>`,
  );
}

export function imageContent(o: { dir: string; state: PublishedState; pending: Submission[]; session: ConsoleSession; now: Date; warnDays: number }): Html {
  const { state } = o;
  const roles: RoleLine[] = [
    { name: "root", keys: "offline", version: state.root.signed.version, expires: state.root.signed.expires },
    { name: "targets", keys: "offline", version: state.targets.signed.version, expires: state.targets.signed.expires },
    { name: "snapshot", keys: "online", version: state.snapshot.signed.version, expires: state.snapshot.signed.expires },
    { name: "timestamp", keys: "online", version: state.timestamp.signed.version, expires: state.timestamp.signed.expires },
    ...[...state.delegated].map(([name, doc]) => ({ name, keys: "supplier" as const, version: doc.signed.version, expires: doc.signed.expires })),
  ];
  // Every delegation, from the top-level targets and from suppliers' own roles (tier 2).
  const delegations = [["targets", state.targets] as const, ...[...state.delegated]].flatMap(([parent, doc]) => (doc.signed.delegations?.roles ?? []).map((r) => ({ parent, role: r })));
  const mayApprove = roleAllows(o.session.user.role, "release-manager");
  return html`<h1>Image repository</h1>
<h2>Roles</h2>
<div class="table-wrap" tabindex="0"><table id="roles-table">
<thead><tr><th scope="col">Role</th><th scope="col">Signed by</th><th scope="col" class="num">Version</th><th scope="col">Expires</th><th scope="col">State</th></tr></thead>
<tbody>${roles.map((r) => html`<tr><td>${r.name}</td><td>${r.keys === "offline" ? "offline keys" : r.keys === "online" ? "the server (online key)" : "supplier"}</td><td class="num">${r.version}</td><td>${r.expires}</td><td>${expiryBadge(o.dir, r, o.now, o.warnDays)}</td></tr>`)}</tbody>
</table></div>
<h2>Supplier submissions waiting for approval</h2>
${
  o.pending.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<div class="table-wrap" tabindex="0"><table id="submissions-table">
<thead><tr><th scope="col" class="num">ID</th><th scope="col">Supplier</th><th scope="col">Received</th><th scope="col">Roles and targets</th><th scope="col">Bundle SHA-256</th><th scope="col">Review</th></tr></thead>
<tbody>${o.pending.map(
        (s) => html`<tr><td class="num">${s.id}</td><td>${s.account}</td><td>${s.receivedAt}</td><td>${s.roles.map((r) => html`<div>${r.name} v${r.version ?? "?"}: <span class="mono">${r.targets.join(", ")}</span></div>`)}</td><td class="mono">${s.sha256}</td><td>${
          mayApprove
            ? html`<form method="post" action="/console/submissions/${s.id}/approve" class="inline" data-confirm="Publish submission ${s.id}?">${csrfField(o.session)}<label for="sha-${s.id}">SHA-256 the supplier confirmed out of band</label><input id="sha-${s.id}" name="expectSha256" required pattern="[0-9a-fA-F]{64}" maxlength="64" size="20"><button type="submit">Approve</button></form>
<form method="post" action="/console/submissions/${s.id}/reject" class="inline">${csrfField(o.session)}<label for="reason-${s.id}">Reason</label><input id="reason-${s.id}" name="reason" maxlength="500" size="14"><button type="submit" class="danger">Reject</button></form>`
            : html`<span class="muted">a release manager approves</span>`
        }</td></tr>`,
      )}</tbody></table></div>`
}
<h2>Delegations</h2>
${
  delegations.length === 0
    ? html`<p class="muted">None (uptane delegate adds one).</p>`
    : html`<div class="table-wrap" tabindex="0"><table id="delegations-table">
<thead><tr><th scope="col">Role</th><th scope="col">Delegated by</th><th scope="col">Paths</th><th scope="col">Hardware IDs</th><th scope="col">Keys (threshold)</th><th scope="col">Terminating</th></tr></thead>
<tbody>${delegations.map(({ parent, role }) => html`<tr><td>${role.name}</td><td>${parent}</td><td class="mono">${role.paths.join(", ")}</td><td>${(role.hardwareIds ?? []).join(", ") || html`<span class="muted">any</span>`}</td><td class="mono">${role.keyids.map((k) => k.slice(0, 16)).join(", ")} (${role.threshold})</td><td>${role.terminating ? "yes" : "no"}</td></tr>`)}</tbody></table></div>`
}
<h2>Targets</h2>
<div class="table-wrap" tabindex="0"><table id="targets-table">
<thead><tr><th scope="col">Name</th><th scope="col" class="num">Bytes</th><th scope="col">Hardware IDs</th><th scope="col" class="num">Release counter</th><th scope="col">Signed by role</th><th scope="col">SHA-256</th></tr></thead>
<tbody>${targetRows("targets", state.targets)}${[...state.delegated].flatMap(([name, doc]) => targetRows(name, doc))}</tbody>
</table></div>`;
}
