// The OEM console over HTTPS without a browser (README "Backend: OEM console"): the login
// (a wrong password refused; the session cookie secure, HTTP-only, same-site, `__Host-`),
// the content security policy on every page with no inline script or style, roles
// enforced on the server (a viewer's POST refused with nothing changed), CSRF (a wrong
// token, a foreign Origin, no session: refused, nothing changed), hostile text in rows
// shown as text, logout and disabled users, the console refused over plain HTTP, and the
// same actions through the CLI and the HTTP API under the same rules; users managed by an
// administrator, and a password change that needs the current password and ends the
// user's other sessions.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFile } from "node:fs/promises";
import { close } from "../../backend/http/server.ts";
import { serveBackend, type ServedBackend } from "../../backend/serve.ts";
import { openInventory } from "../../backend/inventory/location.ts";
import { addConsoleUser, disableConsoleUser } from "../../backend/console/users.ts";
import { CONTENT_SECURITY_POLICY } from "../../backend/console/http-routes.ts";
import { readApiToken } from "../../backend/http/api-token.ts";
import { removeTempDirs, tempDir } from "../helpers/image-backend.ts";
import { portal, portalWorld, signedBundle, type PortalWorld } from "../helpers/supplier-portal.ts";
import { ConsoleClient, cookiesOf, TEST_SCRYPT, type ConsoleWorld } from "../helpers/console.ts";
import { tlsFetch } from "../helpers/tls.ts";
import { uptane } from "../helpers/uptane-in-process.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

let portalSide: PortalWorld;
let world: ConsoleWorld;
const passwords: Record<string, string> = {};

test.before(async () => {
  // The supplier portal's world (two suppliers delegated) with console users on it.
  portalSide = await portalWorld();
  for (const role of ["viewer", "release-manager", "admin"] as const) passwords[role] = (await addConsoleUser(portalSide.dir, role, role, { scrypt: TEST_SCRYPT })).password;
  const inventory = openInventory(portalSide.dir);
  inventory.transaction(() => {
    // Rows no API would take (the identifier rules refuse them), as an edited or older database may hold.
    inventory.insertVehicle("<img src=x onerror=alert(1)>", "2026-01-01T00:00:00Z");
    inventory.insertEcu({ serial: "x-1", vin: "<img src=x onerror=alert(1)>", hardwareId: "<script>alert(2)</script>", publicKey: "00", keyid: "00", primary: true });
    inventory.insertVehicle("CAR1", "2026-01-01T00:00:00Z");
    inventory.insertAlert({ vin: "CAR1", serial: null, manifestId: null, kind: "attack", detail: 'refused "<b>bold</b>" & more', now: "2026-01-02T00:00:00Z" });
    inventory.insertAlert({ vin: "CAR1", serial: null, manifestId: null, kind: "attack", detail: "second", now: "2026-01-03T00:00:00Z" });
  });
  inventory.close();
  const served = await serveBackend(portalSide.dir);
  world = { dir: portalSide.dir, served, ca: portalSide.ca, passwords: passwords as ConsoleWorld["passwords"] };
});

test.after(async () => {
  await close(world.served.server);
  await removeTempDirs();
});

function alertState(id: number): { acknowledged_by: string | null } {
  const inventory = openInventory(world.dir);
  try {
    return inventory.alert(id)!;
  } finally {
    inventory.close();
  }
}

