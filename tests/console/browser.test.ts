// The OEM console in a real browser (README "Backend: OEM console"): Debian's Chromium,
// headless, driven by playwright-core (which downloads no browser), one browser for the
// whole file, each user in a context of its own. A backend with 75 vehicles registered
// through the Director and 40 of them reporting; the tests log in, page and search the
// fleet, show hostile text as text, refuse a viewer's action and another site's form,
// acknowledge an alert, create a campaign for reserved vehicles, watch its progress chart
// move as vehicles report, promote it, and see it halt at its failure threshold; approve a
// supplier submission with its out-of-band SHA-256 (a viewer cannot); manage users as an
// administrator and change a password; use the console with the keyboard alone; and check
// every main page at 1280 and 390 pixels wide with axe-core (the accessibility engine most
// checkers build on), failing on any serious or critical violation. Screenshots of the main
// pages go to $UPTANE_CONSOLE_SCREENSHOTS (default: a folder under the system's temp folder).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type Server } from "node:http";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { close } from "../../backend/http/server.ts";
import { openInventory } from "../../backend/inventory/location.ts";
import { openDirector } from "../../backend/director/part.ts";
import { consoleWorld, type ConsoleWorld } from "../helpers/console.ts";
import { FLEET_IMAGES, report, seedFleet, vinOf } from "../helpers/console-fleet.ts";
import { removeTempDirs, tempDir } from "../helpers/image-backend.ts";
import { addSupplier, portal, signedBundle, type Credentials } from "../helpers/supplier-portal.ts";
import type { TestVehicle } from "../director/fixture.ts";
import { loadPublished } from "../../backend/image/published.ts";
import { imageContent } from "../../backend/console/pages/image.ts";
import { page as consolePage } from "../../backend/console/layout.ts";
import type { ConsoleSession } from "../../backend/console/sessions.ts";

/** The flags that work on this machine (no sandbox as root, no network beyond loopback). */
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const HOSTILE_VIN = "<img src=x onerror=alert(1)>";
/** An installed image's name as a vehicle may report it (any printable text; the manifest rules allow it). */
const HOSTILE_IMAGE = "<img src=x onerror=alert(3)>";
/** axe-core's own script, injected from node_modules (no CDN). */
const AXE_SOURCE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const AXE_VERSION = (createRequire(import.meta.url)("axe-core/package.json") as { version: string }).version;

let world: ConsoleWorld;
let vehicles: TestVehicle[];
let browser: Browser;
let attacker: Server;
let attackerUrl: string;
let supplier: { folder: string; account: Credentials; work: string };
const shots = process.env.UPTANE_CONSOLE_SCREENSHOTS ?? join(tmpdir(), "uptane-console-screenshots");
const dialogs: string[] = [];

test.before(async () => {
  world = await consoleWorld();
  vehicles = await seedFleet(world.dir, 75, 40);
  const inventory = openInventory(world.dir);
  // A row no API would take (the VIN rule refuses it), as an edited or older database may hold.
  inventory.insertVehicle(HOSTILE_VIN, "2026-01-01T00:00:00Z");
  inventory.insertEcu({ serial: "hostile-1", vin: HOSTILE_VIN, hardwareId: "<script>alert(2)</script>", publicKey: "00", keyid: "00", primary: true });
  inventory.close();
  // A vehicle reports an installed image named like markup.
  const director = openDirector(world.dir);
  try {
    report(director, vehicles[10]!, { brake: { name: HOSTILE_IMAGE, hardwareId: "brake-ctl", releaseCounter: 1, bytes: Buffer.alloc(10, 7) } });
  } finally {
    director.close();
  }
  // A tier-1 supplier, delegated acme/* for brake controllers, with its portal account.
  const work = await tempDir("uptane-console-suppliers-");
  supplier = { ...(await addSupplier(world.dir, work, "acme")), work };
  // Another site: its page posts a form to the console as soon as it loads.
  attacker = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<!doctype html><form id="f" method="post" action="${world.served.url}/console/alerts/1/acknowledge"><input name="csrf" value="guess"><input name="back" value="/console/alerts"></form><script>document.getElementById("f").submit()</script>`);
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  attackerUrl = `http://localhost:${(attacker.address() as { port: number }).port}/`;
  mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
});

