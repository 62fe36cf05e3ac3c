// What the Primary and a Secondary agree on over UDS: data identifiers, routine
// identifiers, download areas, and the binary container that carries metadata files.
import type { MetadataBundle, RepositoryBundle } from "../../model/metadata-bundle.ts";

/** Data identifiers (ISO 14229-1: 0xF1A0-0xF1EF are vehicle-manufacturer specific). */
export const DID = {
  /** W: a metadata bundle small enough for one message (larger ones go by download). */
  metadata: 0xf1a0,
  /** W: a signed time attestation (time server output). */
  timeAttestation: 0xf1a1,
  /** R: the ECU's current nonce (ASCII). */
  nonce: 0xf1a2,
  /** R: the signed ECU version report (JSON), made fresh with a new nonce on each read. */
  versionReport: 0xf1a3,
  /** R: the last verification/install result (JSON `{"outcome","detail"}`). */
  lastResult: 0xf1a4,
  /** R: ECU serial number (ISO 14229-1 ECUSerialNumberDataIdentifier). */
  ecuSerial: 0xf18c,
} as const;

/** Routine identifiers (0x0200-0xDFFF: vehicle-manufacturer specific). */
export const RID = {
  /** Finish the image check of the downloaded image. */
  verify: 0x0201,
  /** Install the verified image into the inactive slot, boot-check it, roll back on failure. */
  install: 0x0202,
} as const;

/** RequestDownload memory addresses: which area a download fills. */
export const AREA = {
  image: 0x0000_0000,
  /** "META": a metadata bundle too large for one write. */
  metadata: 0x4d45_5441,
  /** "TIME": a time attestation, when a single write would be too long for the link. */
  timeAttestation: 0x5449_4d45,
} as const;

/** Status byte of a positive "install" routine response (a failed boot check is NRC 0x72 instead). */
export const INSTALL_STATUS = { installed: 0x00 } as const;

// Container: "UPMB" 0x01, entry count (u16), then per entry: repo (u8: 0 director,
// 1 image), kind (u8), name length (u16) + UTF-8 name, data length (u32) + data.
const MAGIC = [0x55, 0x50, 0x4d, 0x42, 0x01];
// PURE-2 offline updates (Director): the Offline-update Snapshot, and the Offline-update
// Targets file by name in place of the Director targets.
const KIND = { root: 0, timestamp: 1, snapshot: 2, targets: 3, delegation: 4, offlineSnapshot: 5, offlineTargets: 6 } as const;
const MAX_ENTRIES = 1024;

export class MalformedBundleError extends Error {
  constructor(message: string) {
    super(`metadata bundle: ${message}`);
    this.name = "MalformedBundleError";
  }
}

