// Who may read what over TLS (README "Backend: TLS and who may read what"): a vehicle's
// client certificate opens its own Director metadata and manifest and the shared Image
// repository and time server; no certificate, another vehicle's, a revoked, an expired or
// a self-signed one is refused with the reason; the write API's token goes over TLS only;
// plain HTTP only on loopback.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { statSync } from "node:fs";
import { createPublicKey } from "node:crypto";
import { join } from "node:path";
import { serveBackend, ServeError, type ServedBackend } from "../../backend/serve.ts";
import { close } from "../../backend/http/server.ts";
import { Inventory, INVENTORY_FILE } from "../../backend/inventory/inventory.ts";
import { revokeVehicleCertificates } from "../../backend/tls/vehicle-certificates.ts";
import { createRootCa, issueCertificate } from "../../backend/tls/x509.ts";
import { newTlsKeyPair } from "../../model/tls-key.ts";
import { readApiToken } from "../../backend/http/api-token.ts";
import { HttpFetcher, collect } from "../../host/primary/fetcher.ts";
import { TransportError } from "../../host/primary/errors.ts";
import { newBackend, removeTempDirs } from "../helpers/image-backend.ts";
import { registeredVehicleTls, serverCa, tlsFetch, vehicleTls } from "../helpers/tls.ts";

const A = "TLSVEHICLE000001";
const B = "TLSVEHICLE000002";
const C = "TLSVEHICLE000003";
let dir = "";
let served: ServedBackend;
let url = "";
let a: Awaited<ReturnType<typeof vehicleTls>>;

test.before(async () => {
  dir = await newBackend();
  a = await registeredVehicleTls(dir, A);
  await registeredVehicleTls(dir, B);
  served = await serveBackend(dir);
  url = served.url;
});

test.after(async () => {
  await close(served.server);
  await removeTempDirs();
});

const timestampOf = (vin: string) => `${url}/director/vehicles/${vin}/timestamp.json`;

test("init keeps the CA keys and the server key 0600; serve speaks HTTPS", () => {
  for (const key of ["keys/offline/tls-oem-ca-key.pem", "keys/online/tls-vehicle-ca-key.pem", "keys/online/tls-server-key.pem"]) {
    assert.is(statSync(join(dir, key)).mode & 0o777, 0o600, key);
  }
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
});

test("a vehicle's certificate reads its own Director metadata, the Image repository and the time server", async () => {
  assert.is((await tlsFetch(timestampOf(A), a)).status, 200);
  assert.is((await tlsFetch(`${url}/image/timestamp.json`, a)).status, 200);
  const time = await tlsFetch(`${url}/time/attestation`, a, { method: "POST", body: JSON.stringify({ nonces: ["n1"] }) });
  assert.is(time.status, 200);
  assert.equal(time.json().signed.nonces, ["n1"]);
});

test("no client certificate: 401 on the Director, the Image repository and the time server, naming what is missing", async () => {
  for (const [path, method] of [[`/director/vehicles/${A}/timestamp.json`, "GET"], [`/director/vehicles/${A}/manifest`, "POST"], ["/image/timestamp.json", "GET"], ["/time/attestation", "POST"]] as const) {
    const r = await tlsFetch(url + path, { ca: a.ca }, { method, body: method === "POST" ? "{}" : undefined });
    assert.is(r.status, 401, path);
    assert.match(r.json().detail, /no client certificate/);
  }
  // and no VIN can be probed: an unknown VIN answers the same as a known one
  assert.is((await tlsFetch(timestampOf("NOSUCHVIN0000001"), { ca: a.ca })).status, 401);
});

test("another vehicle's certificate: 403 for its metadata and its manifest", async () => {
  const read = await tlsFetch(timestampOf(B), a);
  assert.is(read.status, 403);
  assert.match(read.json().detail, new RegExp(`${A}'s; it may not read or report for ${B}`));
  const post = await tlsFetch(`${url}/director/vehicles/${B}/manifest`, a, { method: "POST", body: "{}" });
  assert.is(post.status, 403);
});

