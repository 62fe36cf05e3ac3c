// A backend with two tier-1 suppliers (acme: acme/* for brake controllers, bravo: bravo/*
// for cameras), a portal account for each, and calls to the portal over HTTPS with Basic
// credentials, for the supplier portal's tests.
import { join } from "node:path";
import { delegate } from "../../backend/image/repository.ts";
import { initSupplier, readPublicKeyFile, signSupplier, type SignResult } from "../../backend/supplier/workdir.ts";
import { addSupplierAccount } from "../../backend/supplier-portal/accounts.ts";
import { newBackend, tempDir, writeTemp } from "./image-backend.ts";
import { serverCa, tlsFetch, type TlsResponse } from "./tls.ts";

export interface Credentials {
  name: string;
  password: string;
}

export interface PortalWorld {
  dir: string;
  work: string;
  /** Supplier work folders by role. */
  suppliers: { acme: string; bravo: string };
  accounts: { acme: Credentials; bravo: Credentials };
  ca: string;
}

const DELEGATIONS = { acme: { paths: ["acme/*"], hardwareIds: ["brake-ctl"] }, bravo: { paths: ["bravo/*"], hardwareIds: ["adas-cam"] } };

/** Supplier `role`'s folder under `work`, its delegation in `dir`'s Image repository, and its portal account. */
export async function addSupplier(dir: string, work: string, role: "acme" | "bravo"): Promise<{ folder: string; account: Credentials }> {
  const folder = join(work, role);
  const { publicKeyFile } = await initSupplier(folder, role);
  await delegate(dir, { role, keys: [await readPublicKeyFile(publicKeyFile)], ...DELEGATIONS[role] });
  const { password } = await addSupplierAccount(dir, role, [role]);
  return { folder, account: { name: role, password } };
}

export async function portalWorld(): Promise<PortalWorld> {
  const dir = await newBackend();
  const work = await tempDir("uptane-suppliers-");
  const suppliers = {} as PortalWorld["suppliers"];
  const accounts = {} as PortalWorld["accounts"];
  for (const role of ["acme", "bravo"] as const) ({ folder: suppliers[role], account: accounts[role] } = await addSupplier(dir, work, role));
  return { dir, work, suppliers, accounts, ca: serverCa(dir) };
}

/** Signs `bytes` as target `name` in the supplier's next role version; returns the bundle path and what sign reported. */
export async function signedBundle(world: Pick<PortalWorld, "work" | "suppliers">, role: "acme" | "bravo", name: string, bytes: Uint8Array, hardwareId: string, releaseCounter = 1): Promise<SignResult> {
  const file = await writeTemp(world.work, `${name.replace(/\//g, "_")}-${Date.now()}-${Math.random()}`, bytes);
  return signSupplier(world.suppliers[role], { image: { file, name, hardwareIds: [hardwareId], releaseCounter }, out: `${file}.bundle` });
}

export function basic(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.name}:${c.password}`).toString("base64")}`;
}

/** One request to the portal (path below /supplier/), with credentials when given. */
export function portal(url: string, ca: string, path: string, credentials: Credentials | null, init: { method?: string; body?: Uint8Array | string; headers?: Record<string, string> } = {}): Promise<TlsResponse> {
  return tlsFetch(`${url}/supplier/${path}`, { ca }, { ...init, headers: { ...(init.headers ?? {}), ...(credentials ? { authorization: basic(credentials) } : {}) } });
}
