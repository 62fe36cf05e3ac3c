// Director throughput: vehicle version manifests processed per second over HTTP
// (127.0.0.1, client and server in this process) for vehicles of 10 ECUs, next to raw
// Node Ed25519 verifications per second measured in the same rounds. Each manifest needs
// 11 verifications (the Primary's manifest signature and 10 ECU reports), so
// verifications/s ÷ 11 is the bound that signature checking alone sets; the ratio says
// how much of it the whole path (HTTP, JSON, canonical JSON, SQLite commit) keeps.
// HTTP is async, so this suite times its own rounds (alternating the two measurements)
// and reports medians as value cases.
import { Agent, request } from "node:http";
import { verify } from "node:crypto";
import type { BenchCase, Suite } from "../harness.ts";
import { DirectorFixture, vehicleManifest, type TestVehicle } from "../../director/fixture.ts";
import { canonicalBytes } from "../../../model/canonical-json.ts";
import { ed25519PublicKey } from "../../../model/keys.ts";

const ECUS_PER_VEHICLE = 10;
const VERIFIES_PER_MANIFEST = ECUS_PER_VEHICLE + 1;
const IN_FLIGHT = 16;

function post(agent: Agent, base: URL, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: base.hostname, port: base.port, path, method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Posts every body with IN_FLIGHT requests outstanding; returns manifests per second. */
async function postAll(agent: Agent, base: URL, jobs: Array<{ vin: string; body: string }>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const status = await post(agent, base, `/director/vehicles/${job.vin}/manifest`, job.body);
      if (status !== 200) throw new Error(`manifest for ${job.vin} refused with ${status}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return jobs.length / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** Node Ed25519 verifications per second over an ECU report's canonical bytes (key object cached, as the Director does). */
function verifiesPerSecond(report: { signatures: Array<{ sig: string }>; signed: unknown }, publicHex: string, count: number): number {
  const key = ed25519PublicKey(publicHex);
  const bytes = canonicalBytes(report.signed);
  const sig = Buffer.from(report.signatures[0]!.sig, "hex");
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) if (!verify(null, bytes, key, sig)) throw new Error("baseline signature did not verify");
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const directorSuite: Suite = {
  name: "director",
  async cases(options) {
    const vehicles = options.quick ? 20 : 100;
    const rounds = options.quick ? 2 : 7;
    const f = new DirectorFixture();
    try {
      const cars: TestVehicle[] = [];
      for (let i = 0; i < vehicles; i++) cars.push(f.addVehicle(`BENCH${i}`, ECUS_PER_VEHICLE - 1));
      // Every manifest is signed before timing starts (fresh nonces each round).
      const batches = Array.from({ length: rounds + 1 }, () => cars.map((car) => ({ vin: car.vin, body: JSON.stringify(vehicleManifest(car)) })));
      const sample = JSON.parse(batches[0]![0]!.body).signed.ecuVersionReports[1];
      const samplePublic = cars[0]!.ecus[1]!.key.publicKey.keyval.public;
      await f.listen();
      const base = new URL(f.baseUrl);
      const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
      await postAll(agent, base, batches[0]!); // warm-up
      verifiesPerSecond(sample, samplePublic, 2000);

      const manifestRates: number[] = [];
      const verifyRates: number[] = [];
      const ratios: number[] = [];
      for (let r = 1; r <= rounds; r++) {
        // Alternate which runs first, so neither always follows the other.
        let m: number;
        let v: number;
        if (r % 2) {
          m = await postAll(agent, base, batches[r]!);
          v = verifiesPerSecond(sample, samplePublic, vehicles * VERIFIES_PER_MANIFEST);
        } else {
          v = verifiesPerSecond(sample, samplePublic, vehicles * VERIFIES_PER_MANIFEST);
          m = await postAll(agent, base, batches[r]!);
        }
        manifestRates.push(m);
        verifyRates.push(v);
        ratios.push((m * VERIFIES_PER_MANIFEST) / v);
      }
      agent.destroy();
      const recorded = f.director.inventory.count("manifests");
      if (recorded !== vehicles * (rounds + 1)) throw new Error(`expected ${vehicles * (rounds + 1)} manifests recorded, found ${recorded}`);

      const value = (name: string, unit: string, x: number): BenchCase => ({ kind: "value", name, unit, measure: () => x });
      return [
        value(`manifests over HTTP, ${ECUS_PER_VEHICLE} ECUs each (${IN_FLIGHT} in flight)`, "manifests/s", median(manifestRates)),
        value("Node Ed25519 verifications (same rounds)", "verifies/s", median(verifyRates)),
        value(`signature bound: verifies/s ÷ ${VERIFIES_PER_MANIFEST}`, "manifests/s", median(verifyRates) / VERIFIES_PER_MANIFEST),
        value("manifests/s as a share of the signature bound (median of per-round ratios)", "ratio", median(ratios)),
      ];
    } finally {
      await f.close();
    }
  },
};
