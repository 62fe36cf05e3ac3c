// The OEM console's HTTP surface, mounted under `/console/` (README "Backend: OEM console"):
// server-rendered pages behind a login, over HTTPS only.
//   GET  /console/login, POST /console/login, POST /console/logout
//   GET  /console/fleet | /console/vehicles/VIN | /console/campaigns[/ID] | /console/image | /console/alerts
//   POST /console/alerts/ID/acknowledge                  (release manager)
//   POST /console/submissions/ID/approve | reject        (release manager)
//   POST /console/campaigns                              (release manager)
//   POST /console/campaigns/ID/promote | pause | resume | cancel   (release manager)
//   GET  /console/users, POST /console/users, POST /console/users/NAME/disable   (admin)
//   GET  /console/account, POST /console/account/password           (any user: its own password)
//   GET  /console/assets/console.css | console.js        (no login: the login page uses them)
// Every POST must carry the session's CSRF token (the login form: its own double-submit
// token) and, from a browser, an Origin of this server; the role is checked here, on the
// server, whatever the page showed. Every answer carries a content security policy with no
// inline script or style.
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import type { RouteRequest } from "../http/server.ts";
import { readBody, ClientGone } from "../http/request-body.ts";
import { Refused } from "../director/errors.ts";
import type { Director } from "../director/director.ts";
import type { ConsoleRole, Inventory } from "../inventory/inventory.ts";
import { ConsoleQueries } from "../inventory/console-queries.ts";
import { loadPublished } from "../image/published.ts";
import { BundleError } from "../image/bundle.ts";
import { ExpiredRoleError } from "../offline-expiry.ts";
import { approveSubmission, rejectSubmission, submissionOf } from "../supplier-portal/submissions.ts";
import { acknowledgeAlert } from "../director/fleet-view.ts";
import { isoTime } from "../../model/iso-time.ts";
import { LoginsBusy, PasswordLogin } from "../auth/password-login.ts";
import type { LoginThrottle } from "../auth/login-throttle.ts";
import { isVin } from "../../model/identifiers.ts";
import { html, type Html } from "./html.ts";
import { loginPage, page, type Notice, type Section } from "./layout.ts";
import { ConsoleSessions, cookieValue, LOGIN_COOKIE, sameToken, SESSION_COOKIE, setCookie, type ConsoleSession } from "./sessions.ts";
import { addConsoleUser, changeConsolePassword, ConsoleUserError, disableConsoleUser, isConsoleRole, listConsoleUsers, roleAllows } from "./users.ts";
import { accountContent, usersContent } from "./pages/users.ts";
import { NameError } from "../image/names.ts";
import { CONSOLE_CSS, CONSOLE_JS } from "./assets.ts";
import { fleetContent } from "./pages/fleet.ts";
import { vehicleContent } from "./pages/vehicle.ts";
import { alertsContent } from "./pages/alerts.ts";
import { imageContent } from "./pages/image.ts";
import { campaignContent, campaignsContent } from "./pages/campaigns.ts";

export const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const MAX_FORM_BYTES = 32 * 1024;

export interface ConsoleRouteOptions {
  dir: string;
  inventory: Inventory;
  director: Director;
  throttle: LoginThrottle;
  clock: () => Date;
  log: (line: string) => void;
  warnDays: number;
}

/** A refused console request: its status and what the page says (nothing was done). */
class ConsoleRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader("content-security-policy", CONTENT_SECURITY_POLICY);
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("x-frame-options", "DENY");
  res.setHeader("referrer-policy", "same-origin");
  res.setHeader("cache-control", "no-store");
}

function sendHtml(res: ServerResponse, status: number, body: Html, cookies: string[] = []): void {
  const bytes = Buffer.from(body.text, "utf8");
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "content-length": bytes.length });
  res.end(bytes);
}

function redirect(res: ServerResponse, location: string, cookies: string[] = []): void {
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  res.writeHead(303, { location, "content-length": 0 });
  res.end();
}

