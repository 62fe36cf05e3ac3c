// The partial-verification rows of the attack catalogue (Uptane 5.4.4.1) as data: each
// builds a simulated vehicle and names the outcome a partial verifier must report. Run
// through the API (partial.test.ts) and through `uptane verify --mode partial`
// (partial-cli.test.ts).
import { keys } from "../sim/repository.ts";
import { VehicleSim, imageBytes } from "../sim/vehicle.ts";
import type { OutcomeName, RepoName } from "../../model/outcome.ts";

export interface PartialRow {
  name: string;
  build(): VehicleSim;
  /** The verifying ECU (default the vehicle's first). */
  serial?(v: VehicleSim): string;
  installedReleaseCounter?: number;
  expect: [OutcomeName, RepoName | null, string | null];
}

export const AT = (v: VehicleSim) => v.now + 60;

export const PARTIAL_ROWS: PartialRow[] = [
  {
    name: "partial: aktualizr dialect: Ok",
    build() {
      const v = VehicleSim.standard({ dialect: "aktualizr" });
      return v;
    },
    expect: ["Ok", null, null],
  },
  {
    name: "partial: no target for this ECU: NoUpdate",
    build() {
      const v = VehicleSim.standard();
      v.director.targets.get("targets")!.delete(v.assignedName());
      return v;
    },
    expect: ["NoUpdate", null, null],
  },
  {
    name: "partial: unsigned Director targets: UnmetThreshold (director targets)",
    build() {
      const v = VehicleSim.standard();
      v.director.signers.targets = [];
      return v;
    },
    expect: ["UnmetThreshold", "director", "targets"],
  },
  {
    name: "partial: duplicate signatures by one key count once toward threshold 2: UnmetThreshold (director targets)",
    build() {
      const v = VehicleSim.standard();
      const two = keys(2);
      v.director.roles.targets = { keys: two, threshold: 2 };
      v.director.repinRoot();
      v.director.signers.targets = [two[0]!, two[0]!];
      return v;
    },
    expect: ["UnmetThreshold", "director", "targets"],
  },
  {
    name: "partial: targets signed by an unknown key: UnmetThreshold (director targets)",
    build() {
      const v = VehicleSim.standard();
      v.director.signers.targets = keys(1);
      return v;
    },
    expect: ["UnmetThreshold", "director", "targets"],
  },
  {
    name: "partial: zero threshold in the provisioned root: InvalidMetadata (director root)",
    build() {
      const v = VehicleSim.standard();
      v.director.roles.targets = { keys: v.director.roles.targets.keys, threshold: 0 };
      v.director.repinRoot();
      v.director.signers.targets = [];
      return v;
    },
    expect: ["InvalidMetadata", "director", "root"],
  },
  {
    name: "partial: expired Director targets: ExpiredMetadata (director targets)",
    build() {
      const v = VehicleSim.standard();
      v.director.expires.targets = AT(v) - 1;
      return v;
    },
    expect: ["ExpiredMetadata", "director", "targets"],
  },
  {
    name: "partial: expired Director root (after a rotation): ExpiredMetadata (director root)",
    build() {
      const v = VehicleSim.standard();
      v.director.expires.root = AT(v) - 1;
      v.director.publishRoot();
      return v;
    },
    expect: ["ExpiredMetadata", "director", "root"],
  },
  {
    name: "partial: targets document with _type snapshot: RoleTypeMismatch (director targets)",
    build() {
      const v = VehicleSim.standard();
      v.director.tamper.targets = (s) => (s._type = "snapshot");
      return v;
    },
    expect: ["RoleTypeMismatch", "director", "targets"],
  },
  {
    name: "partial: root rotation with new targets keys: Ok",
    build() {
      const v = VehicleSim.standard();
      v.director.rotate({ root: 1, targets: 1 });
      v.director.rotate({ root: 1 });
      return v;
    },
    expect: ["Ok", null, null],
  },
  {
    name: "partial: root rotation missing the old root signature: UnmetThreshold (director root)",
    build() {
      const v = VehicleSim.standard();
      v.director.rotate({ root: 1 }, { signWithOld: false });
      return v;
    },
    expect: ["UnmetThreshold", "director", "root"],
  },
  {
    name: "partial: root rotation missing the new root signature: UnmetThreshold (director root)",
    build() {
      const v = VehicleSim.standard();
      v.director.rotate({ root: 1 }, { signWithNew: false });
      return v;
    },
    expect: ["UnmetThreshold", "director", "root"],
  },
  {
    name: "partial: root rotation skipping a version: BadVersion (director root)",
    build() {
      const v = VehicleSim.standard();
      v.director.publishRoot({ version: 3 });
      return v;
    },
    expect: ["BadVersion", "director", "root"],
  },
  {
    name: "partial: root rotation keeping the version: BadVersion (director root)",
    build() {
      const v = VehicleSim.standard();
      v.director.rotate({ targets: 1 }, { version: 1 });
      return v;
    },
    expect: ["BadVersion", "director", "root"],
  },
  {
    name: "partial: Director points this ECU at another hardware type's image: HardwareIdMismatch (director targets)",
    build() {
      const v = VehicleSim.standard();
      const brakes = v.assignedName(v.ecus[1]!.serial);
      v.director.targets.get("targets")!.delete(v.assignedName());
      v.assign(v.primary.serial, brakes, { hardwareId: v.ecus[1]!.hardwareId });
      return v;
    },
    expect: ["HardwareIdMismatch", "director", "targets"],
  },
  {
    name: "partial: release counter lower than the installed one: RollbackAttack (director targets)",
    build() {
      const v = VehicleSim.standard();
      return v;
    },
    installedReleaseCounter: 2,
    expect: ["RollbackAttack", "director", "targets"],
  },
  {
    name: "partial: this ECU named twice in Director targets: EcuMismatch (director targets)",
    build() {
      const v = VehicleSim.standard();
      const name = "hw-primary-2.0.bin";
      v.addImage({ name, bytes: imageBytes(name), hardwareIds: [v.primary.hardwareId], releaseCounter: 2 });
      v.assign(v.primary.serial, name);
      return v;
    },
    expect: ["EcuMismatch", "director", "targets"],
  },
  {
    name: "partial: delegations in Director targets: DelegationError (director targets)",
    build() {
      const v = VehicleSim.standard();
      v.director.delegate({ name: "rogue", keys: keys(1), threshold: 1, paths: ["*"] });
      return v;
    },
    expect: ["DelegationError", "director", "targets"],
  },
  {
    name: "partial: Director targets larger than the 64 KiB partial cap: OversizedMetadata (director targets)",
    build() {
      const v = VehicleSim.standard();
      v.director.tamper.targets = (s) => (s.custom.pad = "x".repeat(65 * 1024));
      return v;
    },
    expect: ["OversizedMetadata", "director", "targets"],
  },
];
