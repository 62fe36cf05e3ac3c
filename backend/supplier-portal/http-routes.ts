// The supplier portal's HTTP surface, mounted under `/supplier/` (README "Backend:
// supplier portal"); every request carries the account's Basic credentials, over TLS:
//   GET  /supplier/account              the account: name and the roles it delivers
//   POST /supplier/submissions          body: a bundle (`uptane supplier sign --out`); 202, held for review
//   GET  /supplier/submissions          the account's own submissions, newest first, with their status
//   GET  /supplier/submissions/ID       one of them (another account's is 404, as a missing one)
// An upload is refused when it is over the cap (413), not a bundle (400), holds a role the
// account does not deliver (403), or fails the import's checks against what is published
// now (422, with the reason); nothing is stored then. Nothing is ever published on upload.
import type { RouteRequest } from "../http/server.ts";
import { readBody, sendError, sendJson } from "../http/request-body.ts";
import { Refused } from "../director/errors.ts";
import type { Inventory } from "../inventory/inventory.ts";
import { loadPublished } from "../image/published.ts";
import { decodeBundle, BundleError } from "../image/bundle.ts";
import { verifyBundle } from "../image/import.ts";
import { PortalAuthenticator, PortalRefused } from "./authenticate.ts";
import { rolesNotOwned } from "./bundle-ownership.ts";
import { storeSubmission, submissionOf } from "./submissions.ts";
import type { LoginThrottle } from "../auth/login-throttle.ts";

export interface PortalRouteOptions {
  dir: string;
  inventory: Inventory;
  throttle: LoginThrottle;
  maxBundleBytes: number;
  clock: () => Date;
  log: (line: string) => void;
}

const MAX_LISTED = 200;

export function supplierPortalRoutes(o: PortalRouteOptions) {
  const auth = new PortalAuthenticator(o.inventory, o.throttle);
  return async ({ method, segments: parts, req, res, client }: RouteRequest): Promise<void> => {
    try {
      // An upload refused before its body is read closes the connection instead of reading the rest.
      if (method === "POST") res.setHeader("connection", "close");
      const account = await auth.authenticate(req, client);
      if (parts.length === 1 && parts[0] === "account") {
        if (method !== "GET") throw new Refused(405, "method-not-allowed", "read the account with GET");
        sendJson(res, 200, { ok: true, account: account.name, roles: account.roles });
        return;
      }
      if (parts[0] === "submissions" && parts.length === 1 && method === "POST") {
        const bytes = await readBody(req, o.maxBundleBytes);
        res.removeHeader("connection");
        let bundle;
        try {
          bundle = decodeBundle(bytes);
        } catch (e) {
          if (e instanceof BundleError) throw new Refused(400, "invalid-bundle", e.message);
          throw e;
        }
        const state = await loadPublished(o.dir);
        const foreign = rolesNotOwned(state, bundle, account.roles);
        if (foreign.length > 0) {
          throw new Refused(403, "role-not-yours", `account ${account.name} delivers ${account.roles.join(", ")} (and roles delegated below them); this bundle holds ${foreign.join(", ")}`);
        }
        try {
          verifyBundle(state, bundle, o.clock());
        } catch (e) {
          if (e instanceof BundleError) throw new Refused(422, "bundle-refused", e.message);
          throw e;
        }
        const submission = await storeSubmission(o.dir, o.inventory, account.name, bytes, bundle, o.clock());
        o.log(`supplier ${account.name} submitted bundle ${submission.sha256} as submission ${submission.id} (${submission.bytes} bytes), pending review`);
        sendJson(res, 202, { ok: true, submission });
        return;
      }
      if (parts[0] === "submissions" && parts.length <= 2) {
        if (method !== "GET") throw new Refused(405, "method-not-allowed", parts.length === 1 ? "GET lists submissions, POST uploads a bundle" : "read a submission with GET");
        if (parts.length === 1) {
          sendJson(res, 200, { ok: true, submissions: o.inventory.submissions({ account: account.name, limit: MAX_LISTED }).map(submissionOf) });
          return;
        }
        const id = /^[1-9]\d{0,15}$/.test(parts[1]!) ? Number(parts[1]) : NaN;
        const row = Number.isSafeInteger(id) ? o.inventory.submission(id) : undefined;
        if (!row || row.account !== account.name) throw new Refused(404, "not-found", `account ${account.name} has no submission ${parts[1]}`);
        sendJson(res, 200, { ok: true, submission: submissionOf(row) });
        return;
      }
      throw new Refused(404, "not-found", `no supplier portal resource at /supplier/${parts.join("/")}`);
    } catch (e) {
      if (e instanceof PortalRefused && !res.headersSent) for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
      sendError(res, e, o.log);
    }
  };
}
