// Part of the dashboard's script: acting from it. Deploy a built version, roll back, trigger,
// cancel and retry a build, sync now: each through send(), the one client function for changes,
// which goes through api() and so carries whatever credential the dashboard holds. Deploys and
// rollbacks are the same commits (or, ticked, pull requests) the CLI makes. Times read relative.
// Plain browser JavaScript kept as a string (no backticks, no "${").

export const ACTIONS_SCRIPT = String.raw`
/** "3 min ago", "in 4 min", "just now". */
function relative(iso) {
  if (!iso) return '–';
  const ms = Date.parse(iso) - Date.now();
  if (Number.isNaN(ms)) return iso;
  const s = Math.abs(ms) / 1000;
  const words = s < 45 ? '' : s < 3600 ? Math.round(s / 60) + ' min' : s < 86400 ? Math.round(s / 3600) + ' h' : Math.round(s / 86400) + ' d';
  if (!words) return 'just now';
  return ms > 0 ? 'in ' + words : words + ' ago';
}
/** ISO times inside a sentence (a retry time in a reason) read as relative times. */
const withRelativeTimes = (text) => String(text).replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, (iso) => relative(iso));

async function send(method, path, body) {
  const response = await api(path, { method, headers: body === undefined ? {} : { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(data.error || ('the server answered ' + response.status)), { status: response.status });
  return data;
}

function say(text, bad) {
  const box = $('#notice');
  box.textContent = text;
  box.className = 'notice' + (bad ? ' bad-notice' : '');
  box.hidden = false;
}

async function act(label, method, path, body) {
  say(label + '…');
  try {
    const result = await send(method, path, body);
    const pr = result.pullRequest ? ' · pull request #' + result.pullRequest.number + ': ' + result.pullRequest.url : '';
    // Only a config change's commit is news; a build's is its source commit.
    say((result.message || label + ': done') + (result.commit && result.changed && !pr ? ' · commit ' + result.commit.slice(0, 12) : '') + pr);
  } catch (error) {
    say(label + ' failed: ' + error.message, true);
  }
  state.slowAt = 0;
  refresh();
}

const asPr = () => Boolean($('#as-pr') && $('#as-pr').checked);
const projectPath = (p) => '/projects/' + encodeURIComponent(p.name);

function actionBar(p) {
  return h('div', { class: 'actions' },
    h('button', { type: 'button', 'data-action': 'rollback', onclick: () => act('roll back ' + p.name, 'POST', projectPath(p) + '/rollback', { pr: asPr() }) }, 'Roll back'),
    h('button', { type: 'button', 'data-action': 'trigger', onclick: () => act('build ' + p.name + '@latest', 'POST', projectPath(p) + '/builds', { version: 'latest' }) }, 'Build latest'),
    h('button', { type: 'button', 'data-action': 'sync', onclick: () => act('sync', 'POST', '/sync') }, 'Sync now'),
    h('label', { class: 'pr' }, h('input', { type: 'checkbox', id: 'as-pr' }), ' as a pull request'));
}

function deployButton(p, artifact) {
  if (artifact.desired) return null;
  return h('button', { type: 'button', class: 'small', 'data-action': 'deploy', onclick: (event) => { event.stopPropagation(); act('deploy ' + p.name + ' ' + artifact.version, 'POST', projectPath(p) + '/deploy', { version: artifact.version, pr: asPr() }); } }, 'Deploy');
}

function buildButtons(p, build) {
  const id = encodeURIComponent(build.id);
  if (build.status === 'running' || build.status === 'queued') {
    return h('button', { type: 'button', class: 'small', 'data-action': 'cancel', onclick: (event) => { event.stopPropagation(); act('cancel ' + build.id, 'DELETE', '/builds/' + id); } }, 'Cancel');
  }
  if (build.status === 'failed' || build.status === 'cancelled' || build.status === 'interrupted') {
    return h('button', { type: 'button', class: 'small', 'data-action': 'retry', onclick: (event) => { event.stopPropagation(); act('retry ' + build.id, 'POST', projectPath(p) + '/builds', { version: build.version, force: build.force === true }); } }, 'Retry');
  }
  return null;
}
`;
