// What a Primary can check when it is provisioned (Uptane 5.4.1), before anything is pinned,
// instead of failing at its first cycle: each root verifies by its own threshold (loaded
// into the verification module, which checks it), each belongs to its repository (the
// Director root lists the time server's role, which the Primary needs for time attestations;
// the Image root lists none), and the identity follows the one rule of model/identifiers.ts.
import { isEcuSerial, isHardwareId, isVin } from "../../model/identifiers.ts";
import { VerificationError } from "../../model/outcome.ts";
import { fullVerifierFactory } from "./full-verifier.ts";
import type { VerifierFactory } from "./verifier-port.ts";

export class ProvisioningError extends Error {
  constructor(
    readonly code: "invalid-vin" | "invalid-serial" | "invalid-hardware-id" | "invalid-root" | "unsupported-mapping" | "no-time",
    message: string,
  ) {
    super(message);
  }
}

export interface Provisioning {
  directorRoot: Uint8Array;
  imageRoot: Uint8Array;
  vin: string;
  serial: string;
  hardwareId: string;
  vehicleEcus: string[];
}

/** Throws ProvisioningError naming what is wrong; returns when the Primary may be provisioned with `p`. */
export function checkProvisioning(p: Provisioning, makeVerifier: VerifierFactory = fullVerifierFactory): void {
  if (!isVin(p.vin)) throw new ProvisioningError("invalid-vin", `VIN '${p.vin}' must be 1-64 of A-Z a-z 0-9 _ - (the Director's rule)`);
  for (const serial of [p.serial, ...p.vehicleEcus]) {
    if (!isEcuSerial(serial)) throw new ProvisioningError("invalid-serial", `ECU serial '${serial}' must be 1-64 of A-Z a-z 0-9 . _ -`);
  }
  if (!isHardwareId(p.hardwareId)) throw new ProvisioningError("invalid-hardware-id", `hardware ID '${p.hardwareId}' must be 1-64 of A-Z a-z 0-9 . _ -`);
  // Read without trusting it, only to say which repository a root is for; the module checks it below.
  const listsTimeserver = (bytes: Uint8Array): boolean | null => {
    try {
      const roles = JSON.parse(Buffer.from(bytes).toString("utf8"))?.signed?.roles;
      return typeof roles === "object" && roles !== null ? Object.hasOwn(roles, "timeserver") : null;
    } catch {
      return null;
    }
  };
  const director = listsTimeserver(p.directorRoot);
  const image = listsTimeserver(p.imageRoot);
  if (director === null) throw new ProvisioningError("invalid-root", "the Director root is not a root document (no signed.roles)");
  if (image === null) throw new ProvisioningError("invalid-root", "the Image root is not a root document (no signed.roles)");
  if (!director && image) throw new ProvisioningError("invalid-root", "the Director and Image roots are swapped: the one given as the Image root lists the time server's role");
  if (!director) throw new ProvisioningError("invalid-root", "the Director root lists no timeserver role: it is not a Director root (an Image repository's?)");
  if (image) throw new ProvisioningError("invalid-root", "the Image root lists a timeserver role: it is a Director root, not the Image repository's");
  try {
    makeVerifier({ directorRoot: p.directorRoot, imageRoot: p.imageRoot, ecu: { serial: p.serial, hardwareId: p.hardwareId, installedReleaseCounter: 0 }, vin: p.vin, vehicleEcus: p.vehicleEcus }, null);
  } catch (e) {
    if (e instanceof VerificationError) throw new ProvisioningError("invalid-root", `the ${e.context.repo === "image" ? "Image" : "Director"} root does not verify: ${e.message}`);
    throw e;
  }
}
