// The dashboard's script, served as /_opus/app.js: plain JavaScript run by the browser as is (kept as a
// string so the package needs no bundler and no asset copying; it must not contain backticks or "${").

export const SCRIPT = String.raw`// Opus dashboard: reads the JSON API and follows build logs (GET /api/v1/builds/:id/log sends
// Server-Sent Events while a build runs, read with fetch). The API token never reaches this script's
// storage: it is exchanged once for an HttpOnly session cookie (POST /_opus/session), which the
// browser sends with every same-origin request. No framework, no build step.
const POLL_MS = 2000;
const state = { projects: [], selected: decodeURIComponent(location.hash.slice(1)), filter: '', builds: undefined, followed: '', followedRun: '', pinned: '', logAbort: null, slowAt: 0 };
// Sent with every request: the server refuses changes made with the cookie without it (CSRF).
const REQUEST_HEADER = { 'X-Opus-Request': 'dashboard' };

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) if (child !== undefined && child !== null && child !== false) el.append(child instanceof Node ? child : String(child));
  return el;
}
const $ = (selector) => document.querySelector(selector);

async function api(path, init = {}) {
  const headers = Object.assign({}, init.headers, REQUEST_HEADER);
  const response = await fetch('/api/v1' + path, Object.assign({}, init, { headers, credentials: 'same-origin' }));
  if (response.status === 401) {
    showLogin(true);
    throw Object.assign(new Error('an API token is needed'), { status: 401 });
  }
  return response;
}
async function getJson(path) {
  const response = await api(path);
  if (!response.ok) throw Object.assign(new Error(path + ': ' + response.status), { status: response.status });
  return response.json();
}

const fmt = {
  bytes(n) {
    if (n === undefined) return '–';
    const units = ['B', 'KB', 'MB', 'GB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n < 10 ? n.toFixed(1) : Math.round(n)) + ' ' + units[i];
  },
  duration(ms) {
    if (ms === undefined) return '–';
    const s = Math.round(ms / 1000);
    return s < 60 ? s + 's' : Math.floor(s / 60) + 'm ' + (s % 60) + 's';
  },
  ago: (iso) => relative(iso),
};
const badge = (status) => h('span', { class: 'badge s-' + String(status).replace(/\s+/g, '-') }, status);
const time = (iso) => h('span', { title: iso || '' }, fmt.ago(iso));

function matches(project, filter) {
  if (!filter) return true;
  return filter.split(',').map((f) => f.trim().toLowerCase()).filter(Boolean).some((f) => {
    if (project.status === f.replace(/[-_]+/g, ' ')) return true;
    const glob = new RegExp('^' + f.replace(/[.+^$(){}|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + (f.includes('*') ? '$' : ''));
    return glob.test(project.name);
  });
}

function renderProjects() {
  const counts = {};
  for (const p of state.projects) counts[p.status] = (counts[p.status] || 0) + 1;
  $('#summary').textContent = state.projects.length + ' project' + (state.projects.length === 1 ? '' : 's') +
    Object.entries(counts).map(([s, n]) => ' · ' + n + ' ' + s).join('');
  const rows = state.projects.filter((p) => matches(p, state.filter)).map((p) =>
    h('tr', { class: p.name === state.selected ? 'selected' : '', 'data-project': p.name, onclick: () => { location.hash = encodeURIComponent(p.name); } },
      h('td', { class: 'name' }, p.name),
      h('td', {}, badge(p.status)),
      h('td', { class: 'mono', 'data-label': 'live' }, p.live ? h('a', { href: p.urls.site, target: '_blank', rel: 'noopener' }, p.live) : '–'),
      h('td', { class: 'mono', 'data-label': 'desired' }, p.desired || '–'),
      h('td', { class: 'last' + (p.lastBuild && p.lastBuild.status === 'failed' ? ' bad' : ''), 'data-label': 'last build' }, p.lastBuild ? [h('span', { class: 'mono' }, p.lastBuild.version), ' ', p.lastBuild.status === 'succeeded' ? '' : p.lastBuild.status + ' ', time(p.lastBuild.finishedAt || p.lastBuild.startedAt)] : '–')));
  $('#projects tbody').replaceChildren(...rows);
  $('#empty').hidden = state.projects.length > 0;
}

function detailSkeleton(name) {
  const detail = $('#detail');
  detail.dataset.project = name;
  detail.replaceChildren(
    h('div', { id: 'd-head' }),
    h('h3', {}, 'Versions'), h('div', { id: 'd-versions' }),
    h('h3', {}, 'Previews'), h('div', { id: 'd-previews' }),
    h('h3', {}, 'Builds'), h('div', { id: 'd-builds', class: 'builds' }),
    h('div', { class: 'log-head' }, h('span', { id: 'd-log-title' }), h('span', { id: 'd-log-state' })),
    h('pre', { id: 'd-log', class: 'log', hidden: true }),
    h('h3', {}, 'Deploy history'), h('div', { id: 'd-history' }));
  state.followed = '';
  state.followedRun = '';
  state.pinned = '';
  state.slowAt = 0;
}

function renderHead(p) {
  const facts = [['Live', p.live || 'nothing live'], ['Desired', p.desired || '–']];
  if (p.live) facts.push(['Site', h('a', { href: p.urls.site, target: '_blank', rel: 'noopener' }, p.urls.site)]);
  for (const d of p.urls.domains) facts.push(['Domain', h('a', { href: d, target: '_blank', rel: 'noopener' }, d)]);
  const parts = [h('div', { class: 'head' }, h('h2', {}, p.name), badge(p.status))];
  if (p.reason) parts.push(h('p', { class: 'reason' }, withRelativeTimes(p.reason)));
  if (p.lastBuild && p.lastBuild.cause && p.lastBuild.status === 'failed') parts.push(h('pre', { class: 'cause' }, p.lastBuild.cause.join('\n')));
  parts.push(actionBar(p));
  parts.push(h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', { class: 'mono' }, v)])));
  $('#d-head').replaceChildren(...parts);
}

async function renderSlow(p) {
  const [artifacts, history, previews] = await Promise.all(['artifacts', 'history', 'previews'].map((what) => getJson('/projects/' + encodeURIComponent(p.name) + '/' + what).catch(() => null)));
  if ($('#detail').dataset.project !== p.name) return;
  if (artifacts) {
    $('#d-versions').replaceChildren(artifacts.artifacts.length === 0 ? h('p', { class: 'muted' }, 'Nothing built yet.') : h('div', { class: 'scroll' }, h('table', { class: 'cards' },
      h('thead', {}, h('tr', {}, ['Version', 'Commit', 'Size', 'Files', 'Build', 'Built', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, artifacts.artifacts.map((a) => h('tr', { 'data-version': a.version },
        h('td', { class: 'mono' }, a.version, a.live ? h('span', { class: 'tag' }, 'LIVE') : null, a.desired && !a.live ? h('span', { class: 'tag desired' }, 'DESIRED') : null),
        h('td', { class: 'mono', title: a.commit || '', 'data-label': 'commit' }, a.commit ? a.commit.slice(0, 7) : '–'),
        h('td', { 'data-label': 'size' }, fmt.bytes(a.bytes)), h('td', { 'data-label': 'files' }, a.files === undefined ? '–' : a.files),
        h('td', { 'data-label': 'build' }, fmt.duration(a.durationMs)), h('td', { 'data-label': 'built' }, time(a.builtAt)),
        h('td', { class: 'links last' }, deployButton(p, a), h('a', { href: a.previewUrl, target: '_blank', rel: 'noopener' }, 'preview'), ' · ', h('a', { href: a.archiveUrl }, 'tar.gz'))))))));
  }
  if (previews) {
    const link = (href, text) => (href ? h('a', { href, target: '_blank', rel: 'noopener' }, text) : '–');
    $('#d-previews').replaceChildren(previews.previews.length === 0 ? h('p', { class: 'muted' }, previews.enabled ? 'No pull request or branch previewed yet.' : 'Previews are off (add previews: to the project file).') : h('table', {},
      h('thead', {}, h('tr', {}, ['Preview', 'Of', 'Commit', 'Status', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, previews.previews.map((v) => h('tr', { 'data-preview': v.alias },
        h('td', { class: 'mono' }, link(v.url, v.alias)),
        h('td', {}, v.kind === 'pr' ? link(v.pullRequestUrl, '#' + v.number) : v.branch),
        h('td', { class: 'mono', title: v.commit }, link(v.commitUrl, v.commit.slice(0, 7))),
        h('td', { title: v.error || '' }, h('span', { class: 'badge s-' + (v.status === 'ready' ? 'synced' : v.status === 'failed' ? 'failed' : 'building') }, v.status)),
        h('td', {}, link(v.log, 'log')))))));
  }
  if (history) {
    $('#d-history').replaceChildren(history.history.length === 0 ? h('p', { class: 'muted' }, 'No deploys yet.') : h('div', { class: 'scroll' }, h('table', {},
      h('thead', {}, h('tr', {}, ['When', 'Who', 'Change', 'Commit'].map((t) => h('th', {}, t)))),
      h('tbody', {}, history.history.map((e) => h('tr', {},
        h('td', {}, time(e.date)), h('td', { title: e.email }, e.author), h('td', { title: e.subject }, e.summary), h('td', { class: 'mono' }, e.commit.slice(0, 7))))))));
  }
}

async function loadBuilds(p) {
  if (state.builds !== false) {
    try {
      const data = await getJson('/builds?project=' + encodeURIComponent(p.name) + '&limit=20');
      state.builds = true;
      return data.builds || [];
    } catch (error) {
      if (error.status === 404) state.builds = false;
    }
  }
  return p.lastBuild ? [Object.assign({ id: p.name + '@' + p.lastBuild.version }, p.lastBuild)] : [];
}

function renderBuilds(p, builds) {
  $('#d-builds').replaceChildren(...(builds.length === 0 ? [h('p', { class: 'muted' }, 'No builds yet.')] : builds.slice(0, 8).map((b) =>
    h('div', { class: 'build' + (b.id === state.followed ? ' selected' : ''), 'data-build': b.id, onclick: () => { state.pinned = b.id; follow(b); renderBuilds(p, builds); } },
      badge(b.status), h('span', { class: 'mono' }, b.version), h('span', { class: 'muted' }, b.durationMs !== undefined ? fmt.duration(b.durationMs) : ''),
      h('span', { class: 'muted' }, time(b.finishedAt || b.startedAt || b.queuedAt)), b.error ? h('span', { class: 'muted err' }, b.error) : null, buildButtons(p, b)))));
  const active = builds.find((b) => b.status === 'running') || builds.find((b) => b.status === 'queued');
  const wanted = builds.find((b) => b.id === state.pinned) || active || builds[0];
  // A retry keeps the build's id (project@version): a new queuedAt is a new run, with a new log.
  if (wanted && runOf(wanted) !== state.followedRun) follow(wanted);
  const isActive = wanted && (wanted.status === 'running' || wanted.status === 'queued');
  $('#d-log-state').textContent = isActive ? 'following…' : '';
  $('#d-log-state').className = isActive ? 'following' : '';
}

function appendLog(text) {
  const pre = $('#d-log');
  if (!pre) return;
  const atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40;
  appendAnsi(pre, text);
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

const runOf = (build) => build.id + ' ' + (build.queuedAt || '');

async function follow(build) {
  if (state.logAbort) state.logAbort.abort();
  const abort = new AbortController();
  state.logAbort = abort;
  state.followed = build.id;
  state.followedRun = runOf(build);
  $('#d-log').hidden = false;
  $('#d-log').textContent = '';
  logStyle.classes = [];
  $('#d-log-title').textContent = 'Log of ' + build.id;
  const path = '/builds/' + encodeURIComponent(build.id) + '/log';
  try {
    const response = await api(path, { headers: { Accept: 'text/event-stream' }, signal: abort.signal });
    if (!response.ok) throw Object.assign(new Error('no log'), { status: response.status });
    if (!(response.headers.get('content-type') || '').includes('text/event-stream')) {
      appendLog(await response.text());
      return openAtFirstError($('#d-log'));
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let data = [];
    let event = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, cut).replace(/\r$/, '');
        buffer = buffer.slice(cut + 1);
        if (line === '') {
          if (data.length && (event === '' || event === 'message' || event === 'log')) appendLog(data.join('\n') + '\n');
          data = [];
          event = '';
        } else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        else if (line.startsWith('event:')) event = line.slice(6).trim();
      }
    }
    openAtFirstError($('#d-log'));
  } catch (error) {
    if (abort.signal.aborted) return;
    appendLog(error.status === 404 ? 'No log for this build yet.' : '\n[log unavailable: ' + error.message + ']\n');
  }
}

/** HTTPS: how many certificates, the soonest expiry, and every failing order or renewal (names in the tooltip). */
function renderCertificates(tls) {
  const el = $('#certs');
  el.hidden = !tls || !tls.https;
  if (el.hidden) return;
  const certs = tls.certificates;
  const failing = certs.filter((c) => c.error);
  const soonest = certs.map((c) => c.notAfter).filter(Boolean).sort()[0];
  el.textContent = certs.length + ' certificate' + (certs.length === 1 ? '' : 's') + (soonest ? ' · next expiry ' + soonest.slice(0, 10) : '') + (failing.length ? ' · ' + failing.length + ' renewal failing' : '');
  el.className = 'server' + (failing.length ? ' failing' : '');
  el.title = certs.map((c) => c.name + ': ' + (c.notAfter ? 'until ' + c.notAfter : 'none yet') + (c.error ? ' · FAILED ' + c.error + ' · next attempt ' + c.nextAttemptAt : '')).join('\n');
}

async function refresh() {
  try {
    const [{ projects }, sync, tls] = await Promise.all([getJson('/projects'), getJson('/sync').catch(() => null), getJson('/certificates').catch(() => null)]);
    renderCertificates(tls);
    state.projects = projects;
    $('#server').textContent = sync && sync.at ? 'synced ' + fmt.ago(sync.at) + (sync.error ? ' · sync failed: ' + sync.error : '') : 'waiting for the first sync';
    renderProjects();
    const project = projects.find((p) => p.name === state.selected);
    if (!project) {
      if (state.selected) $('#detail').replaceChildren(h('p', { class: 'muted' }, 'No project "' + state.selected + '".'));
      return;
    }
    if ($('#detail').dataset.project !== project.name) detailSkeleton(project.name);
    renderHead(project);
    renderBuilds(project, await loadBuilds(project));
    const shape = project.live + '|' + project.desired + '|' + project.status + '|' + (project.lastBuild && project.lastBuild.status);
    if (shape !== state.shape || Date.now() - state.slowAt > 15000) {
      state.shape = shape;
      state.slowAt = Date.now();
      await renderSlow(project);
    }
  } catch (error) {
    if (error.status !== 401) $('#server').textContent = 'cannot reach the API: ' + error.message;
  }
}

$('#filter').addEventListener('input', (event) => { state.filter = event.target.value; renderProjects(); });
window.addEventListener('hashchange', () => { state.selected = decodeURIComponent(location.hash.slice(1)); refresh(); });
// The login URL opus server prints (/_opus/#token=…): the fragment never reaches the server or its logs; it is used once and dropped.
if (location.hash.startsWith('#token=')) {
  const token = decodeURIComponent(location.hash.slice(7));
  history.replaceState(null, '', location.pathname + location.search);
  state.selected = '';
  logIn(token);
} else {
  showSession();
  refresh();
}
setInterval(refresh, POLL_MS);
`;