test.after(async () => {
  await browser?.close();
  if (attacker) await close(attacker);
  await close(world.served.server);
  await removeTempDirs();
});

async function userPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // Generous: a promotion re-signs every vehicle's targets, slow on a loaded machine (nothing here asserts a time).
  page.setDefaultTimeout(180_000);
  // The console asks before promoting, pausing or cancelling (its one script): say yes, and note it.
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.accept();
  });
  return { context, page };
}

async function logIn(page: Page, name: string, password: string): Promise<void> {
  await page.goto(`${world.served.url}/console/`);
  await page.getByLabel("User name").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

function alertAcknowledgedBy(id: number): string | null {
  const inventory = openInventory(world.dir);
  try {
    return inventory.alert(id)!.acknowledged_by;
  } finally {
    inventory.close();
  }
}

/** The recorded progress rows of a campaign (summed over stages), oldest first. */
function progressRows(id: number): Array<{ published: number; installed: number; failed: number; notReporting: number }> {
  const inventory = openInventory(world.dir);
  try {
    return inventory.campaignProgressRows(id, 100).map((r) => ({ published: r.published, installed: r.installed, failed: r.failed, notReporting: r.not_reporting }));
  } finally {
    inventory.close();
  }
}

let manager: Page;
let viewer: Page;

test("log in: a wrong password is refused, the right one opens the fleet", async () => {
  ({ page: manager } = await userPage());
  await logIn(manager, "release-manager", "wrong-password");
  assert.match(await manager.getByRole("alert").innerText(), /Wrong user name or password/);
  await logIn(manager, "release-manager", world.passwords["release-manager"]);
  await manager.waitForURL(/\/console\/fleet$/);
  assert.match(await manager.locator("#fleet-count").innerText(), /^76 vehicle\(s\) match; showing <img src=x onerror=alert\(1\)> to WCONSOLE00049\./);
});

test("fleet: pages forward and back, searches by VIN, filters by open alerts", async () => {
  const rows = () => manager.locator("#fleet-table tbody tr td:first-child a").allInnerTexts();
  const first = await rows();
  assert.is(first.length, 50);
  await manager.getByRole("link", { name: "Next →" }).click();
  const second = await rows();
  assert.equal(second, Array.from({ length: 26 }, (_, i) => vinOf(50 + i)));
  assert.is(await manager.getByRole("link", { name: "Next →" }).count(), 0, "the last page has no next");
  await manager.getByRole("link", { name: "← Previous" }).click();
  assert.equal(await rows(), first);
  await manager.getByLabel("VIN contains").fill("0007");
  await manager.getByRole("button", { name: "Search" }).click();
  assert.equal(await rows(), [vinOf(7), ...Array.from({ length: 6 }, (_, i) => vinOf(70 + i))]);
  await manager.goto(`${world.served.url}/console/fleet`);
  await manager.getByLabel("Alerts").selectOption("open");
  await manager.getByRole("button", { name: "Search" }).click();
  assert.equal(await rows(), [vinOf(1)]);
  await manager.setViewportSize({ width: 1280, height: 900 });
  await manager.goto(`${world.served.url}/console/fleet`);
  await manager.screenshot({ path: join(shots, "console-fleet.png"), fullPage: false });
  await manager.setViewportSize({ width: 390, height: 844 });
  await manager.screenshot({ path: join(shots, "console-fleet-390.png"), fullPage: false });
  await manager.setViewportSize({ width: 1280, height: 900 });
});

test("hostile text in a VIN, a hardware ID and an installed image's name is shown as text: no element, no script", async () => {
  await manager.goto(`${world.served.url}/console/fleet`);
  const cell = manager.locator("#fleet-table tbody tr").first();
  assert.is(await cell.locator("td").first().innerText(), HOSTILE_VIN);
  assert.is(await cell.locator("td").nth(2).innerText(), "<script>alert(2)</script>");
  // The image name: a bar of the chart (SVG text) and a cell of the vehicle's row.
  assert.ok((await manager.locator("svg.chart text").allTextContents()).includes(HOSTILE_IMAGE), "the chart's label");
  await manager.getByLabel("VIN contains").fill(vinOf(11));
  await manager.getByRole("button", { name: "Search" }).click();
  assert.is(await manager.locator("#fleet-table tbody tr td").nth(3).innerText(), HOSTILE_IMAGE);
  assert.is(await manager.locator("main img, main script").count(), 0);
  await manager.goto(`${world.served.url}/console/vehicles/${vinOf(11)}`);
  assert.match(await manager.locator("main").innerText(), /<img src=x onerror=alert\(3\)>/);
  assert.is(await manager.locator("main img, main script").count(), 0);
  assert.equal(dialogs, [], "no script ran");
});

test("the Image repository page renders hostile target names, hardware IDs and paths as text, even with no content security policy", async () => {
  // Published metadata cannot hold these (the loader and `image add` refuse them): the page's
  // template is given them directly and its HTML loaded with no CSP, so only escaping stands.
  const state = await loadPublished(world.dir);
  const hostileHw = "<script>alert(4)</script>";
  state.targets.signed.targets["<img src=x onerror=alert(5)>"] = { length: 1, hashes: { sha256: "00".repeat(32) }, custom: { hardwareIds: [hostileHw], releaseCounter: 1 } };
  state.targets.signed.delegations!.roles[0]!.paths = ["<svg onload=alert(6)>"];
  const session = { tokenSha256: "", csrf: "x", user: { name: "viewer", role: "viewer", password_hash: "", created_at: "", disabled_at: null } } as ConsoleSession;
  const text = consolePage({ title: "Image repository", section: "image", session, content: imageContent({ dir: world.dir, state, pending: [], session, now: new Date(), warnDays: 30 }) }).text;
  const { context, page } = await userPage();
  try {
    await page.setContent(text);
    const row = page.locator("#targets-table tbody tr").filter({ hasText: "alert(5)" });
    assert.is(await row.locator("td").first().innerText(), "<img src=x onerror=alert(5)>");
    assert.is(await row.locator("td").nth(2).innerText(), hostileHw);
    assert.match(await page.locator("#delegations-table").innerText(), /<svg onload=alert\(6\)>/);
    assert.is(await page.locator("main img, main script, main svg").count(), 0);
    assert.equal(dialogs, [], "no script ran");
  } finally {
    await context.close();
  }
});

test("a viewer sees no Acknowledge button, and its POST with a valid session and token is refused", async () => {
  ({ page: viewer } = await userPage());
  await logIn(viewer, "viewer", world.passwords.viewer);
  await viewer.waitForURL(/\/console\/fleet$/);
  await viewer.goto(`${world.served.url}/console/alerts`);
  assert.match(await viewer.locator("#alerts-count").innerText(), /^1 open alert/);
  assert.is(await viewer.getByRole("button", { name: /Acknowledge/ }).count(), 0);
  const status = await viewer.evaluate(async () => {
    const csrf = (document.querySelector('input[name="csrf"]') as HTMLInputElement).value;
    const r = await fetch("/console/alerts/1/acknowledge", { method: "POST", body: new URLSearchParams({ csrf }) });
    return r.status;
  });
  assert.is(status, 403);
  assert.is(alertAcknowledgedBy(1), null);
});

test("a form another site posts to the console is refused, with nothing changed", async () => {
  const response = await Promise.all([manager.waitForURL(/\/console\/alerts\/1\/acknowledge$/), manager.goto(attackerUrl)]).then(() => manager.locator("main").innerText());
  assert.match(response, /Not done/);
  assert.match(response, /nothing was done/);
  assert.is(alertAcknowledgedBy(1), null);
});

test("a release manager acknowledges an alert with its button", async () => {
  await manager.goto(`${world.served.url}/console/alerts`);
  await manager.getByRole("button", { name: "Acknowledge alert 1" }).click();
  await manager.waitForURL(/notice=acknowledged/);
  assert.match(await manager.getByRole("status").innerText(), /Alert 1 acknowledged/);
  assert.is(alertAcknowledgedBy(1), "release-manager");
  await manager.screenshot({ path: join(shots, "console-alerts.png"), fullPage: false });
});

test("a campaign: created for reserved vehicles, its chart moves as they report, promoted, then halted at its failure threshold", async () => {
  const [brake1, brake2] = [FLEET_IMAGES[0]!, FLEET_IMAGES[1]!];
  await manager.goto(`${world.served.url}/console/campaigns`);
  await manager.getByLabel(/^Target/).fill(brake2.name);
  await manager.getByLabel("Hardware ID", { exact: true }).fill(brake2.hardwareId);
  await manager.getByLabel(/^Reserved vehicles/).fill(`${vinOf(1)}, ${vinOf(2)}, ${vinOf(3)}, ${vinOf(4)}`);
  await manager.getByLabel(/^Halt at this many failures/).fill("2");
  await manager.getByRole("button", { name: "Create campaign" }).click();
  await manager.waitForURL(/\/console\/campaigns\/\d+\?notice=campaign/);
  const campaignUrl = manager.url().replace(/\?.*$/, "");
  const campaignId = () => Number(/\/campaigns\/(\d+)$/.exec(campaignUrl)![1]);
  const counts = () => manager.locator("#campaign-counts").innerText();
  const legend = (series: string) => manager.locator(`svg.chart g.series-${series} text`).textContent();
  assert.match(await counts(), /not confirmed yet 4, installed 0, failed 0/);
  assert.is(await legend("installed"), "installed 0");
  const director = openDirector(world.dir);
  try {
    // Two of the four report the new image installed: the chart moves.
    for (const v of vehicles.slice(0, 2)) report(director, v, { brake: brake2 });
    await manager.reload();
    assert.match(await counts(), /not confirmed yet 2, installed 2, failed 0/);
    assert.is(await legend("installed"), "installed 2");
    assert.is(await legend("published"), "published 4");
    assert.is(await legend("silent"), "silent 0", "every vehicle reported within the day");
    // The two others fall silent (no manifest for two days); the server's upkeep records it.
    const inventory = openInventory(world.dir);
    try {
      inventory.sql.run("UPDATE vehicles SET last_manifest_at = ? WHERE vin IN (?, ?)", ["2026-01-01T00:00:00Z", vinOf(3), vinOf(4)]);
    } finally {
      inventory.close();
    }
    await world.served.upkeep();
    const recorded = progressRows(campaignId());
    assert.equal(recorded[0], { published: 4, installed: 0, failed: 0, notReporting: 0 }, "recorded at creation");
    assert.equal(recorded.at(-1), { published: 2, installed: 2, failed: 0, notReporting: 2 }, "recorded by the upkeep");
    await manager.reload();
    assert.is(await legend("silent"), "silent 2");
    // A viewer sees the campaign without its buttons, and its POST is refused.
    await viewer.goto(campaignUrl);
    assert.is(await viewer.locator("#campaign-controls").count(), 0);
    const status = await viewer.evaluate(async (url) => {
      const csrf = (document.querySelector('input[name="csrf"]') as HTMLInputElement).value;
      return (await fetch(`${url}/pause`, { method: "POST", body: new URLSearchParams({ csrf }) })).status;
    }, campaignUrl);
    assert.is(status, 403);
    // Promote: every other vehicle with a brake controller.
    await manager.getByRole("button", { name: "Promote to all vehicles" }).click();
    await manager.waitForURL(/notice=promote/);
    assert.match(await manager.getByRole("status").innerText(), /promoted to every vehicle/);
    assert.match(await manager.locator("#stages-table").innerText(), /all vehicles\t71\t/);
    await manager.screenshot({ path: join(shots, "console-campaign.png"), fullPage: false });
    // Two vehicles of the second stage fail the install: the threshold halts the campaign.
    for (const v of vehicles.slice(4, 6)) report(director, v, { brake: brake1, failedInstall: brake2 });
  } finally {
    director.close();
  }
  await manager.reload();
  assert.match(await manager.locator("h1").innerText(), /halted/);
  assert.match(await manager.locator("main").innerText(), /halted: 2 failure\(s\) of 71 in stage all/);
  assert.is(await legend("failed"), "failed 2");
  assert.is(await manager.getByRole("button", { name: "Resume" }).count(), 1);
  await manager.goto(`${world.served.url}/console/alerts`);
  assert.match(await manager.locator("table.alerts").innerText(), /campaign-halted/);
});

test("the image repository page shows each role's version and expiry", async () => {
  await manager.goto(`${world.served.url}/console/image`);
  const roles = await manager.locator("#roles-table tbody tr td:first-child").allInnerTexts();
  assert.equal(roles.slice(0, 4), ["root", "targets", "snapshot", "timestamp"]);
  assert.equal(await manager.locator("#targets-table tbody tr td:first-child").allInnerTexts(), FLEET_IMAGES.map((i) => i.name));
  assert.match(await manager.locator("#delegations-table").innerText(), /acme\ttargets\tacme\/\*\tbrake-ctl/);
  await manager.goto(`${world.served.url}/console/vehicles/${vinOf(1)}`);
  await manager.screenshot({ path: join(shots, "console-vehicle.png"), fullPage: true });
});

test("a supplier submission: the release manager confirms its out-of-band SHA-256 and approves it, and the image is published; a viewer has no button and its POST is refused", async () => {
  const signed = await signedBundle({ work: supplier.work, suppliers: { acme: supplier.folder, bravo: "" } }, "acme", "acme/brake-9.0.bin", Buffer.alloc(600, 9), "brake-ctl", 9);
  const upload = await portal(world.served.url, world.ca, "submissions", supplier.account, { method: "POST", body: readFileSync(signed.bundle) });
  assert.is(upload.status, 202, upload.text());
  const id = upload.json().submission.id as number;
  // The viewer sees it waiting, with its hash, and no way to approve it.
  await viewer.goto(`${world.served.url}/console/image`);
  const viewerRow = viewer.locator("#submissions-table tbody tr").filter({ hasText: signed.sha256 });
  assert.is(await viewerRow.count(), 1);
  assert.is(await viewer.getByRole("button", { name: "Approve" }).count(), 0);
  const refused = await viewer.evaluate(
    async ([id, sha]) => {
      const csrf = (document.querySelector('input[name="csrf"]') as HTMLInputElement).value;
      const r = await fetch(`/console/submissions/${id}/approve`, { method: "POST", body: new URLSearchParams({ csrf, expectSha256: sha! }) });
      return { status: r.status, text: await r.text() };
    },
    [String(id), signed.sha256],
  );
  assert.is(refused.status, 403);
  assert.match(refused.text, /only a release-manager or above may approve supplier submission/);
  // The release manager: the row shows the bundle's SHA-256 to compare with what the supplier said.
  await manager.goto(`${world.served.url}/console/image`);
  const row = manager.locator("#submissions-table tbody tr").filter({ hasText: `acme/brake-9.0.bin` });
  assert.is(await row.locator("td").nth(4).innerText(), signed.sha256);
  await manager.screenshot({ path: join(shots, "console-image.png"), fullPage: false });
  // A wrong hash is refused with nothing published.
  await row.getByLabel("SHA-256 the supplier confirmed out of band").fill("a".repeat(64));
  await row.getByRole("button", { name: "Approve" }).click();
  await manager.waitForURL(/\/console\/submissions\/\d+\/approve$/);
  assert.match(await manager.locator("main").innerText(), /not the a{64} confirmed out of band/);
  // The hash the supplier confirmed by another channel (as `supplier sign` printed it).
  await manager.goto(`${world.served.url}/console/image`);
  const again = manager.locator("#submissions-table tbody tr").filter({ hasText: `acme/brake-9.0.bin` });
  await again.getByLabel("SHA-256 the supplier confirmed out of band").fill(signed.sha256);
  const asked = dialogs.length;
  await again.getByRole("button", { name: "Approve" }).click();
  await manager.waitForURL(/notice=approved/);
  assert.match(dialogs[asked] ?? "", new RegExp(`Publish submission ${id}\\?`), "the console asked first");
  assert.match(await manager.getByRole("status").innerText(), new RegExp(`Submission ${id} approved and published`));
  assert.ok((await manager.locator("#targets-table tbody tr td:first-child").allInnerTexts()).includes("acme/brake-9.0.bin"), "the image is in the Image repository");
  assert.is(await manager.locator("#submissions-table").count(), 0, "nothing waits any more");
  assert.ok((await manager.locator("#roles-table tbody tr td:first-child").allInnerTexts()).includes("acme"), "the supplier's role is published");
});

test("an administrator adds a user (its password shown once) and disables it, ending its session; others have no Users page", async () => {
  const { context, page: admin } = await userPage();
  await logIn(admin, "admin", world.passwords.admin);
  await admin.waitForURL(/\/console\/fleet$/);
  await admin.getByRole("link", { name: "Users" }).click();
  await admin.getByLabel(/^User name/).fill("late-shift");
  await admin.getByLabel("Role").selectOption("release-manager");
  await admin.getByRole("button", { name: "Add user" }).click();
  const password = await admin.locator("#new-password").innerText();
  assert.match(password, /^[A-Za-z0-9_-]{32}$/);
  await admin.screenshot({ path: join(shots, "console-users.png"), fullPage: false });
  const { context: other, page: late } = await userPage();
  try {
    await logIn(late, "late-shift", password);
    await late.waitForURL(/\/console\/fleet$/);
    assert.is(await late.getByRole("link", { name: "Users" }).count(), 0, "a release manager has no Users link");
    const status = await late.evaluate(async () => (await fetch("/console/users")).status);
    assert.is(status, 403);
    await admin.goto(`${world.served.url}/console/users`);
    assert.is(await admin.locator("#new-password").count(), 0, "the password is not shown again");
    await admin.getByRole("button", { name: "Disable user late-shift" }).click();
    await admin.waitForURL(/notice=disabled/);
    assert.match(await admin.getByRole("status").innerText(), /User late-shift disabled/);
    await late.reload();
    await late.waitForURL(/\/console\/login$/);
  } finally {
    await other.close();
    await context.close();
  }
});

test("a user changes its password with its current one: the new one is shown once, its other sessions end, this browser stays logged in", async () => {
  const { context, page } = await userPage();
  try {
    await logIn(page, "viewer", world.passwords.viewer);
    await page.waitForURL(/\/console\/fleet$/);
    await page.getByRole("link", { name: "viewer (viewer)" }).click();
    await page.getByLabel("Current password").fill("not-my-password");
    await page.getByRole("button", { name: "Make a new password" }).click();
    assert.match(await page.getByRole("alert").innerText(), /password is unchanged/);
    await page.goto(`${world.served.url}/console/account`);
    await page.getByLabel("Current password").fill(world.passwords.viewer);
    await page.getByRole("button", { name: "Make a new password" }).click();
    const password = await page.locator("#new-password").innerText();
    assert.match(password, /^[A-Za-z0-9_-]{32}$/);
    await page.screenshot({ path: join(shots, "console-account.png"), fullPage: false });
    await page.goto(`${world.served.url}/console/alerts`);
    assert.match(page.url(), /\/console\/alerts$/, "this browser is still logged in");
    await viewer.reload();
    assert.match(viewer.url(), /\/console\/login$/, "the viewer's other session ended");
    world.passwords.viewer = password;
    await logIn(viewer, "viewer", password);
    await viewer.waitForURL(/\/console\/fleet$/);
  } finally {
    await context.close();
  }
});

test("the keyboard alone: Tab to the login form, submit it, reach a section through the navigation, with a visible focus", async () => {
  const { context, page } = await userPage();
  try {
    await page.goto(`${world.served.url}/console/login`);
    const focused = () => page.evaluate(() => ({ id: document.activeElement?.id ?? "", text: (document.activeElement as HTMLElement | null)?.innerText ?? "", outline: document.activeElement ? getComputedStyle(document.activeElement).outlineStyle : "none" }));
    const tabTo = async (match: (f: { id: string; text: string }) => boolean, what: string) => {
      for (let i = 0; i < 15 && !match(await focused()); i++) await page.keyboard.press("Tab");
      const f = await focused();
      assert.ok(match(f), `${what} reached with Tab`);
      assert.is.not(f.outline, "none", `${what} shows its focus`);
    };
    await tabTo((f) => f.id === "name", "the user name field");
    await page.keyboard.type("release-manager");
    await page.keyboard.press("Tab");
    assert.is((await focused()).id, "password");
    await page.keyboard.type(world.passwords["release-manager"]);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/console\/fleet$/);
    await page.keyboard.press("Tab");
    assert.is((await focused()).text, "Skip to content", "the first stop is the skip link");
    await tabTo((f) => f.text === "Alerts", "the Alerts link");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/console\/alerts$/);
    await tabTo((f) => f.id === "a-vin", "the alerts filter");
  } finally {
    await context.close();
  }
});

