// When two descriptions name the same image bytes (TUF 1.0 "targets": a target file is
// known by its length and hashes). One rule for the whole project, so that the Primary's
// held images, the verifier's image check, a Secondary's "already installed" and the
// Director's "installed as assigned" can never disagree.

/** A file's length and its hashes (algorithm -> hex digest). */
export interface ImageDigest {
  length: number;
  hashes: Record<string, string>;
}

/**
 * Same length, at least one hash algorithm listed by both, and every algorithm listed by
 * both agrees (hex compared without regard to case). Algorithms only one side lists are
 * not evidence either way; with none in common nothing shows the bytes are the same.
 */
export function sameImage(a: ImageDigest, b: ImageDigest): boolean {
  if (a.length !== b.length) return false;
  const common = Object.keys(a.hashes).filter((alg) => Object.hasOwn(b.hashes, alg));
  return common.length > 0 && common.every((alg) => sameHex(a.hashes[alg], b.hashes[alg]));
}

/** Hex digests compared without regard to case; anything but two strings is not a match. */
function sameHex(x: unknown, y: unknown): boolean {
  return typeof x === "string" && typeof y === "string" && x.toLowerCase() === y.toLowerCase();
}