test("a wrong password is refused; the right one opens a session in a __Host- cookie that is Secure, HttpOnly and SameSite=Strict", async () => {
  const c = new ConsoleClient(world);
  const wrong = await c.login("viewer", "not-the-password");
  assert.is(wrong.status, 401);
  assert.match(wrong.text(), /Wrong user name or password/);
  assert.is(cookiesOf(wrong).some((x) => x.startsWith("__Host-uptane-console=")), false);
  const unknown = await c.login("nobody", "x");
  assert.is(unknown.status, 401, "an unknown name gets the same answer");
  const right = await c.login("viewer", passwords.viewer!);
  assert.is(right.status, 303);
  assert.is(right.headers.location, "/console/fleet");
  const set = ([] as string[]).concat(right.headers["set-cookie"] ?? []).find((x) => x.startsWith("__Host-uptane-console="))!;
  assert.match(set, /; Path=\/; Secure; HttpOnly; SameSite=Strict/);
  const inventory = openInventory(world.dir);
  try {
    const token = set.split(";")[0]!.split("=")[1]!;
    assert.is(inventory.sql.get("SELECT 1 AS x FROM console_sessions WHERE token_sha256 = ?", [token]), undefined, "the cookie itself is not stored");
  } finally {
    inventory.close();
  }
  // A login form posted without its own token (another site's form) is refused.
  const forged = await tlsFetch(`${world.served.url}/console/login`, { ca: world.ca }, { method: "POST", body: new URLSearchParams({ name: "viewer", password: passwords.viewer! }).toString(), headers: { "content-type": "application/x-www-form-urlencoded" } });
  assert.is(forged.status, 403);
});

test("every page answers with a CSP that allows no inline script or style, and holds no inline script, style or handler", async () => {
  assert.not.match(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|\*/);
  const c = new ConsoleClient(world);
  await c.login("admin", passwords.admin!);
  for (const path of ["/console/login", "/console/fleet", "/console/vehicles/CAR1", "/console/alerts?state=all", "/console/image", "/console/campaigns"]) {
    const r = await c.request(path);
    assert.ok(r.status === 200 || (path.endsWith("login") && r.status === 303), `${path}: ${r.status}`);
    assert.is(r.headers["content-security-policy"], CONTENT_SECURITY_POLICY, path);
    assert.is(r.headers["x-frame-options"], "DENY", path);
    if (r.status !== 200) continue;
    const page = r.text();
    for (const tag of page.match(/<script\b[^>]*>/g) ?? []) assert.match(tag, / src="\/console\/assets\/console\.js"/, `${path}: ${tag}`);
    assert.not.match(page, /<style|<[^>]*\s(style|on[a-z]+)=/i, path);
  }
});

