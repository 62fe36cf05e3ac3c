// The host side of a plain TUF 1.0 client of one repository over full.wasm (README "TUF
// client"; the module's steps are in assembly/verify/tuf.ts). Step by step, because the
// host fetches between steps: each call copies bytes in and returns the module's verdict as
// a VerifyResult. It decides nothing itself (DESIGN.md section 2); the length checks only
// avoid copying what the module would refuse anyway. The arena is kept for the whole cycle
// (the module holds the verified documents there), so a cycle ends with the image check.
import { split64 } from "./module.ts";
import { Capacity, Detail, MISUSE, Outcome, Repo, ResultField, Role } from "../../build/abi.ts";
import { ModuleMisuseError } from "../../model/outcome.ts";
import { CoreVerifier, jsonContent } from "./verifier.ts";
import type { VerifiedTarget, VerifyResult } from "../../model/verification.ts";

/** What a target lookup says: the verified target, the delegated role the search needs next, or a refusal. */
export type TufLookup = { kind: "target"; target: VerifiedTarget } | { kind: "need-role"; role: string } | { kind: "refused"; result: VerifyResult };

/** The limits a client enforces while fetching (the module's caps; exported by it). */
export interface TufLimits {
  rootBytes: number;
  timestampBytes: number;
  snapshotBytes: number;
  targetsBytes: number;
  rootRotations: number;
  delegatedRoles: number;
}

/** One repository, no Director: the TUF 1.0 client workflow in full.wasm. */
export class TufVerifier extends CoreVerifier {
  /** `root`: the client's trusted root.json; throws VerificationError when it is not signed by a threshold of its own root keys. */
  constructor(root: Uint8Array, options: { memoryLimitPages?: number } = {}) {
    super("full", null, "", new Map([["image", root]]), options.memoryLimitPages);
  }

  get limits(): TufLimits {
    const c = (k: number) => this.x.capacity(k);
    return {
      rootBytes: c(Capacity.RootBytes),
      timestampBytes: c(Capacity.TimestampBytes),
      snapshotBytes: c(Capacity.SnapshotBytes),
      targetsBytes: c(Capacity.TargetsBytes),
      rootRotations: c(Capacity.RootRotationsPerCycle),
      delegatedRoles: c(Capacity.DelegatedRoles),
    };
  }

  /** TUF 5.1: starts a cycle at reference time `now` (unix seconds), fixed for the cycle. */
  begin(nowUnixSeconds: number): void {
    this.core.reset();
    this.check(this.x.tufCycleBegin!(...split64(Math.floor(nowUnixSeconds))), "tufCycleBegin");
  }

  /** The local trusted timestamp or snapshot, before any rotation: Ok when its versions now guard against rollback. */
  trusted(role: "timestamp" | "snapshot", bytes: Uint8Array): VerifyResult {
    const cap = role === "timestamp" ? this.x.capacity(Capacity.TimestampBytes) : this.x.capacity(Capacity.SnapshotBytes);
    if (bytes.length > cap) return this.hostResult("OversizedMetadata", "image", role, "document larger than its cap", cap, bytes.length);
    const ptr = this.place(bytes);
    if (ptr === 0) return this.noRoom(role, bytes.length);
    const code = this.x.tufTrusted!(role === "timestamp" ? Role.Timestamp : Role.Snapshot, ptr, bytes.length);
    return this.result(this.check(code, "tufTrusted"));
  }

  /** TUF 5.3.3-5.3.8: root N+1. On Ok it is the trusted root (trustedRoot("image")). */
  rootRotation(bytes: Uint8Array): VerifyResult {
    const cap = this.x.capacity(Capacity.RootBytes);
    if (bytes.length > cap) return this.hostResult("OversizedMetadata", "image", "root", "document larger than its cap", cap, bytes.length);
    const ptr = this.place(bytes);
    if (ptr === 0) return this.noRoom("root", bytes.length);
    const code = this.check(this.x.rootRotation(Repo.Image, ptr, bytes.length), "rootRotation");
    if (code === Outcome.Ok) this.roots.set("image", bytes.slice());
    return this.result(code);
  }

