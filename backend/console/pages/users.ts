// The Users page (administrators) and the Account page (every user): the console's users
// with their roles, a form that adds one (its password shown once, on the answer to that
// form only), a button that disables one; and the logged-in user's password change. Each
// is the function `uptane user add / list / disable / password` and the API call, under
// the same rules (README "Backend: OEM console").
import { html, type Html } from "../html.ts";
import type { ConsoleUser } from "../users.ts";
import { CONSOLE_ROLES } from "../users.ts";
import { csrfField } from "../layout.ts";
import type { ConsoleSession } from "../sessions.ts";

const ROLE_TEXT: Record<string, string> = {
  viewer: "viewer: reads every page",
  "release-manager": "release manager: also runs campaigns, reviews submissions, acknowledges alerts",
  admin: "administrator: also manages users",
};

/** A password shown once: on the answer to the form that made it, never again. */
function shownOnce(who: string, password: string): Html {
  return html`<section class="notice done" role="status" aria-labelledby="once-title"><h2 id="once-title">${who}</h2>
<p>The password, shown this once (only its hash is kept): <code id="new-password">${password}</code></p>
<p>Give it by a channel you trust; nobody can show it again.</p></section>`;
}

export function usersContent(users: ConsoleUser[], session: ConsoleSession, added: { user: ConsoleUser; password: string } | null): Html {
  return html`<h1>Users</h1>
${added ? shownOnce(`Created user ${added.user.name} (${added.user.role})`, added.password) : ""}
<div class="table-wrap" tabindex="0"><table id="users-table">
<caption class="skip">Console users</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">State</th><th scope="col">Action</th></tr></thead>
<tbody>${users.map(
    (u) => html`<tr><td class="mono">${u.name}</td><td>${u.role}</td><td>${u.createdAt}</td><td>${u.disabled ? html`<span class="badge bad">disabled</span>` : html`<span class="badge ok">enabled</span>`}</td><td>${
      u.disabled
        ? html`<span class="muted">none</span>`
        : html`<form method="post" action="/console/users/${u.name}/disable" class="inline" data-confirm="Disable ${u.name}? Its sessions end at once.">${csrfField(session)}<button type="submit" class="danger" aria-label="Disable user ${u.name}">Disable</button></form>`
    }</td></tr>`,
  )}</tbody></table></div>
<section class="card" aria-labelledby="add-user"><h2 id="add-user">Add a user</h2>
<form method="post" action="/console/users" class="stack">${csrfField(session)}
  <label for="u-name">User name (1-64 of a-z 0-9 _ -)<input id="u-name" name="name" required maxlength="64" pattern="[a-z0-9][a-z0-9_\\-]{0,63}" autocomplete="off"></label>
  <label for="u-role">Role<select id="u-role" name="role">${CONSOLE_ROLES.map((r) => html`<option value="${r}">${ROLE_TEXT[r] ?? r}</option>`)}</select></label>
  <button type="submit">Add user</button>
</form>
<p class="muted">The server makes the password (192 random bits) and shows it once. The last enabled administrator cannot be disabled.</p></section>`;
}

export function accountContent(session: ConsoleSession, changed: string | null): Html {
  return html`<h1>Account</h1>
${changed ? shownOnce("Your new password", changed) : ""}
<p>Logged in as <span class="mono">${session.user.name}</span>, ${ROLE_TEXT[session.user.role] ?? session.user.role}.</p>
<section class="card" aria-labelledby="change-password"><h2 id="change-password">Change your password</h2>
<p>The server makes the new password (192 random bits, as for a new user) and shows it once. Every other session of yours ends; this browser stays logged in with a new session.</p>
<form method="post" action="/console/account/password" class="stack">${csrfField(session)}
  <input type="text" name="username" value="${session.user.name}" autocomplete="username" hidden>
  <label for="a-current">Current password<input id="a-current" name="current" type="password" required maxlength="256" autocomplete="current-password"></label>
  <button type="submit">Make a new password</button>
</form></section>`;
}
