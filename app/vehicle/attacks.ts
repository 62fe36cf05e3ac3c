// The attacks `uptane demo --attack NAME` shows. Each runs the demo's world up to a
// vehicle that has updated once, then the attack in one more update cycle (tampered-image:
// on the brake image's first delivery), and reports which ECU refused it, with which
// outcome, and what every ECU runs before and after.
import type { DirectorTargetEntry } from "../../backend/director/metadata.ts";
import type { ImageFileInfo } from "../../model/manifest-format.ts";
import { DemoWorld, RELEASES, type WorldOptions } from "./demo-world.ts";
import { compromisedDirector, frozenDirectorTimestamp, imageTargetEntry, TamperingLink } from "./intercept.ts";
import { summarise, type EcuSummary } from "./summary.ts";

export interface Attack {
  name: string;
  summary: string;
  /** The ECU that must refuse it and the outcome it must give. */
  expect: { ecu: string; outcome: string };
  run(options: WorldOptions): Promise<AttackResult>;
}

export interface AttackResult {
  attack: string;
  refusedBy: string | null;
  outcome: string;
  detail: string;
  /** ECUs whose installed image changed in the attack cycle. */
  changed: string[];
  /** Refused by the expected ECU with the expected outcome, and nothing of the attacker's installed. */
  caught: boolean;
  before: Record<string, string | null>;
  after: Record<string, string | null>;
  /** The attack cycle, per ECU. */
  summary: EcuSummary[];
}

type Log = (line: string) => void;

function snapshot(world: DemoWorld): Record<string, ImageFileInfo | null> {
  return Object.fromEntries(world.vehicle.installed());
}

function names(installed: Record<string, ImageFileInfo | null>): Record<string, string | null> {
  return Object.fromEntries(Object.entries(installed).map(([k, v]) => [k, v?.filename ?? null]));
}

