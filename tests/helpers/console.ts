// A served backend with one console user per role, and a client that logs in and keeps
// the session cookie and CSRF token as a browser would, for the OEM console's tests.
import { addConsoleUser } from "../../backend/console/users.ts";
import { serveBackend, type ServedBackend } from "../../backend/serve.ts";
import type { ConsoleRole } from "../../backend/inventory/inventory.ts";
import { newBackend } from "./image-backend.ts";
import { serverCa, tlsFetch, type TlsResponse } from "./tls.ts";

/** Cheap scrypt for tests (the parameters are stored in each hash; production uses DEFAULT_SCRYPT). */
export const TEST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

export interface ConsoleWorld {
  dir: string;
  served: ServedBackend;
  ca: string;
  passwords: Record<ConsoleRole, string>;
}

export async function consoleWorld(): Promise<ConsoleWorld> {
  const dir = await newBackend();
  const passwords = {} as Record<ConsoleRole, string>;
  for (const role of ["viewer", "release-manager", "admin"] as const) passwords[role] = (await addConsoleUser(dir, role, role, { scrypt: TEST_SCRYPT })).password;
  const served = await serveBackend(dir);
  return { dir, served, ca: serverCa(dir), passwords };
}

export class ConsoleClient {
  cookie = "";
  csrf = "";

  constructor(private readonly world: ConsoleWorld) {}

  request(path: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<TlsResponse> {
    const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
    return tlsFetch(`${this.world.served.url}${path}`, { ca: this.world.ca }, {
      method: init.method ?? (body !== undefined ? "POST" : "GET"),
      body,
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...(body !== undefined ? { "content-type": "application/x-www-form-urlencoded" } : {}), ...(init.headers ?? {}) },
    });
  }

  /** Logs in as `name`; returns the login POST's answer (303 when it worked). */
  async login(name: string, password: string): Promise<TlsResponse> {
    const form = await tlsFetch(`${this.world.served.url}/console/login`, { ca: this.world.ca });
    const loginCookie = cookiesOf(form)[0]!;
    const token = /name="csrf" value="([0-9a-f]+)"/.exec(form.text())![1]!;
    const r = await tlsFetch(`${this.world.served.url}/console/login`, { ca: this.world.ca }, { method: "POST", body: new URLSearchParams({ csrf: token, name, password }).toString(), headers: { cookie: loginCookie, "content-type": "application/x-www-form-urlencoded" } });
    const session = cookiesOf(r).find((c) => c.startsWith("__Host-uptane-console="));
    if (r.status === 303 && session) {
      this.cookie = session;
      const page = await this.request("/console/fleet");
      this.csrf = /name="csrf" value="([0-9a-f]+)"/.exec(page.text())![1]!;
    }
    return r;
  }
}

/** `name=value` of each Set-Cookie of a response. */
export function cookiesOf(r: TlsResponse): string[] {
  const set = r.headers["set-cookie"];
  return (Array.isArray(set) ? set : set ? [set] : []).map((c) => c.split(";")[0]!);
}
