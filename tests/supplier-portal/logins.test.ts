// Who gets into the supplier portal (README "Backend: supplier portal"): only an account's
// name and password over HTTPS. Missing or wrong credentials are 401 (an unknown account
// answers as a wrong password does); the password is kept only as a scrypt hash that names
// its parameters; repeated failures lock the account, and the address, with 429 before any
// password is checked, and the counters stay bounded.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { serveBackend, type ServedBackend } from "../../backend/serve.ts";
import { close } from "../../backend/http/server.ts";
import { Inventory, INVENTORY_FILE } from "../../backend/inventory/inventory.ts";
import { hashPassword, parseStoredHash, verifyPassword, DEFAULT_SCRYPT } from "../../backend/auth/password-hash.ts";
import { LoginThrottle, DEFAULT_THROTTLE } from "../../backend/auth/login-throttle.ts";
import { removeTempDirs } from "../helpers/image-backend.ts";
import { portal, portalWorld, type PortalWorld } from "../helpers/supplier-portal.ts";

let world: PortalWorld;
let served: ServedBackend;
let now = Date.now();
const clock = () => new Date(now);

test.before(async () => {
  world = await portalWorld();
  served = await serveBackend(world.dir, { clock });
});

test.after(async () => {
  await close(served.server);
  await removeTempDirs();
});

test("an account's name and password open the portal; it shows the roles the account delivers", async () => {
  const r = await portal(served.url, world.ca, "account", world.accounts.acme);
  assert.is(r.status, 200, r.text());
  assert.equal(r.json(), { ok: true, account: "acme", roles: ["acme"] });
});

test("missing credentials: 401 with a Basic challenge, and nothing listed", async () => {
  const r = await portal(served.url, world.ca, "submissions", null);
  assert.is(r.status, 401);
  assert.match(String(r.headers["www-authenticate"]), /^Basic realm="uptane supplier portal"/);
  assert.match(r.json().detail, /Authorization: Basic/);
  const malformed = await portal(served.url, world.ca, "submissions", null, { headers: { authorization: "Bearer something" } });
  assert.is(malformed.status, 401);
});

test("a wrong password and an unknown account get the same 401", async () => {
  const wrong = await portal(served.url, world.ca, "submissions", { name: "acme", password: "not-the-password" });
  const unknown = await portal(served.url, world.ca, "submissions", { name: "nobody", password: world.accounts.acme.password });
  const other = await portal(served.url, world.ca, "submissions", { name: "acme", password: world.accounts.bravo.password });
  for (const r of [wrong, unknown, other]) {
    assert.is(r.status, 401);
    assert.equal(r.json(), { ok: false, error: "unauthenticated", detail: "wrong account name or password" });
  }
  now += 2 * DEFAULT_THROTTLE.forgetAfterMs; // these failures are forgotten before the throttle tests
});

test("the password is stored only as a scrypt hash naming its parameters, and checked under the parameters stored", async () => {
  const inventory = Inventory.open(join(world.dir, INVENTORY_FILE));
  const row = inventory.supplierAccount("acme")!;
  inventory.close();
  assert.not.ok(row.password_hash.includes(world.accounts.acme.password));
  const stored = parseStoredHash(row.password_hash);
  assert.is(stored.kdf, "scrypt");
  assert.equal({ N: stored.N, r: stored.r, p: stored.p }, DEFAULT_SCRYPT);
  assert.ok(await verifyPassword(world.accounts.acme.password, row.password_hash));
  // A hash made under other parameters still verifies: they come from the hash, not the defaults.
  const cheaper = await hashPassword("pw", { N: 1024, r: 8, p: 1 });
  assert.is(parseStoredHash(cheaper).N, 1024);
  assert.ok(await verifyPassword("pw", cheaper));
  assert.not.ok(await verifyPassword("pW", cheaper));
  // A stored hash asking for more memory than the cap is refused, not run.
  assert.throws(() => parseStoredHash(JSON.stringify({ ...stored, N: 2 ** 24 })), /out-of-bounds/);
});

test("repeated failed logins lock the account: 429 with Retry-After, even for the right password, until the lock ends", async () => {
  for (let i = 0; i < DEFAULT_THROTTLE.accountFailures; i++) {
    assert.is((await portal(served.url, world.ca, "account", { name: "bravo", password: `guess-${i}` })).status, 401, `guess ${i}`);
  }
  const locked = await portal(served.url, world.ca, "account", world.accounts.bravo);
  assert.is(locked.status, 429);
  assert.is(locked.json().error, "too-many-failed-logins");
  assert.ok(Number(locked.headers["retry-after"]) > 0);
  // Another account from the same address is not locked (5 failures are under the address limit).
  assert.is((await portal(served.url, world.ca, "account", world.accounts.acme)).status, 200);
  now += DEFAULT_THROTTLE.baseLockMs + 1000;
  assert.is((await portal(served.url, world.ca, "account", world.accounts.bravo)).status, 200, "the lock ended");
  // A success starts the count over.
  assert.is((await portal(served.url, world.ca, "account", { name: "bravo", password: "guess" })).status, 401);
  assert.is((await portal(served.url, world.ca, "account", world.accounts.bravo)).status, 200);
});

test("repeated failures from one address under many names lock the address, for every account", async () => {
  const limit = 4; // below the account limit, so only the address counter can lock
  const server = await serveBackend(world.dir, { clock, supplierPortal: { throttle: { addressFailures: limit } } });
  try {
    for (let i = 0; i < limit; i++) {
      assert.is((await portal(server.url, world.ca, "account", { name: `guessed-name-${i}`, password: "x" })).status, 401);
    }
    const r = await portal(server.url, world.ca, "account", world.accounts.acme);
    assert.is(r.status, 429, "the right password from a locked address");
    assert.match(r.json().detail, /from this address/);
  } finally {
    await close(server.server);
  }
});

test("guesses sent all at once are limited too: each counts before its hash is checked", async () => {
  now += 2 * DEFAULT_THROTTLE.forgetAfterMs;
  const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => portal(served.url, world.ca, "account", { name: "acme", password: `parallel-${i}` })));
  const statuses = answers.map((r) => r.status);
  assert.is(statuses.filter((s) => s === 401).length, DEFAULT_THROTTLE.accountFailures, statuses.join(","));
  assert.is(statuses.filter((s) => s === 429).length, 12 - DEFAULT_THROTTLE.accountFailures);
});

test("the throttle's memory is bounded: 50,000 addresses keep at most maxEntries counters", () => {
  const throttle = new LoginThrottle(() => new Date(0), { ...DEFAULT_THROTTLE, maxEntries: 1000 });
  for (let i = 0; i < 50_000; i++) throttle.attempt(null, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  assert.equal(throttle.entries, { accounts: 0, addresses: 1000 });
  // the most recent address is still counted
  for (let i = 0; i < DEFAULT_THROTTLE.addressFailures; i++) throttle.attempt(null, "192.0.2.1");
  assert.ok(throttle.attempt("acme", "192.0.2.1") > 0);
});

test("over plain HTTP the portal takes no credentials", async () => {
  const plain = await serveBackend(world.dir, { plainHttp: true });
  try {
    const r = await fetch(`${plain.url}/supplier/account`, { headers: { authorization: `Basic ${Buffer.from(`acme:${world.accounts.acme.password}`).toString("base64")}` } });
    assert.is(r.status, 403);
    assert.is((await r.json()).error, "tls-required");
  } finally {
    await close(plain.server);
  }
});

test.run();