function sameImage(a: ImageFileInfo | null, b: ImageFileInfo | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The vehicle updated once (brake controllers on 2.0, confirmed); the old brake release and the camera image are signed too. */
async function updatedWorld(options: WorldOptions): Promise<DemoWorld> {
  const world = await DemoWorld.start(options);
  try {
    await world.supplierRelease(RELEASES.brakeOld);
    await world.supplierRelease(RELEASES.brake);
    await world.oemRelease(RELEASES.adas);
    await world.campaign(RELEASES.brake.hardwareId, RELEASES.brake.name);
    await world.cycle();
    await world.cycle();
    return world;
  } catch (e) {
    await world.close();
    throw e;
  }
}

/** Runs the attack cycle and judges it. `allowedChanges`: ECUs that may legitimately install in that cycle. */
async function attackCycle(attack: Attack, world: DemoWorld, allowedChanges: string[] = []): Promise<AttackResult> {
  const log = world.log;
  const before = snapshot(world);
  const report = await world.cycle();
  const after = snapshot(world);
  const refuser = report.ecus.find((e) => e.serial === report.refusedBy);
  const outcome = report.refusedBy === world.config.primary.serial ? report.outcome : (refuser?.outcome ?? "none");
  // The Primary's refusal message starts with the outcome's name already.
  const detail = report.refusedBy === world.config.primary.serial ? report.detail.replace(`${outcome} `, "") : (refuser?.detail ?? "");
  const changed = Object.keys(after).filter((serial) => !sameImage(before[serial] ?? null, after[serial] ?? null));
  const caught = report.refusedBy === attack.expect.ecu && outcome === attack.expect.outcome && changed.every((s) => allowedChanges.includes(s));
  log("");
  if (report.refusedBy) log(`CAUGHT: ${report.refusedBy} refused the attack with ${outcome}: ${detail}`);
  else log(`NOT CAUGHT: no ECU refused anything in this cycle.`);
  const untouched = Object.keys(after).filter((s) => !changed.includes(s));
  log(`Installed images: ${untouched.length === Object.keys(after).length ? "unchanged on every ECU" : `unchanged on ${untouched.join(", ")}; ${changed.map((s) => `${s} now runs ${after[s]?.filename ?? "nothing"}`).join(", ")}`}.`);
  for (const [serial, image] of Object.entries(after)) log(`  ${serial}: ${image ? image.filename : "nothing installed"}`);
  return { attack: attack.name, refusedBy: report.refusedBy, outcome, detail, changed, caught, before: names(before), after: names(after), summary: summarise([report]) };
}

/** Director metadata signed with the Director's own online keys, listing `edit` of the current targets. */
async function compromisedDirectorAttack(attack: Attack, options: WorldOptions, describe: string, edit: (world: DemoWorld, entries: DirectorTargetEntry[]) => DirectorTargetEntry[]): Promise<AttackResult> {
  const world = await updatedWorld(options);
  try {
    world.log("");
    world.log(`ATTACK (${attack.name}): ${describe}`);
    world.fetcher.intercept = compromisedDirector(world.dir, world.fetcher.inner, world.config.vin, (entries) => edit(world, entries));
    return await attackCycle(attack, world);
  } finally {
    await world.close();
  }
}

/** A Director target for `name` as the Image repository signs it, pointed at `ecus` (serial -> claimed hardware ID). */
function entryFor(world: DemoWorld, name: string, ecus: Record<string, string>): DirectorTargetEntry {
  const image = imageTargetEntry(world.dir, name);
  const ecuIdentifiers = Object.fromEntries(Object.entries(ecus).map(([serial, hardwareId]) => [serial, { hardwareId }]));
  return { name, length: image.length, hashes: image.hashes, custom: { ...image.custom, ecuIdentifiers } };
}

export const ATTACKS: Attack[] = [
  {
    name: "wrong-hardware",
    summary: "a compromised Director points a brake controller at the camera's image (another hardware type)",
    expect: { ecu: "brake-front", outcome: "HardwareIdMismatch" },
    run(options) {
      return compromisedDirectorAttack(
        this,
        options,
        "an attacker holding the Director's online keys signs targets that send the camera's image oem/adas-cam-4.1.bin to brake-front, claiming brake-front is an adas-cam. The Primary cannot know brake-front's hardware; brake-front checks its own.",
        (world) => [entryFor(world, RELEASES.adas.name, { "brake-front": RELEASES.adas.hardwareId })],
      );
    },
  },
  {
    name: "rollback",
    summary: "a compromised Director sends the brake controllers back to an old, still signed release",
    expect: { ecu: "brake-front", outcome: "RollbackAttack" },
    run(options) {
      return compromisedDirectorAttack(
        this,
        options,
        `an attacker holding the Director's online keys assigns the old ${RELEASES.brakeOld.name} (release counter ${RELEASES.brakeOld.releaseCounter}, genuinely signed by the supplier) to both brake controllers, which run release counter ${RELEASES.brake.releaseCounter}.`,
        (world) => [entryFor(world, RELEASES.brakeOld.name, { "brake-front": RELEASES.brake.hardwareId, "brake-rear": RELEASES.brake.hardwareId })],
      );
    },
  },
  {
    name: "freeze",
    summary: "the Director's timestamp is replayed after it expired, to keep the vehicle on old metadata",
    expect: { ecu: "gateway-1", outcome: "ExpiredMetadata" },
    async run(options) {
      const world = await updatedWorld(options);
      try {
        world.log("");
        world.log(`ATTACK (freeze): a man in the middle replays the vehicle's current Director timestamp after it expired, so the vehicle never hears of new updates.`);
        world.fetcher.intercept = frozenDirectorTimestamp(world.dir, world.fetcher.inner, world.config.vin);
        return await attackCycle(this, world);
      } finally {
        await world.close();
      }
    },
  },
  {
    name: "mix-and-match",
    summary: "a compromised Director lists the new brake image's name with the old image's length and hashes",
    expect: { ecu: "gateway-1", outcome: "TargetMismatch" },
    run(options) {
      return compromisedDirectorAttack(
        this,
        options,
        `an attacker holding the Director's online keys lists ${RELEASES.brake.name} for both brake controllers, but with the length and hashes of ${RELEASES.brakeOld.name}: a combination the Image repository never signed.`,
        (world) => {
          const fake = entryFor(world, RELEASES.brake.name, { "brake-front": RELEASES.brake.hardwareId, "brake-rear": RELEASES.brake.hardwareId });
          const old = imageTargetEntry(world.dir, RELEASES.brakeOld.name);
          return [{ ...fake, length: old.length, hashes: old.hashes }];
        },
      );
    },
  },
  {
    name: "tampered-image",
    summary: "an attacker on the classic CAN bus alters the brake image on its way to brake-rear",
    expect: { ecu: "brake-rear", outcome: "LengthOrHashMismatch" },
    async run(options) {
      let tamperer: TamperingLink | null = null;
      const world = await DemoWorld.start({
        ...options,
        wrapLink: (link, spec) => (spec.serial === "brake-rear" ? (tamperer = new TamperingLink(link)) : link),
      });
      try {
        await world.supplierRelease(RELEASES.brake);
        await world.campaign(RELEASES.brake.hardwareId, RELEASES.brake.name);
        world.log("");
        world.log(`ATTACK (tampered-image): a device on brake-rear's classic CAN bus flips one bit of ${RELEASES.brake.name} while the Primary streams it.`);
        const result = await attackCycle(this, world, ["brake-front"]);
        tamperer!.active = false;
        world.log("");
        world.log("The tamperer leaves the bus; the next cycle sends the image again:");
        const again = await world.cycle();
        const rear = again.ecus.find((e) => e.serial === "brake-rear");
        if (rear?.outcome !== "Installed") result.caught = false;
        return result;
      } finally {
        await world.close();
      }
    },
  },
];

/** Runs one attack from the catalogue. */
export function runAttack(attack: Attack, options: WorldOptions = {}): Promise<AttackResult> {
  return attack.run(options);
}

export type { Log };
