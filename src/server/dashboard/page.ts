// The dashboard's HTML shell; app.js fills it from the JSON API.

export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Opus</title>
<link rel="icon" href="/_opus/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/_opus/app.css">
<script type="module" src="/_opus/app.js"></script>
</head>
<body>
<header class="top">
  <a class="brand" href="#">Opus</a>
  <span id="summary" class="summary"></span>
  <span id="certs" class="server" hidden></span>
  <span id="server" class="server" title="Last sync"></span>
  <button id="login" type="button" hidden>Log in</button>
  <button id="logout" type="button" hidden>Log out</button>
</header>
<div id="auth" class="auth" hidden>
  <form id="auth-form">
    <label for="token"><span id="auth-reason"></span> <code>opus server</code> printed a login URL when it made the token; it is in <code>&lt;data dir&gt;/state/admin-token</code>.</label>
    <input id="token" type="password" autocomplete="off" placeholder="API token">
    <button type="submit">Log in</button>
    <span id="auth-error" class="bad"></span>
  </form>
</div>
<p id="notice" class="notice" role="status" hidden></p>
<main class="layout">
  <section class="projects" aria-label="Projects">
    <input id="filter" class="filter" type="search" placeholder="Filter: name, web-*, failed…" aria-label="Filter projects">
    <div class="scroll"><table id="projects" class="cards">
      <thead><tr><th>Project</th><th>Status</th><th>Live</th><th>Desired</th><th>Last build</th></tr></thead>
      <tbody></tbody>
    </table></div>
    <p id="empty" class="muted" hidden>No projects yet. Add one with <code>opus add</code>.</p>
  </section>
  <section id="detail" class="detail" aria-live="polite">
    <p class="muted">Pick a project to see its versions, builds and deploy history.</p>
  </section>
</main>
</body>
</html>
`;

/** The tab icon: an "O" on the accent colour. */
export const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#3557d4"/><circle cx="16" cy="16" r="8" fill="none" stroke="#fff" stroke-width="4"/></svg>
`;
