// PKCS#11 URIs (RFC 7512) as key references hold them and --pkcs11-uri takes them (README
// "Backend: keys in a PKCS#11 token"); and the option rules of --pkcs11-* and --rsa-bits.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { formatTokenKeyUri, parsePkcs11Uri, Pkcs11UriError, tokenConfigFromUri, tokenKeyFromUri } from "../../backend/keys/pkcs11-uri.ts";
import { KeyOptionError, rsaBitsOption, tokenConfigOption, tokenRolesOption } from "../../backend/keys/key-options.ts";
import { ecdsaRawToDer } from "../../backend/keys/pkcs11-token.ts";
import { generateKeyPairSync, sign, verify } from "node:crypto";

const isOptionError = (e: unknown) => e instanceof KeyOptionError;

test("a key's URI round-trips: a label with spaces and reserved characters, a binary id, paths", () => {
  const key = { module: "/usr/lib/softhsm/libsofthsm2.so", token: "OEM keys;1?&=", pinFile: "/etc/uptane/pin file", id: Buffer.from([0, 0x25, 0xff, 0x41]) };
  const uri = formatTokenKeyUri(key);
  assert.match(uri, /^pkcs11:token=OEM%20keys%3B1%3F&%3D;id=%00%25%FFA;type=private\?module-path=\/usr\/lib\/softhsm\/libsofthsm2.so&pin-source=file:\/etc\/uptane\/pin%20file$/);
  const back = tokenKeyFromUri(uri);
  assert.equal({ ...back, id: back.id.toString("hex") }, { ...key, id: key.id.toString("hex") });
});

test("--pkcs11-uri: the token, module and PIN file; pin-source as file:, file:// or a path", () => {
  for (const source of ["file:/run/pin", "file:///run/pin", "/run/pin"]) {
    assert.equal(tokenConfigFromUri(`pkcs11:token=backend?module-path=/lib/p11.so&pin-source=${source}`), { module: "/lib/p11.so", token: "backend", pinFile: "/run/pin" });
  }
});

test("refused URIs: a PIN value, unknown or repeated attributes, relative paths, bad escapes, an object where a token is wanted", () => {
  const bad = [
    "pkcs11:token=a?module-path=/m.so&pin-value=1234",
    "pkcs11:token=a;serial=1?module-path=/m.so&pin-source=file:/p",
    "pkcs11:token=a;token=b?module-path=/m.so&pin-source=file:/p",
    "pkcs11:token=a?module-path=m.so&pin-source=file:/p",
    "pkcs11:token=a?module-path=/m.so&pin-source=file:p",
    "pkcs11:token=a%zz?module-path=/m.so&pin-source=file:/p",
    "pkcs11:token=a b?module-path=/m.so&pin-source=file:/p",
    "pkcs11:token=a;type=public?module-path=/m.so&pin-source=file:/p",
    "pkcs11:token=a?module-path=/m.so",
    "pkcs11:token=a;id=%01?module-path=/m.so&pin-source=file:/p",
    "pkcs12:token=a",
  ];
  for (const uri of bad) assert.throws(() => tokenConfigFromUri(uri), (e: unknown) => e instanceof Pkcs11UriError, uri);
  assert.throws(() => parsePkcs11Uri("pkcs11:" + "a".repeat(5000)), /4096/);
  assert.throws(() => tokenKeyFromUri("pkcs11:token=a?module-path=/m.so&pin-source=file:/p"), /id/);
});

test("--pkcs11-* options: all three or the URI, never both, never half; paths made absolute; --pkcs11-keys online|all with a token; --rsa-bits 2048|3072|4096", () => {
  assert.is(tokenConfigOption({}), null);
  const c = tokenConfigOption({ "pkcs11-module": ["lib.so"], "pkcs11-token": ["t"], "pkcs11-pin-file": ["pin"] })!;
  assert.ok(c.module.startsWith("/") && c.module.endsWith("/lib.so") && c.pinFile.endsWith("/pin"));
  assert.throws(() => tokenConfigOption({ "pkcs11-module": ["/lib.so"], "pkcs11-token": ["t"] }), (e: unknown) => e instanceof KeyOptionError && /--pkcs11-pin-file/.test(e.message));
  assert.throws(() => tokenConfigOption({ "pkcs11-uri": ["pkcs11:token=t?module-path=/m.so&pin-source=file:/p"], "pkcs11-token": ["t"] }), isOptionError);
  assert.throws(() => tokenConfigOption({ "pkcs11-module": ["/lib.so"], "pkcs11-token": ["x".repeat(33)], "pkcs11-pin-file": ["/p"] }), isOptionError);
  const withToken = { "pkcs11-uri": ["pkcs11:token=t?module-path=/m.so&pin-source=file:/p"] };
  assert.is(tokenRolesOption(withToken), "online");
  assert.is(tokenRolesOption({ ...withToken, "pkcs11-keys": ["all"] }), "all");
  assert.throws(() => tokenRolesOption({ ...withToken, "pkcs11-keys": ["roots"] }), isOptionError);
  assert.throws(() => tokenRolesOption({ "pkcs11-keys": ["all"] }), isOptionError);
  assert.is(rsaBitsOption({ "rsa-bits": ["3072"] }), 3072);
  for (const bad of ["1024", "2047", "04096", "4096.0", "8192"]) assert.throws(() => rsaBitsOption({ "rsa-bits": [bad] }), isOptionError, bad);
});

test("an ECDSA signature as a token gives it (r || s) becomes the DER Node and the verifiers read: high bits padded, leading zeros dropped", () => {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const msg = Buffer.from("message");
  for (let i = 0; i < 200; i++) {
    const raw = sign("sha256", msg, { key: privateKey, dsaEncoding: "ieee-p1363" });
    const der = ecdsaRawToDer(raw);
    assert.ok(verify("sha256", msg, publicKey, der), `case ${i}`);
    assert.is(der.toString("hex"), derOf(raw).toString("hex"));
  }
  // r with a leading zero byte and s with its high bit set
  const edge = Buffer.concat([Buffer.from([0, 0x7f]), Buffer.alloc(30, 1), Buffer.from([0x80]), Buffer.alloc(31, 2)]);
  assert.is(ecdsaRawToDer(edge).toString("hex"), derOf(edge).toString("hex"));
  assert.is(ecdsaRawToDer(edge).toString("hex").slice(0, 10), "3044021f7f");
  assert.throws(() => ecdsaRawToDer(Buffer.alloc(63)), /64/);
});

/** DER of (r, s) written independently: INTEGERs minimal and positive. */
function derOf(raw: Buffer): Buffer {
  const int = (b: Buffer) => {
    let v = b;
    while (v.length > 1 && v[0] === 0 && !(v[1]! & 0x80)) v = v.subarray(1);
    if (v[0]! & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([2, v.length]), v]);
  };
  const body = Buffer.concat([int(raw.subarray(0, 32)), int(raw.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

test.run();
