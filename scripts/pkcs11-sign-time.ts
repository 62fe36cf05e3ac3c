// Time per signature of a backend key held by a PKCS#11 token (SoftHSM2 through pkcs11js,
// the check of each returned signature included) against the same key type in Node's memory,
// in the same run (README "Backend: keys in a PKCS#11 token"). Makes its own SoftHSM2
// configuration and token in a temporary folder and removes it.
//   node --import tsx scripts/pkcs11-sign-time.ts [SIGNATURES_PER_ROUND]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeTokens, generateTokenKey } from "../backend/keys/pkcs11-token.ts";
import { generateSigningKey, signBytes, type KeyType } from "../model/keys.ts";

const N = Number(process.argv[2] ?? 300);
const ROUNDS = 5;
const dir = mkdtempSync(join(tmpdir(), "pkcs11-sign-time-"));
try {
  const conf = join(dir, "softhsm2.conf");
  writeFileSync(conf, `directories.tokendir = ${dir}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env.SOFTHSM2_CONF = conf; // read by the module at C_Initialize, below
  execFileSync("softhsm2-util", ["--init-token", "--free", "--label", "sign-time", "--pin", "4321", "--so-pin", "8765"], { stdio: "ignore" });
  const pinFile = join(dir, "pin");
  writeFileSync(pinFile, "4321\n", { mode: 0o600 });
  const token = { module: "/usr/lib/softhsm/libsofthsm2.so", token: "sign-time", pinFile };
  const message = Buffer.alloc(600, 7); // about a vehicle's timestamp.json
  const perSignature = (sign: () => void) => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) sign();
    return Number(process.hrtime.bigint() - t) / 1e3 / N;
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`| key type | token µs | Node µs | ratio (median of ${ROUNDS} rounds of ${N}) |\n|---|---:|---:|---|`);
  for (const type of ["ed25519", "ecdsa-p256", "rsa-pss"] as KeyType[]) {
    const inToken = generateTokenKey(token, type, "sign-time");
    const inMemory = generateSigningKey(type);
    const rounds = Array.from({ length: ROUNDS }, () => [perSignature(() => signBytes(inToken, message)), perSignature(() => signBytes(inMemory, message))] as const);
    console.log(`| ${type} | ${median(rounds.map((r) => r[0])).toFixed(0)} | ${median(rounds.map((r) => r[1])).toFixed(0)} | ${median(rounds.map((r) => r[0] / r[1])).toFixed(2)}x |`);
  }
} finally {
  closeTokens();
  rmSync(dir, { recursive: true, force: true });
}
