// Campaigns you can watch and halt (README "Campaigns"): status per stage and per vehicle,
// promote from the reserved group, pause and resume, an automatic halt at the failure
// threshold with an alert, a cancel that leaves no target in the next metadata, and the
// progress over time recorded as the counts change (the console's chart).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DirectorFixture, ecuReport, installedOf, refusal, vehicleManifest, type TestVehicle } from "./fixture.ts";
import { targetEntriesOf } from "../../backend/director/publisher.ts";
import { campaignStatus } from "../../backend/director/campaign-status.ts";
import { progressSeries } from "../../backend/director/campaign-progress.ts";
import type { ImageTarget } from "../../backend/director/image-targets.ts";

const test = suite<{ f: DirectorFixture; cars: TestVehicle[]; fw: ImageTarget }>("director campaign control");

test.before.each((ctx) => {
  ctx.f = new DirectorFixture();
  ctx.cars = ["C1", "C2", "C3", "C4", "C5"].map((vin) => ctx.f.addVehicle(vin, 1)); // each: VIN-P (hw-primary), VIN-S1 (hw-1)
  ctx.fw = ctx.f.images.add("fw-2.bin", ["hw-1"], 2);
});
test.after.each(async (ctx) => {
  await ctx.f.close();
});

function targetsOf(f: DirectorFixture, vin: string): string[] {
  return targetEntriesOf(f.director.inventory.latestMetadata(vin, "targets")!).map((e) => e.name);
}

function status(f: DirectorFixture, id: number, vehicles?: { after?: number; limit: number }) {
  return campaignStatus(f.director.inventory, id, { silentSince: "2000-01-01T00:00:00Z", vehicles });
}

function reportFailure(f: DirectorFixture, car: TestVehicle): void {
  const s1 = car.ecus[1]!;
  const report = ecuReport(s1, { lastInstall: { filename: "fw-2.bin", success: false, code: "LengthOrHashMismatch", detail: "image hash differs" } });
  f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car, { reports: { [s1.serial]: report } }))));
}

function reportInstalled(f: DirectorFixture, car: TestVehicle, fw: ImageTarget): void {
  const s1 = car.ecus[1]!;
  f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car, { reports: { [s1.serial]: ecuReport(s1, { installed: installedOf(fw), releaseCounter: 2 }) } }))));
}

test("status per stage and per vehicle, then promote from the reserved group to all", async ({ f, cars, fw }) => {
  const r = await f.director.campaign("hw-1", "fw-2.bin", ["C1", "C2"]);
  reportInstalled(f, cars[0]!, fw);
  reportFailure(f, cars[1]!);
  let s = status(f, r.campaignId, { limit: 10 });
  assert.equal(s.stages.map((x) => [x.stage, x.assigned, x.installed, x.failed, x.published]), [["group", 2, 1, 1, 0]]);
  assert.equal(s.vehicles!.map((v) => [v.vin, v.status, v.code]), [["C1", "installed", "Ok"], ["C2", "failed", "LengthOrHashMismatch"]]);
  assert.ok(s.vehicles!.every((v) => v.lastManifestAt !== null), "each vehicle's last manifest time");
  assert.equal(targetsOf(f, "C3"), []);

  const p = await f.director.promoteCampaign(r.campaignId);
  assert.is(p.stage, "all");
  assert.equal(p.assigned.map((a) => a.vin).sort(), ["C2", "C3", "C4", "C5"], "C2's failed install is assigned again; C1 has it");
  assert.equal(targetsOf(f, "C3"), ["fw-2.bin"]);
  s = status(f, r.campaignId);
  assert.is(s.campaign.stage, "all");
  assert.equal(s.stages.map((x) => [x.stage, x.assigned, x.published, x.notReporting]), [["group", 2, 0, 0], ["all", 4, 4, 3]], "C3-C5 never sent a manifest");
  assert.is((await refusal(f.director.promoteCampaign(r.campaignId))).code, "campaign-not-active");
});

