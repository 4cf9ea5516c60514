// Previews end to end: a forge stand-in hosting the app over smart HTTP and answering the status
// and comment APIs, signed pull-request webhooks in GitHub's, Gitea's and GitLab's formats, real
// Docker builds, and the preview hosts of the real server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, opus } from '../support/fixtures.js';
import { startPreviewWorld, type PreviewWorld } from '../support/preview-world.js';
import { chromium } from 'playwright-core';
import { HookReceiver } from '../support/hook-receiver.js';
import { postGitea, postGithub, postGitlab } from '../support/webhooks.js';

const COMMAND = 'mkdir -p dist && cp -r public/. dist/ && echo "$STAGE ${PREVIEW_TOKEN:-none} ${PROD_TOKEN:-none}" > dist/stage.txt';
let world: PreviewWorld;
const receiver = new HookReceiver('hook-secret-previews');

before(async () => {
  process.env.OPUS_TEST_PREVIEW_TOKEN = 'preview-only-secret';
  process.env.OPUS_TEST_PROD_TOKEN = 'production-only-secret';
  process.env.OPUS_TEST_HOOK_SECRET = 'hook-secret-previews';
  await receiver.up();
  world = await startPreviewWorld({
    settings: `hooks:\n  - url: ${receiver.url}\n    events: [preview.ready, preview.failed, preview.removed]\n    secret: { env: OPUS_TEST_HOOK_SECRET }\n`,
    command: COMMAND,
    files: { 'public/index.html': '<h1>production 1.0.0</h1>' },
    projectYaml: '  env:\n    STAGE: production\n  secrets:\n    PROD_TOKEN: { env: OPUS_TEST_PROD_TOKEN }\npreviews:\n  forks: false\n  branches: ["release/*"]\n  env:\n    STAGE: preview\n  secrets:\n    PREVIEW_TOKEN: { env: OPUS_TEST_PREVIEW_TOKEN }\n',
  });
});
after(async () => {
  await world?.close();
  await receiver.down();
});

function pullRequest(action: string, number: number, sha: string, options: { fork?: boolean; branch?: string } = {}): string {
  const base = { full_name: 'acme/site', clone_url: world.source, html_url: world.source.replace(/\.git$/, '') };
  return JSON.stringify({
    action,
    number,
    pull_request: {
      number,
      state: action === 'closed' ? 'closed' : 'open',
      html_url: `${base.html_url}/pull/${number}`,
      user: { login: options.fork ? 'mallory' : 'alice' },
      author_association: options.fork ? 'NONE' : 'MEMBER',
      labels: [],
      head: { ref: options.branch ?? 'feature', sha, repo: options.fork ? { full_name: 'mallory/site', clone_url: 'http://127.0.0.1:9/mallory/site.git' } : base },
      base: { ref: 'main', sha: '0'.repeat(40), repo: base },
    },
    repository: base,
    sender: { login: 'alice' },
  });
}

async function github(action: string, number: number, sha: string, options: { fork?: boolean } = {}): Promise<Record<string, unknown>> {
  const response = await postGithub(world.server.url, pullRequest(action, number, sha, options), { event: 'pull_request', secret: world.secret });
  assert.equal(response.status, 202);
  return (await response.json()) as Record<string, unknown>;
}

const comment = (forge: string, number: number) => world.forge.api.comments.get(`${forge}:acme/site#${number}`)?.filter((c) => c.body.startsWith('<!-- opus-preview:site -->')) ?? [];

test('a pull request: pending, then success with a URL that serves its commit; production untouched', async () => {
  const a = await world.commit('feature', { 'public/index.html': '<h1>feature A</h1>' }, 'feature A');
  world.setRef('refs/pull/1/head', a);
  const answer = await github('opened', 1, a);
  assert.deepEqual(answer.previews, ['site']);
  const pending = await world.statusOf(a, 'pending', 30_000);
  assert.equal(pending.context, 'opus/site');
  assert.match(pending.targetUrl ?? '', /\/api\/v1\/builds\/site%40sha-[0-9a-f]{12}\/log$/);
  const success = await world.statusOf(a, 'success');
  assert.equal(success.targetUrl, `http://${world.hostOf(a.slice(0, 7))}/`);
  assert.equal((await world.get(world.hostOf('pr-1'))).body, '<h1>feature A</h1>');
  assert.equal((await world.get(world.hostOf(a.slice(0, 7)))).body, '<h1>feature A</h1>');
  assert.equal((await world.get(world.hostOf('pr-1'), '/stage.txt')).body, 'preview preview-only-secret none\n', 'previews.env over build.env, the preview\'s secret and never production\'s');
  assert.equal((await world.get('127.0.0.1', '/site/')).body, '<h1>production 1.0.0</h1>');
  assert.equal((await world.get('127.0.0.1', '/site/stage.txt')).body, 'production none production-only-secret\n', 'production never gets the preview\'s env or secrets');
  const [marked] = comment('github', 1);
  assert.ok(marked, 'one marked comment');
  assert.match(marked.body, new RegExp(`http://${world.hostOf('pr-1').replace(/\./g, '\\.')}/`));
  assert.match(marked.body, new RegExp(a.slice(0, 12)));
});