export function encodeBundle(bundle: MetadataBundle): Uint8Array {
  const entries: Array<{ repo: number; kind: number; name: string; data: Uint8Array }> = [];
  const add = (repo: number, files: RepositoryBundle) => {
    for (const root of files.roots) entries.push({ repo, kind: KIND.root, name: "", data: root });
    if (files.timestamp) entries.push({ repo, kind: KIND.timestamp, name: "", data: files.timestamp });
    if (files.snapshot) entries.push({ repo, kind: KIND.snapshot, name: "", data: files.snapshot });
    if (files.offline) {
      entries.push({ repo, kind: KIND.offlineSnapshot, name: "", data: files.offline.snapshot });
      entries.push({ repo, kind: KIND.offlineTargets, name: files.offline.targetsFile, data: files.targets });
    } else entries.push({ repo, kind: KIND.targets, name: "", data: files.targets });
    for (const [name, data] of files.delegations ?? []) entries.push({ repo, kind: KIND.delegation, name, data });
  };
  add(0, bundle.director);
  if (bundle.image) add(1, bundle.image);
  const parts: Uint8Array[] = [Uint8Array.from(MAGIC), u16(entries.length)];
  for (const e of entries) {
    const name = Buffer.from(e.name, "utf8");
    parts.push(Uint8Array.of(e.repo, e.kind), u16(name.length), name, u32(e.data.length), e.data);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** Parses a bundle; throws MalformedBundleError naming what is wrong (never reads past the end). */
export function decodeBundle(bytes: Uint8Array): MetadataBundle {
  let at = 0;
  const need = (n: number, what: string) => {
    if (at + n > bytes.length) throw new MalformedBundleError(`truncated in ${what} at byte ${at}`);
  };
  need(MAGIC.length + 2, "header");
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) throw new MalformedBundleError("bad magic or version");
  at = MAGIC.length;
  const count = (bytes[at]! << 8) | bytes[at + 1]!;
  at += 2;
  if (count > MAX_ENTRIES) throw new MalformedBundleError(`${count} entries (at most ${MAX_ENTRIES})`);
  let offlineTargetsFile = "";
  const repos = [
    { roots: [] as Uint8Array[], fields: new Map<number, Uint8Array>(), delegations: new Map<string, Uint8Array>() },
    { roots: [] as Uint8Array[], fields: new Map<number, Uint8Array>(), delegations: new Map<string, Uint8Array>() },
  ];
  for (let i = 0; i < count; i++) {
    need(4, "entry header");
    const repo = bytes[at]!;
    const kind = bytes[at + 1]!;
    const nameLen = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    at += 4;
    if (repo > 1) throw new MalformedBundleError(`entry ${i}: unknown repository ${repo}`);
    if (kind > KIND.offlineTargets) throw new MalformedBundleError(`entry ${i}: unknown kind ${kind}`);
    if (kind >= KIND.offlineSnapshot && repo !== 0) throw new MalformedBundleError(`entry ${i}: offline-update metadata is the Director's`);
    need(nameLen, "name");
    const name = Buffer.from(bytes.subarray(at, at + nameLen)).toString("utf8");
    at += nameLen;
    need(4, "data length");
    const len = ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!;
    at += 4;
    need(len, "data");
    const data = new Uint8Array(bytes.subarray(at, at + len)); // a copy, as a plain Uint8Array
    at += len;
    const r = repos[repo]!;
    if (kind === KIND.root) r.roots.push(data);
    else if (kind === KIND.delegation) {
      if (r.delegations.has(name)) throw new MalformedBundleError(`entry ${i}: delegated role "${name}" twice`);
      r.delegations.set(name, data);
    } else {
      if (r.fields.has(kind)) throw new MalformedBundleError(`entry ${i}: a second ${kindName(kind)}`);
      r.fields.set(kind, data);
      if (kind === KIND.offlineTargets) offlineTargetsFile = name;
    }
  }
  if (at !== bytes.length) throw new MalformedBundleError(`${bytes.length - at} trailing bytes`);
  const toRepo = (r: (typeof repos)[number]): RepositoryBundle | null => {
    const offlineSnapshot = r.fields.get(KIND.offlineSnapshot);
    const offlineTargets = r.fields.get(KIND.offlineTargets);
    if (!offlineSnapshot !== !offlineTargets) throw new MalformedBundleError("an offline update needs both the Offline-update Snapshot and Targets");
    if (offlineTargets && r.fields.has(KIND.targets)) throw new MalformedBundleError("Director targets and Offline-update Targets together");
    const targets = offlineTargets ?? r.fields.get(KIND.targets);
    if (!targets) return null;
    const out: RepositoryBundle = { roots: r.roots, targets, delegations: r.delegations };
    if (offlineSnapshot) out.offline = { snapshot: offlineSnapshot, targetsFile: offlineTargetsFile };
    const timestamp = r.fields.get(KIND.timestamp);
    const snapshot = r.fields.get(KIND.snapshot);
    if (timestamp) out.timestamp = timestamp;
    if (snapshot) out.snapshot = snapshot;
    return out;
  };
  const director = toRepo(repos[0]!);
  if (!director) throw new MalformedBundleError("no Director targets");
  const image = toRepo(repos[1]!);
  if (!image && (repos[1]!.fields.size > 0 || repos[1]!.roots.length > 0)) throw new MalformedBundleError("Image repository files without targets");
  return image ? { director, image } : { director };
}

/**
 * Reads a bundle as its bytes arrive, for a partial Secondary that streams the Director
 * targets into its module (README "Streaming partial verification"): the other files
 * (the Director roots) are collected whole, the Director targets go chunk by chunk to the
 * consumer that `onDirectorTargets(roots, length)` returns, never held whole. The rules
 * are decodeBundle's; the first violation is thrown by finish(), so a refusal comes at
 * the end of the transfer as with a buffered bundle.
 */
export class BundleStream {
  private at = 0;
  private field = new Uint8Array(0); // the fixed-size field being read
  private fieldLen = 0;
  private fieldStart = 0;
  private what = "header";
  private count = -1;
  private entries = 0;
  private entry = { repo: 0, kind: 0, name: "", len: 0 };
  private data: Uint8Array | null = null; // the file being collected
  private dataAt = 0;
  private sink: ((chunk: Uint8Array) => void) | null = null;
  private remaining = 0; // bytes of the current file still to come
  private readonly roots: Uint8Array[][] = [[], []];
  private readonly seen = [new Set<string>(), new Set<string>()];
  private error: string | null = null;

  constructor(
    private readonly size: number,
    private readonly onDirectorTargets: (roots: Uint8Array[], length: number) => (chunk: Uint8Array) => void,
  ) {
    this.expect(MAGIC.length + 2, "header");
  }

  private expect(n: number, what: string): void {
    this.field = new Uint8Array(n);
    this.fieldLen = 0;
    this.fieldStart = this.at;
    this.what = what;
  }

  private fail(message: string): void {
    this.error ??= message;
  }

  write(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length && this.error === null) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - i);
        const part = chunk.subarray(i, i + n);
        if (this.sink) this.sink(part);
        else this.data!.set(part, this.dataAt);
        this.dataAt += n;
        this.remaining -= n;
        this.at += n;
        i += n;
        if (this.remaining === 0) this.endFile();
        continue;
      }
      if (this.what === "end") {
        this.fail(`${this.size - this.at} trailing bytes`);
        break;
      }
      const n = Math.min(this.field.length - this.fieldLen, chunk.length - i);
      this.field.set(chunk.subarray(i, i + n), this.fieldLen);
      this.fieldLen += n;
      this.at += n;
      i += n;
      if (this.fieldLen === this.field.length) this.endField();
    }
  }

  private endField(): void {
    const f = this.field;
    if (this.what === "header") {
      for (let k = 0; k < MAGIC.length; k++) if (f[k] !== MAGIC[k]) return this.fail("bad magic or version");
      this.count = (f[MAGIC.length]! << 8) | f[MAGIC.length + 1]!;
      if (this.count > MAX_ENTRIES) return this.fail(`${this.count} entries (at most ${MAX_ENTRIES})`);
      return this.nextEntry();
    }
    if (this.what === "entry header") {
      const i = this.entries;
      this.entry = { repo: f[0]!, kind: f[1]!, name: "", len: 0 };
      if (this.entry.repo > 1) return this.fail(`entry ${i}: unknown repository ${this.entry.repo}`);
      if (this.entry.kind > KIND.delegation) return this.fail(`entry ${i}: unknown kind ${this.entry.kind}`);
      return this.expect((f[2]! << 8) | f[3]!, "name");
    }
    if (this.what === "name") {
      this.entry.name = Buffer.from(f).toString("utf8");
      return this.expect(4, "data length");
    }
    // data length: the file follows (never longer than what is left of the download)
    const len = ((f[0]! << 24) >>> 0) + (f[1]! << 16) + (f[2]! << 8) + f[3]!;
    const { repo, kind, name } = this.entry;
    const key = kind === KIND.delegation ? `d:${name}` : `k:${kind}`;
    if (this.seen[repo]!.has(key)) return this.fail(kind === KIND.delegation ? `entry ${this.entries}: delegated role "${name}" twice` : `entry ${this.entries}: a second ${kindName(kind)}`);
    if (kind !== KIND.root) this.seen[repo]!.add(key);
    if (len > this.size - this.at) {
      this.fieldStart = this.at;
      this.what = "data";
      return this.fail(`truncated in data at byte ${this.at}`);
    }
    this.entry.len = len;
    this.dataAt = 0;
    this.remaining = len;
    this.fieldStart = this.at;
    this.what = "data";
    if (repo === 0 && kind === KIND.targets) {
      this.sink = this.onDirectorTargets(this.roots[0]!, len);
      this.data = null;
    } else {
      this.sink = null;
      this.data = new Uint8Array(len);
    }
    if (len === 0) this.endFile();
  }

  private endFile(): void {
    if (this.entry.kind === KIND.root && this.data) this.roots[this.entry.repo]!.push(this.data);
    this.data = null;
    this.sink = null;
    this.entries++;
    this.nextEntry();
  }

  private nextEntry(): void {
    if (this.entries >= this.count) {
      this.what = "end";
      return;
    }
    this.expect(4, "entry header");
  }

  /** Every byte arrived: throws MalformedBundleError for the first violation. */
  finish(): void {
    if (this.error === null && this.what !== "end") this.fail(`truncated in ${this.what} at byte ${this.fieldStart}`);
    if (this.error === null && !this.seen[0]!.has(`k:${KIND.targets}`)) this.fail("no Director targets");
    if (this.error === null && !this.seen[1]!.has(`k:${KIND.targets}`) && (this.seen[1]!.size > 0 || this.roots[1]!.length > 0)) this.fail("Image repository files without targets");
    if (this.error !== null) throw new MalformedBundleError(this.error);
  }
}

function kindName(kind: number): string {
  return Object.entries(KIND).find(([, v]) => v === kind)?.[0] ?? String(kind);
}

function u16(n: number): Uint8Array {
  if (n > 0xffff) throw new RangeError(`${n} does not fit 16 bits`);
  return Uint8Array.of(n >> 8, n & 0xff);
}

function u32(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}
