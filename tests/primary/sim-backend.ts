// Serves a VehicleSim (tests/sim) through a MemoryFetcher in the agreed HTTP layout: the
// Image repository under /image/, the vehicle's Director under /director/vehicles/VIN/,
// the time server under /time/. Tests change the simulator, call publish(), and break
// single paths on the fetcher.
import { MemoryFetcher } from "../../host/primary/memory-fetcher.ts";
import { SoftwareKeyStore } from "../../host/primary/keystore.ts";
import type { PrimaryConfig } from "../../host/primary/primary.ts";
import { InProcessLink, type SecondaryEndpoint } from "../../host/primary/secondary-link.ts";
import type { Store } from "../../host/primary/store.ts";
import type { RepoSim } from "../sim/repository.ts";
import { hashesOf } from "../sim/repository.ts";
import type { VehicleSim } from "../sim/vehicle.ts";

export class SimBackend {
  readonly fetcher = new MemoryFetcher();
  /** Every manifest the Director received, parsed. */
  readonly manifests: any[] = [];
  /** Every nonce list the time server signed. */
  readonly attestedNonces: string[][] = [];
  readonly sim: VehicleSim;

  /** The sim's Primary ECU fetching from this backend, with a fresh key; `extra` overrides any field. */
  primaryConfig(store: Store, secondaries: SecondaryEndpoint[], extra: Partial<PrimaryConfig> = {}): PrimaryConfig {
    return {
      vin: this.sim.vin,
      serial: this.sim.primary.serial,
      hardwareId: this.sim.primary.hardwareId,
      vehicleEcus: this.sim.ecus.map((e) => e.serial),
      fetcher: this.fetcher,
      store,
      keys: SoftwareKeyStore.generate(),
      secondaries: secondaries.map((s) => new InProcessLink(s)),
      ...extra,
    };
  }

  constructor(sim: VehicleSim) {
    this.sim = sim;
    this.fetcher.handle("POST", "/time/attestation", (req) => {
      const { nonces } = JSON.parse(Buffer.from(req.body!).toString("utf8"));
      this.attestedNonces.push(nonces);
      return { status: 200, body: this.sim.timeAttestation({ nonces }) };
    });
    this.fetcher.handle("POST", `/director/vehicles/${encodeURIComponent(sim.vin)}/manifest`, (req) => {
      const manifest = JSON.parse(Buffer.from(req.body!).toString("utf8"));
      this.manifests.push(manifest);
      const accepted = manifest.signed.ecuVersionReports.map((r: any) => r.signed.ecuSerial);
      return { status: 200, body: Buffer.from(JSON.stringify({ ok: true, accepted, discarded: [] })) };
    });
    this.publish();
  }

  /** Publishes the simulator's current documents and images (old versions stay served, as on a real server). */
  publish(): void {
    this.publishRepo(this.sim.director, `/director/vehicles/${encodeURIComponent(this.sim.vin)}/`);
    this.publishRepo(this.sim.image, "/image/");
    for (const [name, bytes] of this.sim.images) this.fetcher.setFile(this.sim.encrypted.has(name) ? this.directorPath(`images/${name}`) : this.imagePath(name), bytes);
  }

  imagePath(name: string): string {
    return `/image/targets/${hashesOf(this.sim.images.get(name)!, ["sha256"]).sha256}.${name}`;
  }

  directorPath(file: string): string {
    return `/director/vehicles/${encodeURIComponent(this.sim.vin)}/${file}`;
  }

  private publishRepo(repo: RepoSim, base: string): void {
    repo.roots.forEach((bytes, i) => this.fetcher.setFile(`${base}${i + 1}.root.json`, bytes));
    const files = repo.files(1);
    this.fetcher.setFile(`${base}timestamp.json`, files.timestamp);
    this.fetcher.setFile(`${base}${repo.versions.snapshot}.snapshot.json`, files.snapshot);
    this.fetcher.setFile(`${base}${repo.versions.targets}.targets.json`, files.targets);
    for (const [name, bytes] of files.delegations ?? []) this.fetcher.setFile(`${base}${repo.versions[name] ?? 1}.${name}.json`, bytes);
  }
}
