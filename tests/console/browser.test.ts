// The OEM console in a real browser (README "Backend: OEM console"): Debian's Chromium,
// headless, driven by playwright-core (which downloads no browser), one browser for the
// whole file, each user in a context of its own. A backend with 75 vehicles registered
// through the Director and 40 of them reporting; the tests log in, page and search the
// fleet, show hostile text as text, refuse a viewer's action and another site's form,
// acknowledge an alert, create a campaign for reserved vehicles, watch its progress chart
// move as vehicles report, promote it, and see it halt at its failure threshold. Screenshots of the main pages go to
// $UPTANE_CONSOLE_SCREENSHOTS (default: a folder under the system's temp folder).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type Server } from "node:http";
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { close } from "../../backend/http/server.ts";
import { openInventory } from "../../backend/inventory/location.ts";
import { openDirector } from "../../backend/director/part.ts";
import { consoleWorld, type ConsoleWorld } from "../helpers/console.ts";
import { FLEET_IMAGES, report, seedFleet, vinOf } from "../helpers/console-fleet.ts";
import { removeTempDirs } from "../helpers/image-backend.ts";
import type { TestVehicle } from "../director/fixture.ts";

/** The flags that work on this machine (no sandbox as root, no network beyond loopback). */
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const HOSTILE_VIN = "<img src=x onerror=alert(1)>";

let world: ConsoleWorld;
let vehicles: TestVehicle[];
let browser: Browser;
let attacker: Server;
let attackerUrl: string;
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

test("hostile text in a VIN and a hardware ID is shown as text: no element, no script", async () => {
  await manager.goto(`${world.served.url}/console/fleet`);
  const cell = manager.locator("#fleet-table tbody tr").first();
  assert.is(await cell.locator("td").first().innerText(), HOSTILE_VIN);
  assert.is(await cell.locator("td").nth(2).innerText(), "<script>alert(2)</script>");
  assert.is(await manager.locator("main img, main script").count(), 0);
  assert.equal(dialogs, [], "no script ran");
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
  assert.equal(roles, ["root", "targets", "snapshot", "timestamp"]);
  assert.equal(await manager.locator("#targets-table tbody tr td:first-child").allInnerTexts(), FLEET_IMAGES.map((i) => i.name));
  await manager.screenshot({ path: join(shots, "console-image.png"), fullPage: false });
  await manager.goto(`${world.served.url}/console/vehicles/${vinOf(1)}`);
  await manager.screenshot({ path: join(shots, "console-vehicle.png"), fullPage: true });
});

test.run();