test("a campaign halts itself at its failure threshold, withdraws what is not installed, and alerts", async ({ f, cars, fw }) => {
  const r = await f.director.campaign("hw-1", "fw-2.bin", undefined, { maxFailures: 2 });
  reportInstalled(f, cars[0]!, fw);
  reportFailure(f, cars[1]!);
  assert.is(status(f, r.campaignId).campaign.state, "active", "one failure is below the threshold");
  assert.equal(targetsOf(f, "C4"), ["fw-2.bin"]);
  reportFailure(f, cars[2]!);
  const s = status(f, r.campaignId);
  assert.is(s.campaign.state, "halted");
  assert.match(s.campaign.stateDetail!, "2 failure(s) of 5 in stage all");
  assert.equal(targetsOf(f, "C4"), [], "C4 and C5 no longer see the image");
  assert.equal(targetsOf(f, "C5"), []);
  assert.equal(targetsOf(f, "C1"), ["fw-2.bin"], "an installed image stays in its targets");
  assert.equal(s.stages.map((x) => [x.installed, x.failed, x.queued, x.published]), [[1, 2, 2, 0]]);
  const alerts = f.director.inventory.backendAlerts().filter((a) => a.kind === "campaign-halted");
  assert.is(alerts.length, 1);
  assert.match(alerts[0]!.detail, `campaign ${r.campaignId}`);
  // Vehicles keep reporting: the halt holds.
  reportInstalled(f, cars[0]!, fw);
  assert.equal(targetsOf(f, "C4"), []);
  // Resumed by an operator, the waiting assignments go out again.
  f.director.resumeCampaign(r.campaignId);
  assert.equal(targetsOf(f, "C4"), ["fw-2.bin"]);
  assert.is(status(f, r.campaignId).campaign.state, "active");
});

test("a percentage threshold halts at that share of the stage's assignments", async ({ f, cars }) => {
  const r = await f.director.campaign("hw-1", "fw-2.bin", undefined, { maxFailurePercent: 40 });
  reportFailure(f, cars[0]!);
  assert.is(status(f, r.campaignId).campaign.state, "active", "1 of 5 is 20%");
  reportFailure(f, cars[1]!);
  assert.is(status(f, r.campaignId).campaign.state, "halted", "2 of 5 is 40%");
});

test("a cancelled campaign leaves no target in the next metadata, and stays cancelled", async ({ f, cars, fw }) => {
  const r = await f.director.campaign("hw-1", "fw-2.bin");
  const versions = cars.map((c) => f.director.inventory.latestMetadata(c.vin, "targets")!.version);
  const c = f.director.cancelCampaign(r.campaignId);
  assert.is(c.withdrawn, 5);
  for (const [i, car] of cars.entries()) {
    const row = f.director.inventory.latestMetadata(car.vin, "targets")!;
    assert.ok(row.version > versions[i]!, "new targets signed");
    assert.equal(targetEntriesOf(row), [], `${car.vin}: no target`);
  }
  // The vehicles' next manifests bring nothing back.
  for (const car of cars) f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car))));
  for (const car of cars) assert.equal(targetsOf(f, car.vin), []);
  assert.equal(status(f, r.campaignId).stages.map((x) => [x.withdrawn, x.published]), [[5, 0]]);
  assert.is((await refusal(Promise.resolve().then(() => f.director.resumeCampaign(r.campaignId)))).code, "campaign-not-active");
  void fw;
});

test("pause withdraws what is not installed until resume; promote is refused while paused", async ({ f, cars, fw }) => {
  const r = await f.director.campaign("hw-1", "fw-2.bin", ["C1", "C2"]);
  reportInstalled(f, cars[0]!, fw);
  const p = f.director.pauseCampaign(r.campaignId, "image under review");
  assert.is(p.withdrawn, 1);
  assert.equal(targetsOf(f, "C2"), []);
  assert.equal(targetsOf(f, "C1"), ["fw-2.bin"]);
  assert.is(status(f, r.campaignId).campaign.stateDetail, "image under review");
  assert.is((await refusal(f.director.promoteCampaign(r.campaignId))).code, "campaign-not-active");
  assert.is((await refusal(Promise.resolve().then(() => f.director.pauseCampaign(r.campaignId)))).code, "campaign-not-active");
  f.director.resumeCampaign(r.campaignId);
  assert.equal(targetsOf(f, "C2"), ["fw-2.bin"]);
  assert.equal(f.director.campaignsNaming("fw-2.bin").map((c) => c.id), [r.campaignId]);
});

test("the per-vehicle status pages through the campaign", async ({ f }) => {
  const r = await f.director.campaign("hw-1", "fw-2.bin");
  const first = status(f, r.campaignId, { limit: 2 });
  assert.equal(first.vehicles!.map((v) => v.vin), ["C1", "C2"]);
  const second = status(f, r.campaignId, { after: first.nextAfter!, limit: 2 });
  assert.equal(second.vehicles!.map((v) => v.vin), ["C3", "C4"]);
  const last = status(f, r.campaignId, { after: second.nextAfter!, limit: 2 });
  assert.equal(last.vehicles!.map((v) => v.vin), ["C5"]);
  assert.is(last.nextAfter, null);
});

