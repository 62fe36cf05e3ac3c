// SoftHSM2 tokens for the PKCS#11 tests (README "Backend: keys in a PKCS#11 token"): each
// test file makes its own SOFTHSM2_CONF over a temporary token folder and initialises its
// tokens with softhsm2-util (Debian `softhsm2`). The token is inspected from a child process
// (`inspectToken`), so this test process never loads the module with some other
// configuration (a module reads SOFTHSM2_CONF once, at C_Initialize).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so";

export function softHsmInstalled(): boolean {
  return existsSync(SOFTHSM_MODULE) && spawnSync("softhsm2-util", ["--version"]).status === 0;
}

/** A SoftHSM2 configuration with its token folder under `dir`; returns the SOFTHSM2_CONF path. */
export function softHsmConfig(dir: string): string {
  const tokens = join(dir, "tokens");
  mkdirSync(tokens, { recursive: true });
  const conf = join(dir, "softhsm2.conf");
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  return conf;
}

/** Initialises a token in the next free slot of the configuration `conf`. */
export function initToken(conf: string, label: string, pin: string, soPin = "so-pin-5678"): void {
  execFileSync("softhsm2-util", ["--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", soPin], { env: { ...process.env, SOFTHSM2_CONF: conf }, stdio: "pipe" });
}

/** A private key object of the token, as the inspection saw it. */
export interface TokenPrivateKey {
  id: string;
  label: string;
  keyType: number;
  sensitive: boolean;
  extractable: boolean;
  alwaysSensitive: boolean;
  neverExtractable: boolean;
  /** What reading the private value (CKA_VALUE; an RSA key's CKA_PRIVATE_EXPONENT) answered: the CKR_ name of the refusal, or "READ". */
  valueRead: string;
}

const INSPECT = `
const [conf, label, pin] = process.argv.slice(1);
const p = require(require.resolve("pkcs11js", { paths: [process.cwd()] }));
const m = new p.PKCS11(); m.load(${JSON.stringify(SOFTHSM_MODULE)}); m.C_Initialize();
const slot = m.C_GetSlotList(true).find((s) => m.C_GetTokenInfo(s).label.trim() === label);
const s = m.C_OpenSession(slot, p.CKF_SERIAL_SESSION);
m.C_Login(s, p.CKU_USER, pin);
m.C_FindObjectsInit(s, [{ type: p.CKA_CLASS, value: p.CKO_PRIVATE_KEY }]);
const handles = m.C_FindObjects(s, 1000); m.C_FindObjectsFinal(s);
const b = (h, t) => m.C_GetAttributeValue(s, h, [{ type: t }])[0].value[0] === 1;
const out = handles.map((h) => {
  let valueRead = "READ";
  const kt0 = m.C_GetAttributeValue(s, h, [{ type: p.CKA_KEY_TYPE }])[0].value.readUInt32LE(0);
  try { m.C_GetAttributeValue(s, h, [{ type: kt0 === p.CKK_RSA ? p.CKA_PRIVATE_EXPONENT : p.CKA_VALUE }]); } catch (e) { valueRead = /^CKR_[A-Z_]+/.exec(e.message)?.[0] ?? "error"; }
  const [id, lab, kt] = m.C_GetAttributeValue(s, h, [{ type: p.CKA_ID }, { type: p.CKA_LABEL }, { type: p.CKA_KEY_TYPE }]).map((a) => a.value);
  return { id: id.toString("hex"), label: lab.toString(), keyType: kt.readUInt32LE(0), sensitive: b(h, p.CKA_SENSITIVE), extractable: b(h, p.CKA_EXTRACTABLE), alwaysSensitive: b(h, p.CKA_ALWAYS_SENSITIVE), neverExtractable: b(h, p.CKA_NEVER_EXTRACTABLE), valueRead };
});
m.C_Logout(s); m.C_CloseSession(s); m.C_Finalize();
console.log(JSON.stringify(out));
`;

/** Every private key object in the token `label` (a child process loads the module with `conf`). */
export function inspectToken(conf: string, label: string, pin: string): TokenPrivateKey[] {
  const out = execFileSync(process.execPath, ["-e", INSPECT, conf, label, pin], { env: { ...process.env, SOFTHSM2_CONF: conf }, encoding: "utf8" });
  return JSON.parse(out) as TokenPrivateKey[];
}

/** Destroys the private key with CKA_ID `idHex` (a key lost from the token). */
export function destroyTokenKey(conf: string, label: string, pin: string, idHex: string): void {
  const script = `
const [label, pin, id] = process.argv.slice(1);
const p = require(require.resolve("pkcs11js", { paths: [process.cwd()] }));
const m = new p.PKCS11(); m.load(${JSON.stringify(SOFTHSM_MODULE)}); m.C_Initialize();
const slot = m.C_GetSlotList(true).find((s) => m.C_GetTokenInfo(s).label.trim() === label);
const s = m.C_OpenSession(slot, p.CKF_SERIAL_SESSION | p.CKF_RW_SESSION);
m.C_Login(s, p.CKU_USER, pin);
m.C_FindObjectsInit(s, [{ type: p.CKA_CLASS, value: p.CKO_PRIVATE_KEY }, { type: p.CKA_ID, value: Buffer.from(id, "hex") }]);
const hs = m.C_FindObjects(s, 10); m.C_FindObjectsFinal(s);
for (const h of hs) m.C_DestroyObject(s, h);
m.C_Finalize();
`;
  execFileSync(process.execPath, ["-e", script, label, pin, idHex], { env: { ...process.env, SOFTHSM2_CONF: conf } });
}