/** A browser's POST from another origin is refused whatever it carries (the CSRF token is checked as well). */
function checkOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `https://${req.headers.host ?? ""}`) throw new ConsoleRefused(403, `a form from another origin (${origin.slice(0, 100)}) is refused: nothing was done`);
  if (origin === undefined && req.headers["sec-fetch-site"] !== undefined && req.headers["sec-fetch-site"] !== "same-origin") throw new ConsoleRefused(403, "a form from another site is refused: nothing was done");
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") throw new ConsoleRefused(415, "the console takes HTML form posts (application/x-www-form-urlencoded) only");
  return new URLSearchParams((await readBody(req, MAX_FORM_BYTES)).toString("utf8"));
}

function positiveId(raw: string | undefined): number {
  if (raw === undefined || !/^[1-9]\d{0,15}$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new ConsoleRefused(404, "no such page");
  return Number(raw);
}

/** Where an action returns to: a console page of this server only (never an open redirect). */
function backTo(raw: string | null, fallback: string): string {
  return raw !== null && /^\/console\/[A-Za-z0-9/_.~%?=&+-]*$/.test(raw) && !raw.includes("//") ? raw : fallback;
}

/** The notices a redirect may name (fixed texts: a link cannot make the page say anything else). */
function noticeOf(query: URLSearchParams): Notice | null {
  const n = query.get("n");
  const id = n !== null && /^\d{1,16}$/.test(n) ? n : "?";
  const u = query.get("u");
  const user = u !== null && /^[a-z0-9][a-z0-9_-]{0,63}$/.test(u) ? u : "?";
  switch (query.get("notice")) {
    case "disabled":
      return { kind: "done", text: `User ${user} disabled; its sessions are ended.` };
    case "acknowledged":
      return { kind: "done", text: `Alert ${id} acknowledged.` };
    case "approved":
      return { kind: "done", text: `Submission ${id} approved and published.` };
    case "rejected":
      return { kind: "done", text: `Submission ${id} rejected.` };
    case "campaign":
      return { kind: "done", text: `Campaign ${id} created.` };
    case "promote":
      return { kind: "done", text: `Campaign ${id} promoted to every vehicle.` };
    case "pause":
      return { kind: "done", text: `Campaign ${id} paused.` };
    case "resume":
      return { kind: "done", text: `Campaign ${id} resumed.` };
    case "cancel":
      return { kind: "done", text: `Campaign ${id} cancelled.` };
    default:
      return null;
  }
}

/** What a refused backend operation says, with the status the console answers. */
function refusalOf(e: unknown): ConsoleRefused | null {
  if (e instanceof ConsoleRefused) return e;
  if (e instanceof ConsoleUserError) return new ConsoleRefused(e.code === "wrong-password" ? 403 : e.code === "login-locked" ? 429 : e.code === "logins-busy" ? 503 : 409, e.message);
  if (e instanceof NameError) return new ConsoleRefused(400, e.message);
  if (e instanceof Refused) return new ConsoleRefused(e.status, e.message);
  const code = (e as { code?: unknown }).code;
  if (e instanceof Error && typeof code === "string" && /^[a-z][a-z0-9-]+$/.test(code)) return new ConsoleRefused(code.startsWith("unknown-") ? 404 : code.startsWith("invalid-") ? 400 : 409, e.message);
  if (e instanceof BundleError || e instanceof ExpiredRoleError) return new ConsoleRefused(422, e.message);
  return null;
}

export function consoleRoutes(o: ConsoleRouteOptions) {
  const sessions = new ConsoleSessions(o.inventory, o.clock);
  const login = new PasswordLogin(o.throttle);
  const queries = new ConsoleQueries(o.inventory, o.clock);

  const showLogin = (res: ServerResponse, status: number, error: string | null) => {
    const token = randomBytes(24).toString("hex");
    sendHtml(res, status, loginPage(token, error), [setCookie(LOGIN_COOKIE, token, 3600)]);
  };

  async function section(name: Section | "vehicle" | "campaign", session: ConsoleSession, query: URLSearchParams, arg: string | undefined): Promise<{ title: string; content: Html; section: Section } | null> {
    switch (name) {
      case "users":
        if (!roleAllows(session.user.role, "admin")) throw new ConsoleRefused(403, `${session.user.name} is a ${session.user.role}: only an admin manages users`);
        return { title: "Users", section: "users", content: usersContent(listConsoleUsers(o.dir), session, null) };
      case "account":
        return { title: "Account", section: "account", content: accountContent(session, null) };
      case "fleet":
        return { title: "Fleet", section: "fleet", content: fleetContent(queries, query) };
      case "vehicle": {
        if (arg === undefined || !isVin(arg)) return null;
        const content = vehicleContent(o.inventory, queries, arg, session);
        return content && { title: `Vehicle ${arg}`, section: "fleet", content };
      }
      case "alerts":
        return { title: "Alerts", section: "alerts", content: alertsContent(o.inventory, queries, query, session) };
      case "image": {
        const state = await loadPublished(o.dir);
        const pending = o.inventory.submissions({ status: "pending", limit: 200 }).map(submissionOf);
        return { title: "Image repository", section: "image", content: imageContent({ dir: o.dir, state, pending, session, now: o.clock(), warnDays: o.warnDays }) };
      }
      case "campaigns":
        return { title: "Campaigns", section: "campaigns", content: campaignsContent(o.inventory, session, o.clock()) };
      case "campaign": {
        const rawAfter = query.get("after");
        const after = rawAfter !== null && /^[1-9]\d{0,15}$/.test(rawAfter) ? Number(rawAfter) : undefined;
        const content = campaignContent({ inventory: o.inventory, queries, id: positiveId(arg), session, now: o.clock(), after });
        return content && { title: `Campaign ${arg}`, section: "campaigns", content };
      }
    }
  }

  /**
   * Runs one action for a user of at least `role`; answers a redirect to `back` with its
   * notice, or a page (what must be shown once, as a new password, is never in a URL).
   */
  async function act(req: IncomingMessage, res: ServerResponse, session: ConsoleSession, role: ConsoleRole, what: string, run: (form: URLSearchParams) => Promise<string | { page: Html; cookies?: string[] }>): Promise<void> {
    checkOrigin(req);
    const form = await readForm(req);
    if (!sameToken(form.get("csrf") ?? "", session.csrf)) throw new ConsoleRefused(403, "the form's CSRF token is not this session's: nothing was done (reload the page and try again)");
    if (!roleAllows(session.user.role, role)) throw new ConsoleRefused(403, `${session.user.name} is a ${session.user.role}: only a${role === "admin" ? "n" : ""} ${role}${role === "admin" ? "" : " or above"} may ${what}; nothing was done`);
    const done = await run(form);
    o.log(`console: ${session.user.name} (${session.user.role}) did: ${what}`);
    if (typeof done === "string") redirect(res, done);
    else sendHtml(res, 200, done.page, done.cookies);
  }

  return async ({ method, segments, query, req, res, client }: RouteRequest): Promise<void> => {
    securityHeaders(res);
    let session: ConsoleSession | null = null;
    try {
      const [first, second, third] = segments;
      if (first === "assets" && segments.length === 2 && (method === "GET" || method === "HEAD")) {
        const asset = second === "console.css" ? { body: CONSOLE_CSS, type: "text/css; charset=utf-8" } : second === "console.js" ? { body: CONSOLE_JS, type: "text/javascript; charset=utf-8" } : null;
        if (!asset) throw new ConsoleRefused(404, "no such asset");
        res.setHeader("cache-control", "max-age=3600");
        res.writeHead(200, { "content-type": asset.type, "content-length": Buffer.byteLength(asset.body) });
        res.end(method === "HEAD" ? undefined : asset.body);
        return;
      }
      if (!client.tls) throw new ConsoleRefused(403, "the console is served over HTTPS only (this server runs with --plain-http)");
      if (first === "login" && segments.length === 1) {
        if (method === "GET") {
          if (sessions.lookup(req)) return redirect(res, "/console/fleet");
          return showLogin(res, 200, null);
        }
        if (method !== "POST") throw new ConsoleRefused(405, "the login page takes GET and POST");
        checkOrigin(req);
        const form = await readForm(req);
        if (!sameToken(form.get("csrf") ?? "", cookieValue(req, LOGIN_COOKIE) ?? "")) return showLogin(res, 403, "The login form expired or came from another site: try again.");
        const name = (form.get("name") ?? "").slice(0, 64);
        const row = name === "" ? undefined : o.inventory.consoleUser(name);
        let result;
        try {
          result = await login.check(row && { name: row.name, passwordHash: row.password_hash, usable: row.disabled_at === null }, (form.get("password") ?? "").slice(0, 256), req.socket.remoteAddress ?? "unknown");
        } catch (e) {
          if (e instanceof LoginsBusy) return showLogin(res, 503, e.message);
          throw e;
        }
        if (result.outcome === "locked") {
          res.setHeader("retry-after", String(result.retryAfterSeconds));
          return showLogin(res, 429, `Too many failed logins for this user or from this address: try again in ${result.retryAfterSeconds} s.`);
        }
        if (result.outcome === "refused" || !row) {
          o.log(`console: failed login${row ? ` for ${row.name}` : ""}`);
          return showLogin(res, 401, "Wrong user name or password.");
        }
        const opened = sessions.open(row.name);
        o.log(`console: ${row.name} (${row.role}) logged in`);
        return redirect(res, "/console/fleet", [opened.cookie, setCookie(LOGIN_COOKIE, "", 0)]);
      }
      session = sessions.lookup(req);
      if (!session) {
        if (method === "GET" || method === "HEAD") return redirect(res, "/console/login");
        throw new ConsoleRefused(403, "not logged in (or the session ended): nothing was done");
      }
      const s = session;
      if (method === "POST") {
        if (first === "logout" && segments.length === 1) {
          checkOrigin(req);
          const form = await readForm(req);
          if (!sameToken(form.get("csrf") ?? "", s.csrf)) throw new ConsoleRefused(403, "the form's CSRF token is not this session's: still logged in");
          sessions.close(s);
          return redirect(res, "/console/login", [setCookie(SESSION_COOKIE, "", 0)]);
        }
        if (first === "alerts" && third === "acknowledge" && segments.length === 3) {
          const id = positiveId(second);
          return await act(req, res, s, "release-manager", `acknowledge alert ${id}`, async (form) => {
            acknowledgeAlert(o.inventory, id, isoTime(o.clock()), s.user.name);
            const back = backTo(form.get("back"), "/console/alerts");
            return `${back}${back.includes("?") ? "&" : "?"}notice=acknowledged&n=${id}`;
          });
        }
        if (first === "submissions" && (third === "approve" || third === "reject") && segments.length === 3) {
          const id = positiveId(second);
          return await act(req, res, s, "release-manager", `${third} supplier submission ${id}`, async (form) => {
            if (third === "approve") await approveSubmission(o.dir, id, (form.get("expectSha256") ?? "").trim(), o.clock());
            else await rejectSubmission(o.dir, id, (form.get("reason") ?? "").trim().slice(0, 500) || `rejected by ${s.user.name}`, o.clock());
            return `/console/image?notice=${third === "approve" ? "approved" : "rejected"}&n=${id}`;
          });
        }
        if (first === "users" && segments.length === 1) {
          return await act(req, res, s, "admin", "add a user", async (form) => {
            const role = form.get("role") ?? "";
            if (!isConsoleRole(role)) throw new ConsoleRefused(400, "the role must be viewer, release-manager or admin");
            const added = await addConsoleUser(o.dir, (form.get("name") ?? "").trim(), role, { now: o.clock() });
            return { page: page({ title: "Users", section: "users", session: s, content: usersContent(listConsoleUsers(o.dir), s, added) }) };
          });
        }
        if (first === "users" && third === "disable" && segments.length === 3) {
          const name = second!;
          return await act(req, res, s, "admin", `disable user ${/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name) ? name : "(not a user name)"}`, async () => {
            disableConsoleUser(o.dir, name, o.clock());
            return name === s.user.name ? "/console/login" : `/console/users?notice=disabled&u=${encodeURIComponent(name)}`;
          });
        }
        if (first === "account" && second === "password" && segments.length === 2) {
          return await act(req, res, s, "viewer", "change their password", async (form) => {
            const { password } = await changeConsolePassword(o.dir, login, { name: s.user.name, current: form.get("current") ?? "", address: req.socket.remoteAddress ?? "unknown" });
            // Every session of the user ended; this browser gets a new one (a new cookie and CSRF token).
            const opened = sessions.open(s.user.name);
            const renewed: ConsoleSession = { ...s, csrf: opened.csrf };
            return { page: page({ title: "Account", section: "account", session: renewed, notice: null, content: accountContent(renewed, password) }), cookies: [opened.cookie] };
          });
        }
        if (first === "campaigns" && segments.length === 1) {
          return await act(req, res, s, "release-manager", "create a campaign", async (form) => {
            const raw = (form.get("vins") ?? "").trim();
            const vins = raw === "" ? undefined : raw.split(/[\s,]+/).filter((v) => v !== "");
            const count = (name: string) => {
              const v = (form.get(name) ?? "").trim();
              if (v === "") return undefined;
              if (!/^\d{1,9}$/.test(v)) throw new ConsoleRefused(400, `${name} must be a whole number, not '${v.slice(0, 20)}'`);
              return Number(v);
            };
            const r = await o.director.campaign((form.get("hardwareId") ?? "").trim(), (form.get("target") ?? "").trim(), vins, { maxFailures: count("maxFailures"), maxFailurePercent: count("maxFailurePercent") });
            return `/console/campaigns/${r.campaignId}?notice=campaign&n=${r.campaignId}`;
          });
        }
        if (first === "campaigns" && segments.length === 3 && (third === "promote" || third === "pause" || third === "resume" || third === "cancel")) {
          const id = positiveId(second);
          return await act(req, res, s, "release-manager", `${third} campaign ${id}`, async () => {
            if (third === "promote") await o.director.promoteCampaign(id);
            else if (third === "pause") o.director.pauseCampaign(id, `paused by ${s.user.name}`);
            else if (third === "resume") o.director.resumeCampaign(id);
            else o.director.cancelCampaign(id);
            return `/console/campaigns/${id}?notice=${third}&n=${id}`;
          });
        }
        throw new ConsoleRefused(404, "no such action");
      }
      if (method !== "GET" && method !== "HEAD") throw new ConsoleRefused(405, "console pages take GET, actions POST");
      if (segments.length === 0) return redirect(res, "/console/fleet");
      const name = first === "vehicles" ? "vehicle" : first === "campaigns" && second !== undefined ? "campaign" : first;
      const known = ["fleet", "vehicle", "alerts", "image", "campaigns", "campaign", "users", "account"];
      const depth = name === "vehicle" || name === "campaign" ? 2 : 1;
      if (!known.includes(name!) || segments.length !== depth) throw new ConsoleRefused(404, "no such page");
      const shown = await section(name as Section, s, query, second);
      if (!shown) throw new ConsoleRefused(404, "no such page");
      sendHtml(res, 200, page({ title: shown.title, section: shown.section, session: s, notice: noticeOf(query), content: shown.content }));
    } catch (e) {
      if (e instanceof ClientGone || res.destroyed) {
        res.destroy();
        return;
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      let refusal = refusalOf(e);
      if (!refusal) {
        o.log(`ERROR console: ${(e instanceof Error ? e.message : String(e)).replace(/[^\x20-\x7e]/g, "?").slice(0, 300)}`);
        refusal = new ConsoleRefused(500, "the server failed; see its log (nothing is claimed about what was done)");
      }
      const content = html`<h1>Not done</h1><p class="notice error" role="alert">${refusal.message}</p><p><a href="/console/fleet">Fleet</a></p>`;
      if (session) sendHtml(res, refusal.status, page({ title: "Not done", section: null, session, content }));
      else sendHtml(res, refusal.status, html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not done · uptane console</title><link rel="stylesheet" href="/console/assets/console.css"></head><body><main id="main" class="login"><h1>Not done</h1><p class="notice error" role="alert">${refusal.message}</p><p><a href="/console/login">Log in</a></p></main></body></html>`);
    }
  };
}