test('a push to the pull request moves its URL; the old commit\'s URL still serves the old one; one comment, updated', async () => {
  const a = world.forge.api.statuses.find((s) => s.state === 'success')?.sha as string;
  const b = await world.commit('feature', { 'public/index.html': '<h1>feature B</h1>' }, 'feature B');
  world.setRef('refs/pull/1/head', b);
  await github('synchronize', 1, b);
  await world.statusOf(b, 'success');
  assert.equal((await world.get(world.hostOf('pr-1'))).body, '<h1>feature B</h1>');
  assert.equal((await world.get(world.hostOf(b.slice(0, 7)))).body, '<h1>feature B</h1>');
  assert.equal((await world.get(world.hostOf(a.slice(0, 7)))).body, '<h1>feature A</h1>');
  const comments = comment('github', 1);
  assert.equal(comments.length, 1, 'updated in place, not added again');
  assert.match(comments[0]?.body ?? '', new RegExp(b.slice(0, 12)));
  const previews = await (await fetch(`${world.server.url}/api/v1/projects/site/previews`)).json() as { previews: { alias: string; commit: string; status: string; url?: string }[] };
  assert.deepEqual(previews.previews.map((p) => [p.alias, p.commit, p.status]), [['pr-1', b, 'ready']]);
});

test('opus previews: a table of the previews, and --json the API\'s answer', async () => {
  const env = { OPUS_SERVER: world.server.url, XDG_CONFIG_HOME: world.dir };
  const table = await opus(['previews', 'site'], { env });
  assert.equal(table.code, 0, table.stderr);
  const [header, row] = table.stdout.trim().split('\n');
  assert.match(header ?? '', /^PREVIEW\s+OF\s+COMMIT\s+STATUS\s+URL\s+LOG/);
  assert.match(row ?? '', new RegExp(`^pr-1\\s+#1\\s+[0-9a-f]{7}\\s+ready\\s+http://${world.hostOf('pr-1').replace(/\./g, '\\.')}/`));
  const json = await opus(['previews', 'site', '--json'], { env });
  assert.deepEqual(JSON.parse(json.stdout), await (await fetch(`${world.server.url}/api/v1/projects/site/previews`)).json());
  assert.equal((await opus(['previews', 'ghost'], { env })).code, 4);
});