test("hostile text in a VIN, a hardware ID and an alert is shown as text", async () => {
  const c = new ConsoleClient(world);
  await c.login("viewer", passwords.viewer!);
  const fleet = (await c.request("/console/fleet")).text();
  assert.not.match(fleet, /<img src=x|<script>alert/);
  assert.match(fleet, /&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.match(fleet, /&lt;script&gt;alert\(2\)&lt;\/script&gt;/);
  const alerts = (await c.request("/console/alerts")).text();
  assert.match(alerts, /refused &quot;&lt;b&gt;bold&lt;\/b&gt;&quot; &amp; more/);
});

test("without a session a page sends to the login and a POST is refused; a viewer sees no button and its POST is refused", async () => {
  const anonymous = new ConsoleClient(world);
  const page = await anonymous.request("/console/alerts");
  assert.is(page.status, 303);
  assert.is(page.headers.location, "/console/login");
  const id = 1;
  const post = await anonymous.request(`/console/alerts/${id}/acknowledge`, { form: { csrf: "x" } });
  assert.is(post.status, 403);
  const viewer = new ConsoleClient(world);
  await viewer.login("viewer", passwords.viewer!);
  const list = (await viewer.request("/console/alerts")).text();
  assert.not.match(list, /Acknowledge/);
  const refused = await viewer.request(`/console/alerts/${id}/acknowledge`, { form: { csrf: viewer.csrf } });
  assert.is(refused.status, 403);
  assert.match(refused.text(), /viewer is a viewer: only a release-manager or above may acknowledge alert 1; nothing was done/);
  assert.is(alertState(id).acknowledged_by, null);
});

test("CSRF: a wrong token and a foreign Origin are refused with nothing changed; the right form acknowledges as the user", async () => {
  const manager = new ConsoleClient(world);
  await manager.login("release-manager", passwords["release-manager"]!);
  assert.match((await manager.request("/console/alerts")).text(), /Acknowledge alert 2/);
  const wrong = await manager.request("/console/alerts/2/acknowledge", { form: { csrf: "0".repeat(64) } });
  assert.is(wrong.status, 403);
  assert.match(wrong.text(), /CSRF token/);
  const foreign = await manager.request("/console/alerts/2/acknowledge", { form: { csrf: manager.csrf }, headers: { origin: "https://evil.example" } });
  assert.is(foreign.status, 403);
  assert.match(foreign.text(), /another origin/);
  assert.is(alertState(2).acknowledged_by, null);
  const done = await manager.request("/console/alerts/2/acknowledge", { form: { csrf: manager.csrf, back: "/console/vehicles/CAR1" }, headers: { origin: world.served.url } });
  assert.is(done.status, 303);
  assert.is(done.headers.location, "/console/vehicles/CAR1?notice=acknowledged&n=2");
  assert.is(alertState(2).acknowledged_by, "release-manager");
  const again = await manager.request("/console/alerts/2/acknowledge", { form: { csrf: manager.csrf } });
  assert.is(again.status, 409, "acknowledged already");
  // An open redirect through `back` is not possible.
  const away = await manager.request("/console/alerts/1/acknowledge", { form: { csrf: manager.csrf, back: "//evil.example/x" } });
  assert.is(away.headers.location, "/console/alerts?notice=acknowledged&n=1");
});

test("the CLI and the HTTP API acknowledge under the same rules", async () => {
  const inventory = openInventory(world.dir);
  const id = inventory.sql.insert("INSERT INTO alerts (vin, ecu_serial, manifest_id, kind, detail, created_at) VALUES (?, ?, ?, ?, ?, ?)", ["CAR1", null, null, "attack", "third", "2026-01-04T00:00:00Z"]);
  const id2 = inventory.sql.insert("INSERT INTO alerts (vin, ecu_serial, manifest_id, kind, detail, created_at) VALUES (?, ?, ?, ?, ?, ?)", ["CAR1", null, null, "attack", "fourth", "2026-01-05T00:00:00Z"]);
  inventory.close();
  const listed = await uptane("alerts", world.dir, "--vin", "CAR1", "--open", "--json");
  assert.is(listed.code, 0, listed.err);
  assert.ok(JSON.parse(listed.out).alerts.some((a: { id: number }) => a.id === id));
  const cli = await uptane("alerts", "ack", world.dir, String(id), "--json");
  assert.is(cli.code, 0, cli.err);
  assert.type(JSON.parse(cli.out).alert.acknowledgedAt, "string");
  const twice = await uptane("alerts", "ack", world.dir, String(id), "--json");
  assert.is(twice.code, 1);
  assert.is(JSON.parse(twice.out).error, "alert-acknowledged");
  const token = readApiToken(world.dir);
  const api = (path: string, body: object, auth = token) =>
    tlsFetch(`${world.served.url}/director/api/${path}`, { ca: world.ca }, { method: "POST", body: JSON.stringify(body), headers: { authorization: `Bearer ${auth}`, "content-type": "application/json" } });
  assert.is((await api(`alerts/${id2}/ack`, {}, "wrong")).status, 401);
  const ok = await api(`alerts/${id2}/ack`, {});
  assert.is(ok.status, 200, ok.text());
  assert.type(ok.json().alert.acknowledgedAt, "string");
  const conflict = await api(`alerts/${id2}/ack`, {});
  assert.is(conflict.status, 409);
  assert.is(conflict.json().error, "alert-acknowledged");
  assert.is((await api("alerts/999999/ack", {})).json().error, "unknown-alert");
});

test("a supplier submission is approved only with its out-of-band SHA-256, by a release manager, in the console and the API", async () => {
  const signed = await signedBundle(portalSide, "acme", "acme/brake-9.0.bin", Buffer.alloc(600, 9), "brake-ctl", 9);
  const upload = await portal(world.served.url, world.ca, "submissions", portalSide.accounts.acme, { method: "POST", body: await readFile(signed.bundle) });
  assert.is(upload.status, 202, upload.text());
  const id = upload.json().submission.id as number;
  const manager = new ConsoleClient(world);
  await manager.login("release-manager", passwords["release-manager"]!);
  const image = (await manager.request("/console/image")).text();
  assert.match(image, new RegExp(signed.sha256));
  const viewer = new ConsoleClient(world);
  await viewer.login("viewer", passwords.viewer!);
  assert.is((await viewer.request(`/console/submissions/${id}/approve`, { form: { csrf: viewer.csrf, expectSha256: signed.sha256 } })).status, 403);
  const mismatch = await manager.request(`/console/submissions/${id}/approve`, { form: { csrf: manager.csrf, expectSha256: "a".repeat(64) } });
  assert.is(mismatch.status, 409);
  assert.match(mismatch.text(), /not the a{64} confirmed out of band/);
  const approved = await manager.request(`/console/submissions/${id}/approve`, { form: { csrf: manager.csrf, expectSha256: signed.sha256 } });
  assert.is(approved.status, 303, approved.text());
  assert.match((await manager.request("/console/image")).text(), /acme\/brake-9\.0\.bin/);
  // Through the API: another upload, rejected with a reason the supplier sees.
  const second = await signedBundle(portalSide, "acme", "acme/brake-9.1.bin", Buffer.alloc(600, 8), "brake-ctl", 10);
  const id2 = (await portal(world.served.url, world.ca, "submissions", portalSide.accounts.acme, { method: "POST", body: await readFile(second.bundle) })).json().submission.id;
  const token = readApiToken(world.dir);
  const reject = await tlsFetch(`${world.served.url}/director/api/submissions/${id2}/reject`, { ca: world.ca }, { method: "POST", body: JSON.stringify({ reason: "wrong build" }), headers: { authorization: `Bearer ${token}` } });
  assert.is(reject.status, 200, reject.text());
  assert.is((await portal(world.served.url, world.ca, `submissions/${id2}`, portalSide.accounts.acme)).json().submission.reason, "wrong build");
  const closed = await tlsFetch(`${world.served.url}/director/api/submissions/${id2}/approve`, { ca: world.ca }, { method: "POST", body: JSON.stringify({ expectSha256: second.sha256 }), headers: { authorization: `Bearer ${token}` } });
  assert.is(closed.json().error, "submission-closed");
});

/** The page's one-time password (the Users and Account pages show it once). */
function shownPassword(page: string): string {
  return /<code id="new-password">([A-Za-z0-9_-]{32})<\/code>/.exec(page)![1]!;
}

test("an admin adds a user, whose password is shown once, and disables it; others see no Users page and their POST is refused", async () => {
  const admin = new ConsoleClient(world);
  await admin.login("admin", passwords.admin!);
  assert.match((await admin.request("/console/fleet")).text(), /href="\/console\/users"/);
  const added = await admin.request("/console/users", { form: { csrf: admin.csrf, name: "night-shift", role: "viewer" } });
  assert.is(added.status, 200, added.text());
  const password = shownPassword(added.text());
  assert.match(added.text(), /Created user night-shift \(viewer\)/);
  assert.not.match((await admin.request("/console/users")).text(), new RegExp(password), "shown once only");
  const users = openInventory(world.dir);
  try {
    assert.not.match(users.consoleUser("night-shift")!.password_hash, new RegExp(password), "only the hash is kept");
  } finally {
    users.close();
  }
  const night = new ConsoleClient(world);
  assert.is((await night.login("night-shift", password)).status, 303);
  const dup = await admin.request("/console/users", { form: { csrf: admin.csrf, name: "night-shift", role: "admin" } });
  assert.is(dup.status, 409);
  assert.is((await admin.request("/console/users", { form: { csrf: admin.csrf, name: "Bad Name", role: "viewer" } })).status, 400);
  assert.is((await admin.request("/console/users", { form: { csrf: admin.csrf, name: "x", role: "root" } })).status, 400);
  // A release manager: no link, the page refused, its POST refused with nothing done.
  const manager = new ConsoleClient(world);
  await manager.login("release-manager", passwords["release-manager"]!);
  assert.not.match((await manager.request("/console/fleet")).text(), /href="\/console\/users"/);
  assert.is((await manager.request("/console/users")).status, 403);
  const refused = await manager.request("/console/users/night-shift/disable", { form: { csrf: manager.csrf } });
  assert.is(refused.status, 403);
  assert.match(refused.text(), /only an admin may disable user night-shift; nothing was done/);
  assert.is((await night.request("/console/fleet")).status, 200);
  // The admin disables it: its session ends at once.
  const disabled = await admin.request("/console/users/night-shift/disable", { form: { csrf: admin.csrf } });
  assert.is(disabled.status, 303);
  assert.is(disabled.headers.location, "/console/users?notice=disabled&u=night-shift");
  assert.is((await night.request("/console/fleet")).status, 303);
  assert.match((await admin.request("/console/users")).text(), /night-shift<\/td><td>viewer<\/td><td>[^<]+<\/td><td><span class="badge bad">disabled/);
  // The last enabled admin is never disabled, not even by itself.
  const last = await admin.request("/console/users/admin/disable", { form: { csrf: admin.csrf } });
  assert.is(last.status, 409);
  assert.match(last.text(), /last enabled administrator/);
});

test("a password change needs the current password; the server makes the new one, shows it once, and ends the user's other sessions (this one goes on under a new cookie)", async () => {
  const scrypt = TEST_SCRYPT;
  const { password: first } = await addConsoleUser(world.dir, "rotating", "release-manager", { scrypt });
  const here = new ConsoleClient(world);
  await here.login("rotating", first);
  const elsewhere = new ConsoleClient(world);
  await elsewhere.login("rotating", first);
  const page = (await here.request("/console/account")).text();
  assert.match(page, /autocomplete="current-password"/);
  const wrong = await here.request("/console/account/password", { form: { csrf: here.csrf, current: "not-it" } });
  assert.is(wrong.status, 403);
  assert.match(wrong.text(), /password is unchanged/);
  assert.is((await elsewhere.request("/console/fleet")).status, 200, "a refused change ends nothing");
  const forged = await here.request("/console/account/password", { form: { csrf: "0".repeat(64), current: first } });
  assert.is(forged.status, 403, "the CSRF token is checked first");
  const changed = await here.request("/console/account/password", { form: { csrf: here.csrf, current: first } });
  assert.is(changed.status, 200, changed.text());
  const second = shownPassword(changed.text());
  assert.is.not(second, first);
  const renewed = cookiesOf(changed).find((c) => c.startsWith("__Host-uptane-console="))!;
  assert.ok(renewed && renewed !== here.cookie, "a new session cookie");
  const oldCookie = here.cookie;
  here.cookie = renewed;
  assert.is((await here.request("/console/fleet")).status, 200, "this browser stays logged in");
  here.cookie = oldCookie;
  assert.is((await here.request("/console/fleet")).status, 303, "the old session of this browser ended");
  assert.is((await elsewhere.request("/console/fleet")).status, 303, "the other session ended");
  assert.is((await new ConsoleClient(world).login("rotating", first)).status, 401, "the old password is refused");
  assert.is((await new ConsoleClient(world).login("rotating", second)).status, 303);
});

test("the CLI and the API manage users under the console's rules: add, list, disable (never the last admin), password change with the current password", async () => {
  const token = readApiToken(world.dir);
  const api = (method: string, path: string, body?: object) =>
    tlsFetch(`${world.served.url}/director/api/${path}`, { ca: world.ca }, { method, ...(body ? { body: JSON.stringify(body) } : {}), headers: { authorization: `Bearer ${token}` } });
  assert.is((await tlsFetch(`${world.served.url}/director/api/users`, { ca: world.ca }, { headers: { authorization: "Bearer wrong" } })).status, 401);
  const created = await api("POST", "users", { name: "api-user", role: "release-manager" });
  assert.is(created.status, 201, created.text());
  const apiPassword = created.json().password as string;
  assert.match(apiPassword, /^[A-Za-z0-9_-]{32}$/);
  assert.is((await api("POST", "users", { name: "api-user", role: "viewer" })).json().error, "exists");
  assert.is((await api("POST", "users", { name: "x", role: "root" })).status, 400);
  const listed = await api("GET", "users");
  assert.not.match(listed.text(), /scrypt|password/);
  assert.ok(listed.json().users.some((u: { name: string; role: string }) => u.name === "api-user" && u.role === "release-manager"));
  const lastAdmin = await api("POST", "users/admin/disable", {});
  assert.is(lastAdmin.status, 409);
  assert.is(lastAdmin.json().error, "last-admin");
  const cliLast = await uptane("user", "disable", world.dir, "admin", "--json");
  assert.is(cliLast.code, 1);
  assert.is(JSON.parse(cliLast.out).error, "last-admin");
  // A password change through the API: the current password checked, every session ended.
  const browser = new ConsoleClient(world);
  await browser.login("api-user", apiPassword);
  const wrong = await api("POST", "users/api-user/password", { currentPassword: "nope" });
  assert.is(wrong.status, 403);
  assert.is(wrong.json().error, "wrong-password");
  assert.is((await api("POST", "users/nobody/password", { currentPassword: "nope" })).json().error, "wrong-password", "an unknown user gets the same answer");
  const changed = await api("POST", "users/api-user/password", { currentPassword: apiPassword });
  assert.is(changed.status, 200, changed.text());
  const viaApi = changed.json().password as string;
  assert.is((await browser.request("/console/fleet")).status, 303, "its console session ended");
  // The same through the CLI, the current password from a file (never an argument).
  const work = await tempDir("uptane-console-cli-");
  const file = join(work, "current");
  writeFileSync(file, `${viaApi}\n`, { mode: 0o600 });
  const cli = await uptane("user", "password", world.dir, "api-user", "--current-password-file", file, "--json");
  assert.is(cli.code, 0, cli.err);
  const viaCli = JSON.parse(cli.out).password as string;
  assert.is.not(viaCli, viaApi);
  writeFileSync(file, "wrong\n");
  const cliWrong = await uptane("user", "password", world.dir, "api-user", "--current-password-file", file, "--json");
  assert.is(cliWrong.code, 1);
  assert.is(JSON.parse(cliWrong.out).error, "wrong-password");
  assert.is((await new ConsoleClient(world).login("api-user", viaCli)).status, 303);
  assert.is((await api("POST", "users/api-user/disable", {})).json().user.disabled, true);
  assert.is((await api("POST", "users/api-user/disable", {})).json().error, "account-disabled");
  assert.is((await api("POST", "users/ghost/disable", {})).status, 404);
});

test("logout ends the session; disabling a user ends its sessions at once", async () => {
  const c = new ConsoleClient(world);
  await c.login("admin", passwords.admin!);
  const out = await c.request("/console/logout", { form: { csrf: c.csrf } });
  assert.is(out.status, 303);
  assert.is((await c.request("/console/fleet")).status, 303, "the old cookie opens nothing");
  const d = new ConsoleClient(world);
  await d.login("viewer", passwords.viewer!);
  assert.is((await d.request("/console/fleet")).status, 200);
  disableConsoleUser(world.dir, "viewer");
  assert.is((await d.request("/console/fleet")).status, 303);
  assert.is((await new ConsoleClient(world).login("viewer", passwords.viewer!)).status, 401);
});

test("the console is refused over plain HTTP", async () => {
  let plain: ServedBackend | undefined;
  try {
    plain = await serveBackend(world.dir, { plainHttp: true });
    const r = await fetch(`${plain.url}/console/login`);
    assert.is(r.status, 403);
    assert.match(await r.text(), /HTTPS only/);
  } finally {
    if (plain) await close(plain.server);
  }
});

test("uptane user add takes only the three roles and shows the password once; user list never shows a hash", async () => {
  const bad = await uptane("user", "add", world.dir, "eve", "--role", "root", "--json");
  assert.is(bad.code, 2);
  const added = await uptane("user", "add", world.dir, "ops-lead", "--role", "release-manager", "--json");
  assert.is(added.code, 0, added.err);
  assert.match(JSON.parse(added.out).password, /^[A-Za-z0-9_-]{32}$/);
  const list = await uptane("user", "list", world.dir, "--json");
  assert.not.match(list.out, /scrypt|password/);
  assert.ok(JSON.parse(list.out).users.some((u: { name: string; role: string }) => u.name === "ops-lead" && u.role === "release-manager"));
});

test.run();
