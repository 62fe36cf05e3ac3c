// The frame of every console page: the navigation, who is logged in with the logout form,
// a notice (what the last action did or why it was refused), and the page's content.
import { html, type Html, type HtmlValue } from "./html.ts";
import type { ConsoleSession } from "./sessions.ts";

export type Section = "fleet" | "campaigns" | "image" | "alerts" | "users" | "account";

const SECTIONS: Array<[Section, string, string]> = [
  ["fleet", "Fleet", "/console/fleet"],
  ["campaigns", "Campaigns", "/console/campaigns"],
  ["image", "Image repository", "/console/image"],
  ["alerts", "Alerts", "/console/alerts"],
  ["users", "Users", "/console/users"],
];

export interface Notice {
  kind: "done" | "error";
  text: string;
}

/** The hidden CSRF field every form of a session carries. */
export function csrfField(session: ConsoleSession): Html {
  return html`<input type="hidden" name="csrf" value="${session.csrf}">`;
}

function documentOf(title: string, body: HtmlValue): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · uptane console</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body>
${body}
</body>
</html>
`;
}

export function page(o: { title: string; section: Section | null; session: ConsoleSession; notice?: Notice | null; content: HtmlValue }): Html {
  return documentOf(
    o.title,
    html`<a class="skip" href="#main">Skip to content</a>
<header>
  <span class="brand">uptane console</span>
  <nav aria-label="Sections"><ul>
    ${SECTIONS.filter(([key]) => key !== "users" || o.session.user.role === "admin").map(([key, label, href]) => html`<li><a href="${href}"${key === o.section ? html` aria-current="page"` : ""}>${label}</a></li>`)}
  </ul></nav>
  <div class="who"><a href="/console/account"${o.section === "account" ? html` aria-current="page"` : ""}>${o.session.user.name} (${o.session.user.role})</a>
    <form method="post" action="/console/logout" class="inline">${csrfField(o.session)}<button type="submit">Log out</button></form>
  </div>
</header>
<main id="main">
${o.notice ? html`<p class="notice ${o.notice.kind}" role="${o.notice.kind === "error" ? "alert" : "status"}">${o.notice.text}</p>` : ""}
${o.content}
</main>`,
  );
}

export function loginPage(loginToken: string, error: string | null): Html {
  return documentOf(
    "Log in",
    html`<main id="main" class="login">
<h1>uptane console</h1>
${error ? html`<p class="notice error" role="alert">${error}</p>` : ""}
<form method="post" action="/console/login" class="stack">
  <input type="hidden" name="csrf" value="${loginToken}">
  <label for="name">User name<input id="name" name="name" autocomplete="username" required maxlength="64" autofocus></label>
  <label for="password">Password<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256"></label>
  <button type="submit">Log in</button>
</form>
</main>`,
  );
}
