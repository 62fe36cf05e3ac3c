// The time server (Uptane 2.1 5.3.3 / deployment guidance "time server"): signs the
// current time together with the nonces ECUs sent, so each ECU can check the time is
// fresh for it. Format fixed across the project (README "Time server"):
//   {"signatures":[{"keyid":HEX,"sig":HEX}],"signed":{"nonces":[STRING,...],"time":"YYYY-MM-DDTHH:MM:SSZ"}}
// signed over canonical JSON of `signed` by the key under the Director root's `timeserver` role.
import { canonicalJson } from "../../model/canonical-json.ts";
import { signMetadata, type SigningKey } from "../../model/keys.ts";
import { Refused } from "../director/errors.ts";
import { isoTime } from "../../model/iso-time.ts";
import { MAX_NONCE_LENGTH } from "../../model/manifest-format.ts";

/** Largest request body read; larger ones are refused unread. */
export const MAX_TIME_REQUEST_BYTES = 64 * 1024;
export const MAX_NONCES = 1024;

/** Parses `{"nonces":[STRING,...]}`; refuses anything else with a reason. */
export function parseTimeRequest(body: Buffer): string[] {
  if (body.length > MAX_TIME_REQUEST_BYTES) throw new Refused(413, "body-too-large", `time request is larger than ${MAX_TIME_REQUEST_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new Refused(400, "invalid-json", `time request is not JSON: ${(e as Error).message}`);
  }
  const nonces = typeof doc === "object" && doc !== null && !Array.isArray(doc) ? (doc as { nonces?: unknown }).nonces : undefined;
  if (!Array.isArray(nonces) || nonces.length === 0 || nonces.length > MAX_NONCES) throw new Refused(400, "invalid-request", `nonces must be an array of 1 to ${MAX_NONCES} strings`);
  for (const n of nonces) {
    if (typeof n !== "string" || n.length === 0 || n.length > MAX_NONCE_LENGTH) throw new Refused(400, "invalid-nonce", `each nonce must be a string of 1 to ${MAX_NONCE_LENGTH} characters`);
  }
  return nonces as string[];
}

/** The signed attestation's bytes (canonical JSON). */
export function signTimeAttestation(nonces: string[], now: Date, key: SigningKey | SigningKey[]): string {
  return canonicalJson(signMetadata({ nonces, time: isoTime(now) }, [key].flat()));
}
