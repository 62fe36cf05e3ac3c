import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rejects } from "./helpers.ts";
import { FileStore, MemoryStore } from "../../host/primary/store.ts";

const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString("utf8"));
const bytes = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));

/** A FileStore whose power fails after the temp file is written and synced, before the rename. */
class PowerCutStore extends FileStore {
  protected override commit(): void {
    throw new Error("power cut");
  }
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "primary-store-"));
}

test("FileStore: a written key reads back, an unknown key reads as null", async () => {
  const dir = tempDir();
  try {
    const store = new FileStore(dir);
    await store.write("state.json", bytes("one"));
    await store.write("state.json", bytes("two"));
    assert.is(text(await store.read("state.json")), "two");
    assert.is(await store.read("other.json"), null);
    await store.remove("state.json");
    assert.is(await store.read("state.json"), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("power cut between temp write and rename leaves the previous state readable", async () => {
  const dir = tempDir();
  try {
    await new FileStore(dir).write("state.json", bytes("trusted v1"));
    const cut = new PowerCutStore(dir);
    await rejects(() => cut.write("state.json", bytes("half-written v2")), /power cut/);
    // After the "reboot": a fresh store over the same folder.
    const reopened = new FileStore(dir);
    assert.is(text(await reopened.read("state.json")), "trusted v1");
    assert.equal(readdirSync(dir), ["state.json"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a temp file left by a crash is never read as state and is cleaned on open", async () => {
  const dir = tempDir();
  try {
    await new FileStore(dir).write("state.json", bytes("good"));
    writeFileSync(join(dir, ".tmp-state.json-abcdef"), "torn");
    const store = new FileStore(dir);
    assert.is(text(await store.read("state.json")), "good");
    assert.equal(readdirSync(dir), ["state.json"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("store keys that could leave the folder are refused", async () => {
  const stores = [new MemoryStore(), new FileStore(tempDir())];
  for (const store of stores) {
    for (const key of ["../escape", "a/b", ".hidden", "", "..", "x".repeat(200)]) {
      await rejects(() => store.write(key, bytes("x")), /invalid store key/);
      await rejects(() => store.read(key), /invalid store key/);
    }
  }
  rmSync((stores[1] as FileStore).dir, { recursive: true, force: true });
});

test("MemoryStore hands out copies: changing read bytes does not change the state", async () => {
  const store = new MemoryStore();
  const original = bytes("abc");
  await store.write("k", original);
  original[0] = 0x7a;
  const read = (await store.read("k"))!;
  read[1] = 0x7a;
  assert.is(text(await store.read("k")), "abc");
});

test.run();