test('the dashboard shows each pull request with its preview link, status and log', async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${world.server.url}/_opus/`);
    await page.locator('#projects tr[data-project="site"]').click();
    const row = page.locator('#d-previews tr[data-preview="pr-1"]');
    await row.waitFor();
    assert.match(await row.innerText(), /pr-1\s+#1\s+[0-9a-f]{7}\s+ready/);
    assert.equal(await row.locator('a', { hasText: 'pr-1' }).getAttribute('href'), `http://${world.hostOf('pr-1')}/`);
    assert.match((await row.locator('a', { hasText: 'log' }).getAttribute('href')) ?? '', /\/api\/v1\/builds\/site%40sha-[0-9a-f]{12}\/log$/);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('a fork pull request is not built, and the forge hears nothing of it', async () => {
  const evil = await world.commit('evil', { 'public/index.html': '<h1>fork</h1>' }, 'from a fork');
  world.setRef('refs/pull/2/head', evil);
  const answer = await github('opened', 2, evil, { fork: true });
  assert.deepEqual(answer.previews, []);
  assert.match(String((answer.refused as Record<string, string>).site), /forks/);
  await world.server.previews.idle();
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(world.statusesOf(evil), []);
  assert.equal((await world.get(world.hostOf('pr-2'))).status, 404);
  assert.equal((await world.get(world.hostOf(evil.slice(0, 7)))).status, 404);
});

test('Gitea: the same commit in another pull request is not built again; GitLab: a failed build links its log', async () => {
  const b = world.forge.api.statuses.filter((s) => s.state === 'success').at(-1)?.sha as string;
  world.setRef('refs/pull/3/head', b);
  const body = JSON.parse(pullRequest('opened', 3, b)) as { pull_request: Record<string, unknown> };
  delete body.pull_request.author_association;
  const before = (await (await fetch(`${world.server.url}/api/v1/builds`)).json()) as { builds: unknown[] };
  const answer = await postGitea(world.server.url, JSON.stringify(body), { event: 'pull_request', secret: world.secret });
  assert.equal(answer.status, 202);
  await eventually(() => world.forge.api.statuses.find((s) => s.forge === 'gitea' && s.sha === b && s.state === 'success'), 30_000, 'a Gitea success status');
  const afterward = (await (await fetch(`${world.server.url}/api/v1/builds`)).json()) as { builds: unknown[] };
  assert.equal(afterward.builds.length, before.builds.length, 'no second build of the same commit');
  assert.equal((await world.get(world.hostOf('pr-3'))).body, '<h1>feature B</h1>');
  assert.equal(comment('gitea', 3).length, 1);

  const broken = await world.commit('broken', { 'README.md': 'no public/ any more' }, 'break the build', ['public']);
  world.setRef('refs/merge-requests/4/head', broken);
  const mr = JSON.stringify({
    object_kind: 'merge_request',
    user: { username: 'alice' },
    project: { id: 1, path_with_namespace: 'acme/site', git_http_url: world.source, web_url: world.source.replace(/\.git$/, '') },
    object_attributes: { iid: 4, action: 'open', source_branch: 'broken', target_branch: 'main', source_project_id: 1, target_project_id: 1, last_commit: { id: broken }, url: 'http://gitlab/mr/4' },
    labels: [],
  });
  assert.equal((await postGitlab(world.server.url, mr, world.secret, 'Merge Request Hook')).status, 202);
  const running = await eventually(() => world.forge.api.statuses.find((s) => s.forge === 'gitlab' && s.sha === broken), 30_000, 'a GitLab status');
  assert.equal(running.state, 'running');
  assert.equal(running.context, 'opus/site');
  const failed = await world.statusOf(broken, 'failed', 120_000);
  assert.match(failed.description ?? '', /The build failed/);
  const log = await (await fetch(failed.targetUrl ?? '')).text();
  assert.match(log, /build failed/, 'the status links the build\'s log');
  assert.match(comment('gitlab', 4)[0]?.body ?? '', /failed/);
  assert.equal((await world.get(world.hostOf('pr-4'))).status, 404, 'nothing built, nothing served');
});

test('closing removes the preview and its commits\' URLs, and marks the comment closed', async () => {
  const [a, b] = world.forge.api.statuses.filter((s) => s.forge === 'github' && s.state === 'success').map((s) => s.sha);
  assert.ok(a && b);
  await github('closed', 1, b);
  await world.server.previews.idle();
  assert.equal((await world.get(world.hostOf('pr-1'))).status, 404);
  assert.equal((await world.get(world.hostOf(a.slice(0, 7)))).status, 404, 'only pr-1 used commit A');
  assert.equal((await world.get(world.hostOf(b.slice(0, 7)))).body, '<h1>feature B</h1>', 'pr-3 still serves commit B');
  assert.match(comment('github', 1)[0]?.body ?? '', /closed/);
  assert.equal((await world.get('127.0.0.1', '/site/')).body, '<h1>production 1.0.0</h1>');
  const metrics = await (await fetch(`${world.server.url}/metrics`)).text();
  assert.match(metrics, /opus_preview_events_total\{event="ready"\} [3-9]/);
  assert.match(metrics, /opus_preview_events_total\{event="failed"\} 1/);
  assert.match(metrics, /opus_preview_events_total\{event="removed"\} 1/);
  const events = await eventually(() => (receiver.accepted.some((r) => r.event === 'preview.removed') ? receiver.accepted.map((r) => r.body) : undefined), 30_000, 'the preview events at the hook');
  const ready = events.find((e) => e.event === 'preview.ready' && e.preview?.alias === 'pr-1');
  assert.equal(ready?.urls.preview, `http://${world.hostOf('pr-1')}/`);
  assert.equal(ready?.preview?.number, 1);
  assert.ok(events.some((e) => e.event === 'preview.failed' && e.preview?.alias === 'pr-4' && e.message));
  assert.deepEqual(events.filter((e) => e.event === 'preview.removed').map((e) => e.preview?.alias), ['pr-1']);
});

test('a push to a listed branch builds its head on <branch>--<project>; deleting the branch removes it', async () => {
  const push = (after: string, deleted = false) => JSON.stringify({ ref: 'refs/heads/release/Next_1', before: '0'.repeat(40), after, deleted, repository: { full_name: 'acme/site', clone_url: world.source } });
  const head = await world.commit('release/Next_1', { 'public/index.html': '<h1>release next</h1>' }, 'release next');
  const answer = await postGithub(world.server.url, push(head), { event: 'push', secret: world.secret });
  assert.deepEqual(((await answer.json()) as { previews?: string[] }).previews, ['site']);
  await world.statusOf(head, 'success');
  assert.equal((await world.get(world.hostOf('release-next-1'))).body, '<h1>release next</h1>');
  const unlisted = await world.commit('wip', { 'public/index.html': '<h1>wip</h1>' }, 'wip');
  await postGithub(world.server.url, push(unlisted).replace('release/Next_1', 'wip'), { event: 'push', secret: world.secret });
  await world.server.previews.idle();
  assert.deepEqual(world.statusesOf(unlisted), [], 'a branch no glob lists is not built');
  await postGithub(world.server.url, push('0'.repeat(40), true), { event: 'push', secret: world.secret });
  await world.server.previews.idle();
  assert.equal((await world.get(world.hostOf('release-next-1'))).status, 404);
  assert.equal((await world.get(world.hostOf(head.slice(0, 7)))).status, 404);
});
