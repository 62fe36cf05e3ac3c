// Who sent a request (README "Backend: TLS and who may read what"): over TLS, a vehicle is
// the VIN of a client certificate that verified against the backend's CAs during the
// handshake and that the inventory records as issued to that VIN and not revoked. Over
// plain HTTP (`uptane serve --plain-http`, loopback only) nobody is identified and the
// vehicle checks are off: a development mode.
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { Refused } from "../director/errors.ts";

export interface Client {
  /** The request came over TLS. */
  tls: boolean;
  /** The VIN of a valid vehicle certificate; null when there is none. */
  vin: string | null;
  /** Why `vin` is null, for the 401 answer. */
  refusal: string;
  /** The serial of a client certificate that verified against the backend's CAs (a vehicle's or a fleet credential's), else null. */
  certificateSerial?: string | null;
}

/** Looks a verified certificate's serial up: the VIN it was issued to and whether it is revoked. */
export type CertificateLookup = (serial: string) => { vin: string; revokedAt: string | null } | undefined;

export const PLAIN_HTTP_CLIENT: Client = { tls: false, vin: null, refusal: "plain HTTP" };

/** What OpenSSL's verification error codes mean for a client, in words. */
const VERIFY_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: "it has expired",
  CERT_NOT_YET_VALID: "it is not valid yet",
  DEPTH_ZERO_SELF_SIGNED_CERT: "it is self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "it chains to a self-signed certificate this backend does not trust",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "it is not issued by this backend's vehicle CA",
  UNABLE_TO_GET_ISSUER_CERT: "it is not issued by this backend's vehicle CA",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "it is not issued by this backend's vehicle CA",
  CERT_SIGNATURE_FAILURE: "its signature does not verify",
  INVALID_PURPOSE: "it is not a client certificate",
};

/** The client of a request on a TLS socket. */
export function tlsClient(req: IncomingMessage, lookup: CertificateLookup): Client {
  const socket = req.socket as TLSSocket;
  const peer = socket.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) {
    return { tls: true, vin: null, refusal: "no client certificate: vehicles connect with the certificate `uptane vehicle add` issued them" };
  }
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? "UNKNOWN");
    return { tls: true, vin: null, refusal: `client certificate refused: ${VERIFY_ERRORS[code] ?? "it does not verify"} (${code})` };
  }
  const serial = String(peer.serialNumber ?? "").toUpperCase();
  const record = lookup(serial);
  const named = peer.subject?.CN;
  if (!record || record.vin !== named) {
    return { tls: true, vin: null, refusal: `client certificate refused: serial ${serial.slice(0, 40)} is not a vehicle certificate this backend issued`, certificateSerial: serial };
  }
  if (record.revokedAt !== null) {
    return { tls: true, vin: null, refusal: `client certificate refused: the certificate of ${record.vin} (serial ${serial}) was revoked at ${record.revokedAt}`, certificateSerial: serial };
  }
  return { tls: true, vin: record.vin, refusal: "", certificateSerial: serial };
}

/**
 * Throws unless the request is a vehicle's (401) and, when `vin` is given, that vehicle's
 * (403). Over plain HTTP it passes: the development mode checks nobody.
 */
export function requireVehicle(client: Client, vin?: string): void {
  if (!client.tls) return;
  if (client.vin === null) throw new Refused(401, "unauthenticated", client.refusal);
  if (vin !== undefined && client.vin !== vin) throw new Refused(403, "forbidden", `this certificate is ${client.vin}'s; it may not read or report for ${vin}`);
}

/** The OEM's write APIs take their secret (token, password) over TLS only. */
export function requireTls(client: Client, what: string): void {
  if (!client.tls) throw new Refused(403, "tls-required", `${what} is only accepted over HTTPS (the server runs with --plain-http)`);
}
