// A backend with images and an offline update, made with the CLI, and the means to forge
// offline-update metadata with the backend's own keys (for the attack rows).
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { uptane } from "../helpers/uptane-in-process.ts";
import { canonicalJson } from "../../model/canonical-json.ts";
import { signMetadata, signingKeyFromPem, type SigningKey } from "../../model/keys.ts";
import { readOfflineBundle, offlineUpdateFiles, type OfflineBundle } from "../../host/primary/offline-bundle.ts";
import type { OfflineUpdateFiles } from "../../model/verification.ts";

export const IMAGES = [
  { file: "brake-2.bin", name: "oem/brake-2.bin", hw: "brake-ctl", rc: 2 },
  { file: "cam-4.bin", name: "oem/cam-4.bin", hw: "adas-cam", rc: 4 },
  { file: "brake-3.bin", name: "oem/brake-3.bin", hw: "brake-ctl", rc: 3 },
  { file: "gw-1.bin", name: "oem/gw-1.bin", hw: "gateway", rc: 1 },
] as const;

export class OfflineFixture {
  readonly work = mkdtempSync(join(tmpdir(), "uptane-offline-"));
  readonly dir = join(this.work, "backend");
  private bundles = 0;

  static async create(): Promise<OfflineFixture> {
    const f = new OfflineFixture();
    const init = await uptane("init", f.dir, "--json");
    assert.is(init.code, 0, init.err);
    for (const i of IMAGES) {
      const path = join(f.work, i.file);
      writeFileSync(path, Buffer.concat(Array.from({ length: 40 }, (_, k) => createHash("sha512").update(`${i.file}/${k}`).digest())));
      const add = await uptane("image", "add", f.dir, path, "--name", i.name, "--hardware-id", i.hw, "--release-counter", String(i.rc), "--json");
      assert.is(add.code, 0, add.out + add.err);
    }
    return f;
  }

  /** `uptane offline create` into a new folder; returns the folder. */
  async offline(name: string, targets: string[], more: string[] = []): Promise<string> {
    const out = join(this.work, `bundle-${++this.bundles}`);
    const r = await uptane("offline", "create", this.dir, "--name", name, ...targets.flatMap((t) => ["--target", t]), "--out", out, ...more, "--json");
    assert.is(r.code, 0, r.out + r.err);
    return out;
  }

  key(file: string): SigningKey {
    return signingKeyFromPem(readFileSync(join(this.dir, file), "utf8"));
  }

  get offlineTargetsKey(): SigningKey {
    return this.key("keys/offline/director-offline-update-targets.pem");
  }
  get offlineSnapshotKey(): SigningKey {
    return this.key("keys/offline/director-offline-update-snapshot.pem");
  }
  get directorTargetsKey(): SigningKey {
    return this.key("keys/online/director-targets.pem");
  }

  root(repo: "director" | "image", version = 1): Uint8Array {
    return readFileSync(repo === "director" ? join(this.dir, "director/root", `${version}.root.json`) : join(this.dir, "image/repository", `${version}.root.json`));
  }

  close(): void {
    rmSync(this.work, { recursive: true, force: true });
  }
}

export function bundleFiles(folder: string, trusted = { director: 1, image: 1 }): { bundle: OfflineBundle; files: OfflineUpdateFiles } {
  const bundle = readOfflineBundle(folder);
  return { bundle, files: offlineUpdateFiles(bundle, trusted) };
}

/** `signed` of a document. */
export function signedOf(bytes: Uint8Array): any {
  return JSON.parse(Buffer.from(bytes).toString("utf8")).signed;
}

/** A document with `signed` changed by `edit`, signed by `keys`. */
export function forge(bytes: Uint8Array, keys: SigningKey[], edit: (signed: any) => void): Uint8Array {
  const signed = signedOf(bytes);
  edit(signed);
  return Buffer.from(canonicalJson(signMetadata(signed, keys)));
}

/** The snapshot entry of a document (version, length, SHA-256), as `uptane offline create` writes it. */
export function metaOf(bytes: Uint8Array): { version: number; length: number; hashes: { sha256: string } } {
  return { version: signedOf(bytes).version, length: bytes.length, hashes: { sha256: createHash("sha256").update(bytes).digest("hex") } };
}
