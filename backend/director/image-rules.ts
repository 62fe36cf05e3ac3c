// Dependencies and conflicts between images for different ECUs of one vehicle (README
// "Dependencies and conflicts"; Deployment Best Practices, "Normal operating procedures":
// the inventory records them, the Director enforces them). A rule is about image A: A
// requires image B (or any image of hardware ID X at release counter N or above) on
// another ECU of the same vehicle, or A conflicts with image C there. Pure: the state
// goes in, the broken rules come out.
import { isHardwareId, isTargetName } from "../../model/identifiers.ts";
import { Refused } from "./errors.ts";
import type { ImageRuleRow } from "../inventory/inventory.ts";

export type { ImageRuleRow };

/** A rule as it is asked for (CLI, HTTP API): exactly one of `name` or `hardwareId` (with `minReleaseCounter`). */
export interface ImageRuleSpec {
  image: string;
  kind: "requires" | "conflicts";
  name?: string;
  hardwareId?: string;
  minReleaseCounter?: number;
}

/** One ECU of a vehicle with the image it has (installed, or assigned and not yet confirmed). */
export interface EcuImage {
  serial: string;
  hardwareId: string;
  image: string | null;
  releaseCounter: number;
}

export interface Violation {
  rule: ImageRuleRow;
  /** The ECU whose image the rule is about first, then the ECUs it names. */
  ecus: string[];
  detail: string;
}

/** Refuses a rule outside the identifier rules or naming itself (400, nothing stored). */
export function checkRuleSpec(spec: ImageRuleSpec): void {
  if (!isTargetName(spec.image)) throw new Refused(400, "invalid-target-name", `image ${JSON.stringify(spec.image)} is not a valid target name`);
  if (spec.kind !== "requires" && spec.kind !== "conflicts") throw new Refused(400, "invalid-rule", "a rule either requires or conflicts");
  const byName = spec.name !== undefined;
  const byHardware = spec.hardwareId !== undefined;
  if (byName === byHardware) throw new Refused(400, "invalid-rule", "a rule names exactly one other image, or (requires only) a hardware ID with a minimum release counter");
  if (byName) {
    if (!isTargetName(spec.name!)) throw new Refused(400, "invalid-target-name", `image ${JSON.stringify(spec.name)} is not a valid target name`);
    if (spec.name === spec.image) throw new Refused(400, "invalid-rule", `${spec.image} cannot ${spec.kind === "requires" ? "require" : "conflict with"} itself: rules are between images of different ECUs`);
    if (spec.minReleaseCounter !== undefined) throw new Refused(400, "invalid-rule", "a minimum release counter goes with a hardware ID, not an image name");
  } else {
    if (spec.kind !== "requires") throw new Refused(400, "invalid-rule", "a conflict names an image; a hardware ID with a minimum release counter is a requirement");
    if (!isHardwareId(spec.hardwareId!)) throw new Refused(400, "invalid-hardware-id", `hardware ID ${JSON.stringify(spec.hardwareId)} is not valid`);
    if (!Number.isSafeInteger(spec.minReleaseCounter) || spec.minReleaseCounter! < 0) throw new Refused(400, "invalid-rule", "a hardware ID requirement needs a minimum release counter (a non-negative integer)");
  }
}

/** The rule in words, e.g. "rule 3 (a.bin requires b.bin)". */
export function describeRule(r: ImageRuleRow): string {
  const other = r.other_name ?? `an image for ${r.other_hardware_id} at release counter ${r.min_release_counter} or above`;
  return `rule ${r.id} (${r.image} ${r.kind === "requires" ? "requires" : "conflicts with"} ${other})`;
}

/** Every rule the vehicle state breaks. */
export function violations(state: EcuImage[], rules: ImageRuleRow[]): Violation[] {
  const found: Violation[] = [];
  for (const ecu of state) {
    if (ecu.image === null) continue;
    for (const rule of rules) {
      if (rule.image !== ecu.image) continue;
      const others = state.filter((o) => o.serial !== ecu.serial);
      if (rule.kind === "conflicts") {
        for (const o of others.filter((o) => o.image === rule.other_name)) {
          found.push({ rule, ecus: [ecu.serial, o.serial], detail: `${describeRule(rule)}: ECU ${ecu.serial} has ${ecu.image} and ECU ${o.serial} has ${o.image}` });
        }
      } else if (rule.other_name !== null) {
        if (!others.some((o) => o.image === rule.other_name)) found.push({ rule, ecus: [ecu.serial], detail: `${describeRule(rule)}: ECU ${ecu.serial} has ${ecu.image}, no other ECU has ${rule.other_name}` });
      } else {
        const candidates = others.filter((o) => o.hardwareId === rule.other_hardware_id);
        if (!candidates.some((o) => o.releaseCounter >= rule.min_release_counter!)) {
          const which = candidates.length === 0 ? `the vehicle has no other ECU of ${rule.other_hardware_id}` : candidates.map((o) => `ECU ${o.serial} has release counter ${o.releaseCounter}`).join(", ");
          found.push({ rule, ecus: [ecu.serial, ...candidates.map((o) => o.serial)], detail: `${describeRule(rule)}: ECU ${ecu.serial} has ${ecu.image}, ${which}` });
        }
      }
    }
  }
  return found;
}

/** The violations of `after` that `before` did not have (a change is refused only for what it breaks). */
export function newViolations(before: EcuImage[], after: EcuImage[], rules: ImageRuleRow[]): Violation[] {
  const key = (v: Violation) => `${v.rule.id}:${v.ecus.join(",")}`;
  const old = new Set(violations(before, rules).map(key));
  return violations(after, rules).filter((v) => !old.has(key(v)));
}

/** The state with some ECUs' images replaced. */
export function withChanges(state: EcuImage[], changes: Map<string, { image: string; releaseCounter: number }>): EcuImage[] {
  return state.map((e) => {
    const c = changes.get(e.serial);
    return c ? { ...e, image: c.image, releaseCounter: c.releaseCounter } : e;
  });
}

/** The refusal for broken rules: `image-conflict` when a conflict is among them, else `dependency-unmet`; the detail names each rule and its ECUs. */
export function ruleRefusal(vin: string, broken: Violation[]): Refused {
  const code = broken.some((v) => v.rule.kind === "conflicts") ? "image-conflict" : "dependency-unmet";
  const shown = broken.slice(0, 5).map((v) => v.detail).join("; ");
  return new Refused(409, code, `vehicle ${vin} would break ${shown}${broken.length > 5 ? `; and ${broken.length - 5} more` : ""}`);
}
