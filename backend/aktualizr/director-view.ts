// The Director as aktualizr reads it (README "Serving aktualizr"): `N.root.json` (our signed
// root, its signatures re-encoded: same bytes signed) and an unversioned `targets.json`: the
// vehicle's current Director targets with `_type` "Targets", targets naming ECUs by
// `ecuIdentifiers` only, and the bundle's correlation id, signed with the Director's online
// targets key. No timestamp or snapshot: aktualizr reads none from the Director. The
// document is a function of the stored targets version, so a version is always the same bytes.
import { canonicalBytes } from "../../model/canonical-json.ts";
import type { Director } from "../director/director.ts";
import { dialectSignatures, signDialect } from "./dialect-signatures.ts";
import { correlationIdOf } from "./manifest.ts";

interface TargetsDoc {
  signed: { targets: Record<string, { custom: Record<string, unknown> }>; custom?: Record<string, unknown> } & Record<string, unknown>;
}

export class DirectorView {
  private cache = new Map<string, { version: number; keyid: string; bytes: Buffer }>();

  constructor(private readonly director: Director) {}

  /** `N.root.json` in the dialect's encoding, or null when there is no such version. */
  root(version: number): Buffer | null {
    const bytes = this.director.rootFile(version);
    if (!bytes) return null;
    const doc = JSON.parse(bytes.toString("utf8")) as { signed: unknown; signatures: Array<{ keyid: string; sig: string }> };
    return canonicalBytes({ signatures: dialectSignatures(doc.signatures), signed: doc.signed });
  }

  /** The vehicle's current targets in the dialect (re-signed by the Director first when half its lifetime is gone). */
  targets(vin: string): Buffer | null {
    this.director.refresh(vin);
    const row = this.director.inventory.latestMetadata(vin, "targets");
    if (!row) return null;
    // The online targets key of the newest Director root (a rotation changes it).
    const key = this.director.keyring.current().targets;
    const cached = this.cache.get(vin);
    if (cached?.version === row.version && cached.keyid === key.keyid) return cached.bytes;
    const doc = JSON.parse(row.json) as TargetsDoc;
    const targets: Record<string, unknown> = {};
    for (const [name, t] of Object.entries(doc.signed.targets)) {
      // The Image repository's hardwareIds stay there: with both, aktualizr matches no Image target.
      const { hardwareIds: _, ...custom } = t.custom;
      targets[name] = { ...t, custom };
    }
    const bundle = Math.max(0, ...this.director.inventory.assignmentsOf(vin).map((a) => a.bundle ?? 0));
    const signed = { ...doc.signed, _type: "Targets", targets, custom: { ...(doc.signed.custom ?? {}), correlationId: correlationIdOf(bundle) } };
    const bytes = canonicalBytes(signDialect(signed, [key]));
    this.cache.set(vin, { version: row.version, keyid: key.keyid, bytes });
    return bytes;
  }
}