test("progress over time is recorded as the counts change: at each action, on manifests at most once a minute, on the upkeep; the chart's series reads the rows", async ({ f, cars, fw }) => {
  let now = new Date("2026-03-01T10:00:00Z");
  const at = (seconds: number) => (now = new Date(Date.parse("2026-03-01T10:00:00Z") + seconds * 1000));
  f.reopen({ clock: () => now });
  const r = await f.director.campaign("hw-1", "fw-2.bin", ["C1", "C2", "C3"]);
  const rows = () => f.director.inventory.campaignProgressRows(r.campaignId, 100).map((x) => [x.at.slice(11, 19), x.stage, x.queued, x.published, x.installed, x.failed, x.withdrawn, x.not_reporting]);
  assert.equal(rows(), [["10:00:00", "group", 0, 3, 0, 0, 0, 3]], "at creation: three published, on vehicles that never reported");
  at(10);
  reportInstalled(f, cars[0]!, fw);
  assert.is(rows().length, 1, "a manifest within the minute records nothing");
  at(90);
  reportFailure(f, cars[1]!);
  // C3 reports without the image: no longer silent.
  f.director.receiveManifest("C3", Buffer.from(JSON.stringify(vehicleManifest(cars[2]!))));
  assert.equal(rows().slice(1), [["10:01:30", "group", 0, 1, 1, 1, 0, 1]], "the failure's manifest recorded (C3's came within the minute)");
  at(100);
  assert.is(f.director.recordCampaignProgress(), 1, "the upkeep records what the throttle left out");
  assert.equal(rows().at(-1), ["10:01:40", "group", 0, 1, 1, 1, 0, 0]);
  assert.is(f.director.recordCampaignProgress(), 0, "nothing changed: no row");
  at(2 * 86_400);
  assert.is(f.director.recordCampaignProgress(), 1, "two days on, C3 is silent: time alone changed a count");
  assert.equal(rows().at(-1)!.slice(1), ["group", 0, 1, 1, 1, 0, 1]);
  at(2 * 86_400 + 5);
  await f.director.promoteCampaign(r.campaignId);
  assert.equal(rows().at(-1), ["10:00:05", "all", 0, 3, 0, 0, 0, 3], "the promotion records the new stage: C2 again, C4, C5");
  at(2 * 86_400 + 6);
  f.director.pauseCampaign(r.campaignId);
  const paused = rows().slice(-2);
  assert.equal(paused.map((x) => x.slice(1)), [["group", 1, 0, 1, 1, 0, 0], ["all", 3, 0, 0, 0, 0, 0]], "a pause takes back what was published: recorded in the pause itself");
  // The chart: one point per time, the stages summed, each stage's last row holding.
  const series = progressSeries(f.director.inventory, r.campaignId, null);
  assert.is(series.times.length, 6);
  assert.equal(series.published, [3, 3, 3, 3, 6, 2], "in targets or confirmed: the promotion adds three, the pause takes four back");
  assert.equal(series.installed, [0, 1, 1, 1, 1, 1]);
  assert.equal(series.failed, [0, 1, 1, 1, 1, 1]);
  assert.equal(series.silent, [3, 1, 0, 1, 4, 0]);
  // The page's current counts as the last point.
  const live = progressSeries(f.director.inventory, r.campaignId, { at: "2026-03-04T00:00:00Z", stages: status(f, r.campaignId).stages });
  assert.is(live.times.at(-1), "2026-03-04T00:00:00Z");
  assert.is(live.published.at(-1), 2);
});

test("the upkeep does not count a campaign again once its recorded counts leave nothing queued or published", async ({ f, cars, fw }) => {
  const r = await f.director.campaign("hw-1", "fw-2.bin", ["C1"]);
  reportInstalled(f, cars[0]!, fw);
  assert.is(f.director.recordCampaignProgress(), 1);
  assert.equal(f.director.inventory.campaignProgressRows(r.campaignId, 10).at(-1)!.installed, 1);
  // Changed behind the Director's back (no action, no manifest): a settled campaign is not counted.
  f.director.inventory.sql.run("UPDATE assignments SET status = 'published' WHERE campaign_id = ?", [r.campaignId]);
  assert.is(f.director.recordCampaignProgress(), 0);
  // An action counts it (and records) whatever the upkeep thought.
  f.director.pauseCampaign(r.campaignId);
  assert.equal(f.director.inventory.campaignProgressRows(r.campaignId, 10).at(-1)!.queued, 1);
});

test.run();
