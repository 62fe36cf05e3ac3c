// Where the backend's TLS material lives (README "Backend: TLS and who may read what"):
//   DIR/tls/server-ca.pem              what vehicles and tools pin to verify the server
//   DIR/tls/server.pem                 the server's certificate (chain)
//   DIR/tls/oem-ca.pem                 the OEM CA certificate (issues the two below)
//   DIR/tls/vehicle-ca.pem             the CA that issues vehicles' client certificates
//   DIR/keys/offline/tls-oem-ca-key.pem        OEM CA key (offline: init only), 0600
//   DIR/keys/online/tls-vehicle-ca-key.pem     vehicle CA key (vehicle add, registration API), 0600
//   DIR/keys/online/tls-server-key.pem         server key, 0600
import { join } from "node:path";

export const TLS_DIR = "tls";
export const SERVER_CA_FILE = "tls/server-ca.pem";
export const SERVER_CERT_FILE = "tls/server.pem";
export const OEM_CA_FILE = "tls/oem-ca.pem";
export const VEHICLE_CA_FILE = "tls/vehicle-ca.pem";
export const OEM_CA_KEY_FILE = "keys/offline/tls-oem-ca-key.pem";
export const VEHICLE_CA_KEY_FILE = "keys/online/tls-vehicle-ca-key.pem";
export const SERVER_KEY_FILE = "keys/online/tls-server-key.pem";

export function tlsPath(dir: string, file: string): string {
  return join(dir, file);
}