  /** TUF 5.3.10-5.3.11: no more rotations; the trusted root must not be expired. */
  rootFinish(): VerifyResult {
    return this.result(this.check(this.x.rootFinish(Repo.Image), "rootFinish"));
  }

  /** TUF 5.4. */
  timestamp(bytes: Uint8Array): VerifyResult {
    return this.document("timestamp", bytes, Capacity.TimestampBytes, (p, l) => this.x.timestamp!(Repo.Image, p, l));
  }

  /** TUF 5.5. */
  snapshot(bytes: Uint8Array): VerifyResult {
    return this.document("snapshot", bytes, Capacity.SnapshotBytes, (p, l) => this.x.snapshot!(Repo.Image, p, l));
  }

  /** TUF 5.6 (top-level targets). */
  targets(bytes: Uint8Array): VerifyResult {
    return this.document("targets", bytes, Capacity.TargetsBytes, (p, l) => this.x.targets!(Repo.Image, p, l));
  }

  /** A delegated role's file, as the lookup asked for it; checked when the search reaches it. */
  delegatedRole(role: string, bytes: Uint8Array): VerifyResult {
    const cap = this.x.capacity(Capacity.TargetsBytes);
    if (bytes.length > cap) return this.hostResult("OversizedMetadata", "image", role, "document larger than its cap", cap, bytes.length);
    const name = jsonContent(role);
    const np = this.place(name);
    const ptr = np === 0 ? 0 : this.place(bytes);
    if (ptr === 0) return this.noRoom(role, bytes.length);
    const code = this.x.delegatedRole!(np, name.length, ptr, bytes.length);
    if (code === MISUSE) return this.hostResult("DelegationError", "image", role, "more delegated role files than the module holds");
    return this.result(code);
  }

  /** TUF 5.6.7: the target through the delegations (the search asks for roles one at a time). */
  lookup(name: string): TufLookup {
    const n = jsonContent(name);
    const np = this.place(n);
    if (np === 0) return { kind: "refused", result: this.noRoom("targets", n.length) };
    const code = this.check(this.x.tufTarget!(np, n.length), "tufTarget");
    const res = this.result(code);
    if (code === Outcome.MissingTarget && this.x.result(ResultField.Detail) === Detail.DelegatedRoleFileNotProvided && res.role) {
      return { kind: "need-role", role: res.role };
    }
    if (code !== Outcome.Ok) return { kind: "refused", result: res };
    const target = this.readTargets(res).target;
    if (!target) throw new ModuleMisuseError("tufTarget returned Ok without a target row");
    return { kind: "target", target };
  }

  private document(role: string, bytes: Uint8Array, capacity: number, call: (p: number, l: number) => number): VerifyResult {
    const cap = this.x.capacity(capacity);
    if (bytes.length > cap) return this.hostResult("OversizedMetadata", "image", role, "document larger than its cap", cap, bytes.length);
    const ptr = this.place(bytes);
    if (ptr === 0) return this.noRoom(role, bytes.length);
    return this.result(this.check(call(ptr, bytes.length), role));
  }

  /** Copies bytes into the module's arena; 0 when its memory limit leaves no room (the documents of a cycle stay there). */
  private place(bytes: Uint8Array): number {
    this.core.checkAlive();
    const ptr = this.core.exports.alloc(Math.max(bytes.length, 1));
    if (ptr !== 0) new Uint8Array(this.x.memory.buffer, ptr, bytes.length).set(bytes);
    return ptr;
  }

  /** The verdict when a document does not fit in the module's memory limit: refused, as too large for this client. */
  private noRoom(role: string, length: number): VerifyResult {
    return this.hostResult("OversizedMetadata", "image", role, "larger than the module's memory limit leaves room for", undefined, length);
  }
}