test("axe-core finds no serious or critical violation on any main page at 1280 and 390 pixels wide", async () => {
  // The console's CSP refuses inline scripts, and axe is injected as one: this context bypasses the CSP.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(120_000);
  const found: Array<{ url: string; width: number; id: string; impact: string; nodes: string[] }> = [];
  let checked = 0;
  const check = async (url: string) => {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await page.goto(`${world.served.url}${url}`);
      await page.addScriptTag({ path: AXE_SOURCE });
      const violations = await page.evaluate(async () => {
        const w = window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown[] }> }> }> } };
        return (await w.axe.run(document, { resultTypes: ["violations"] })).violations.map((v) => ({ id: v.id, impact: v.impact ?? "", nodes: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) }));
      });
      checked++;
      for (const v of violations) found.push({ url, width, ...v });
    }
  };
  try {
    await check("/console/login");
    await logIn(page, "admin", world.passwords.admin);
    await page.waitForURL(/\/console\/fleet$/);
    const campaign = Number(await page.evaluate(async () => /\/console\/campaigns\/(\d+)/.exec(await (await fetch("/console/campaigns")).text())?.[1] ?? "1"));
    for (const url of ["/console/fleet", `/console/vehicles/${vinOf(1)}`, "/console/campaigns", `/console/campaigns/${campaign}`, "/console/image", "/console/alerts?state=all", "/console/users", "/console/account"]) await check(url);
  } finally {
    await context.close();
  }
  const serious = found.filter((v) => v.impact === "serious" || v.impact === "critical");
  const others = [...new Set(found.filter((v) => !serious.includes(v)).map((v) => `${v.id} (${v.impact})`))];
  console.log(`axe-core ${AXE_VERSION}: ${checked} page views, ${serious.length} serious or critical violation(s), others: ${others.join(", ") || "none"}`);
  assert.equal(serious.map((v) => `${v.url} at ${v.width}: ${v.id} (${v.impact}) ${v.nodes.join(" ")}`), [], "serious or critical accessibility violations");
});

test.run();