test("a revoked certificate is refused from the next request on, on a connection already open too", async () => {
  const c = await registeredVehicleTls(dir, C);
  const fetcher = new HttpFetcher(url, { tls: c });
  try {
    await collect(await fetcher.get(`/director/vehicles/${C}/timestamp.json`, { maxBytes: 100_000 }));
    const inventory = Inventory.open(join(dir, INVENTORY_FILE));
    try {
      assert.is(revokeVehicleCertificates(inventory, C), 1);
    } finally {
      inventory.close();
    }
    const e = await fetcher.get(`/director/vehicles/${C}/timestamp.json`, { maxBytes: 100_000 }).then(() => null, (err) => err);
    assert.instance(e, TransportError);
    assert.is(e.status, 401);
    assert.match(e.message, /revoked/);
    assert.is((await tlsFetch(`${url}/image/timestamp.json`, c)).status, 401, "nor the Image repository");
  } finally {
    fetcher.close();
  }
});

test("an expired certificate is refused with the handshake's verdict", async () => {
  const expired = await vehicleTls(dir, A, { notBefore: new Date(Date.now() - 3 * 86_400_000), days: 1 });
  const r = await tlsFetch(timestampOf(A), expired);
  assert.is(r.status, 401);
  assert.match(r.json().detail, /expired \(CERT_HAS_EXPIRED\)/);
});

test("a self-signed certificate naming the VIN, and one from another CA, are refused", async () => {
  // issuer and subject both CN=VIN, signed by its own key, for client authentication
  const own = await createRootCa(A, { days: 30 });
  const publicKeyPem = createPublicKey(own.keyPem).export({ type: "spki", format: "pem" }) as string;
  const self = await issueCertificate(own, publicKeyPem, { kind: "client", name: A }, { days: 30 });
  const r = await tlsFetch(timestampOf(A), { ca: a.ca, cert: self.certPem, key: own.keyPem });
  assert.is(r.status, 401);
  assert.match(r.json().detail, /self-signed/, r.text());
  const otherCa = await createRootCa("someone else", { days: 30 });
  const pair = newTlsKeyPair();
  const foreign = await issueCertificate(otherCa, pair.publicKeyPem, { kind: "client", name: A }, { days: 30 });
  const f = await tlsFetch(timestampOf(A), { ca: a.ca, cert: foreign.certPem, key: pair.privateKeyPem });
  assert.is(f.status, 401);
  assert.match(f.json().detail, /not issued by this backend's vehicle CA/);
});

test("a client that does not pin the backend's CA does not connect", async () => {
  const e = await new HttpFetcher(url).get("/image/timestamp.json", { maxBytes: 1000 }).then(() => null, (err) => err);
  assert.instance(e, TransportError);
  assert.match(e.message, /certificate/);
});

test("the write API takes its token over TLS without a client certificate; registration certifies the vehicle's TLS key", async () => {
  const token = readApiToken(dir);
  const pair = newTlsKeyPair();
  const body = JSON.stringify({ vin: "TLSVEHICLE000004", ecus: [{ serial: "t4-gw", hardwareId: "gw", publicKey: "11".repeat(32), primary: true }], tlsPublicKey: pair.publicKeyPem });
  const r = await tlsFetch(`${url}/director/api/vehicles`, { ca: serverCa(dir) }, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body });
  assert.is(r.status, 201, r.text());
  const cert = r.json().tlsCertificate as string;
  assert.match(cert, /BEGIN CERTIFICATE/);
  assert.is((await tlsFetch(timestampOf("TLSVEHICLE000004"), { ca: serverCa(dir), cert, key: pair.privateKeyPem })).status, 200);
  const badKey = await tlsFetch(`${url}/director/api/vehicles`, { ca: serverCa(dir) }, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ vin: "TLSVEHICLE000005", ecus: [], tlsPublicKey: "not a key" }) });
  assert.is(badKey.status, 400);
  assert.is(badKey.json().error, "invalid-tls-key");
});

test("plain HTTP: refused on a non-loopback host; on loopback the write API refuses its token", async () => {
  const e = await serveBackend(dir, { host: "0.0.0.0", plainHttp: true }).then(() => null, (err) => err);
  assert.instance(e, ServeError);
  assert.match(e.message, /loopback/);
  const plain = await serveBackend(dir, { plainHttp: true });
  try {
    assert.match(plain.url, /^http:\/\//);
    const r = await fetch(`${plain.url}/director/api/assignments`, { method: "POST", headers: { authorization: `Bearer ${readApiToken(dir)}` }, body: "{}" });
    assert.is(r.status, 403);
    assert.is((await r.json()).error, "tls-required");
  } finally {
    await close(plain.server);
  }
});

test.run();
