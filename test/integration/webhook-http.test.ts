// The webhook endpoints over real HTTP: what each answers (secret missing, bad signature, ping,
// other events, too large, duplicate deliveries), Gitea and GitLab, a push to the config repo, and a
// burst of tag pushes that costs one fetch per repository and builds every pushed tag.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanDocker, projectYaml, startBuildServer } from '../support/build-server.js';
import { eventually, makeSourceRepo, tagVersion, tempDir } from '../support/fixtures.js';
import { githubPushBody, gitlabPushBody, postGitea, postGithub, postGitlab } from '../support/webhooks.js';

const SECRET = 'a webhook secret';

test('without a secret, webhooks answer 503 saying how to set one', async (t) => {
  const s = await startBuildServer(t, { files: { 'opus.yaml': '' } });
  const response = await postGithub(s.url, githubPushBody('refs/heads/main', s.configDir), { secret: SECRET });
  assert.equal(response.status, 503);
  assert.match(((await response.json()) as { error: string }).error, /--webhook-secret.*OPUS_WEBHOOK_SECRET/);
});

test('ping, other events, bad payloads, size limit, unknown providers, duplicates', async (t) => {
  const s = await startBuildServer(t, { files: { 'opus.yaml': '' }, webhookSecret: SECRET });
  const ping = await postGithub(s.url, '{"zen":"Design for failure."}', { secret: SECRET, event: 'ping' });
  assert.deepEqual([ping.status, await ping.json()], [200, { status: 'pong' }]);
  assert.equal((await postGithub(s.url, '{}', { secret: SECRET, event: 'issues' })).status, 204);
  assert.equal((await postGithub(s.url, 'not json', { secret: SECRET })).status, 400);
  assert.equal((await postGithub(s.url, '{"ref":"refs/tags/1.0.0"}', { secret: SECRET })).status, 400, 'no repository');
  assert.equal((await postGithub(s.url, '{}', { event: 'ping' })).status, 401, 'even a ping needs the signature');

  const huge = JSON.stringify({ ref: 'refs/heads/main', padding: 'x'.repeat(1024 * 1024) });
  assert.equal((await postGithub(s.url, huge, { secret: SECRET })).status, 413);
  assert.equal((await fetch(`${s.url}/hooks/bitbucket`, { method: 'POST', body: '{}' })).status, 404);
  assert.equal((await fetch(`${s.url}/hooks/github`)).status, 405);

  // The same delivery twice: processed once, so one sync (one fetch of the config repo).
  const fetchesBefore = s.counts.fetches;
  const delivery = randomUUID();
  const body = githubPushBody('refs/heads/main', s.configDir);
  const first = await postGithub(s.url, body, { secret: SECRET, delivery });
  assert.deepEqual([first.status, ((await first.json()) as { configRepo: boolean }).configRepo], [202, true]);
  const again = await postGithub(s.url, body, { secret: SECRET, delivery });
  assert.deepEqual([again.status, ((await again.json()) as { status: string }).status], [200, 'duplicate']);
  await s.webhooks.idle();
  assert.equal(s.counts.fetches, fetchesBefore + 1);
});

test('a push to the config repo syncs now: a project added in it appears', { timeout: 60_000 }, async (t) => {
  const s = await startBuildServer(t, { files: { 'opus.yaml': '' }, webhookSecret: SECRET });
  const dir = await tempDir(t, 'opus-hook-cfg-');
  const source = await makeSourceRepo(join(dir, 'app'), { '1.0.0': { 'public/index.html': 'x\n' } });
  await s.commit({ 'projects/added.yaml': projectYaml(source) }, 'add a project');
  assert.deepEqual(s.sync.desiredState?.projects.map((p) => p.name), []);
  const response = await postGithub(s.url, githubPushBody('refs/heads/main', `file://${s.configDir}.git`), { secret: SECRET });
  assert.equal(response.status, 202);
  await eventually(() => (s.sync.desiredState?.projects.some((p) => p.name === 'added') ? true : undefined), 30_000, 'the new project');
});

test('Gitea (X-Gitea-Signature) and GitLab (X-Gitlab-Token) are verified their own way', async (t) => {
  const s = await startBuildServer(t, { files: { 'opus.yaml': '' }, webhookSecret: SECRET });
  const body = githubPushBody('refs/tags/1.0.0', 'http://gitea.invalid/acme/app.git');
  assert.equal((await postGitea(s.url, body, { secret: SECRET })).status, 202);
  assert.equal((await postGitea(s.url, body, { secret: 'wrong' })).status, 401);
  assert.equal((await postGitea(s.url, body)).status, 401);
  const lab = gitlabPushBody('refs/tags/1.0.0', 'https://gitlab.invalid/acme/app.git');
  assert.equal((await postGitlab(s.url, lab, SECRET)).status, 202);
  assert.equal((await postGitlab(s.url, lab, 'wrong')).status, 401);
  assert.equal((await postGitlab(s.url, lab, undefined)).status, 401);
  assert.equal((await postGitlab(s.url, '{}', SECRET, 'Issue Hook')).status, 204);
  await s.webhooks.idle();
});

test('a burst of tag pushes: one fetch of each repository, every pushed tag prebuilt, the newest deployed', { timeout: 120_000 }, async (t) => {
  const project = `burst-${randomUUID().slice(0, 8)}`;
  t.after(() => cleanDocker(project));
  const dir = await tempDir(t, 'opus-hook-burst-');
  const source = await makeSourceRepo(join(dir, 'app'), { '1.0.0': { 'public/index.html': '1.0.0\n' } });
  const s = await startBuildServer(t, {
    files: { 'opus.yaml': '', [`projects/${project}.yaml`]: projectYaml(source, { deploy: 'latest', extra: 'prebuild: true' }) },
    webhookSecret: SECRET,
    debounceMs: 300,
  });
  await eventually(() => (s.sites.liveVersion(project) === '1.0.0' ? true : undefined), 60_000, '1.0.0 live');
  const before = { fetches: s.counts.fetches, listTags: s.counts.listTags[source] ?? 0 };

  const tags = ['1.1.0', '1.2.0', '1.3.0'];
  for (const tag of tags) await tagVersion(source, tag, { 'public/index.html': `${tag}\n` });
  // Six deliveries (each tag twice, as GitHub's push and a retry with a new id), all at once.
  const answers = await Promise.all([...tags, ...tags].map((tag) => postGithub(s.url, githubPushBody(`refs/tags/${tag}`, `${source}/.git`), { secret: SECRET })));
  assert.deepEqual(answers.map((a) => a.status), [202, 202, 202, 202, 202, 202]);
  await s.webhooks.idle();
  await s.scheduler.idle();
  await eventually(() => (s.sites.liveVersion(project) === '1.3.0' ? true : undefined), 60_000, '1.3.0 live');

  assert.equal(s.counts.fetches - before.fetches, 1, 'one fetch of the config repo');
  assert.equal((s.counts.listTags[source] ?? 0) - before.listTags, 1, 'one ls-remote of the source');
  for (const tag of tags) assert.equal((await s.store.readBuild(project, tag))?.status, 'succeeded', `${tag} was built`);
  const triggers = await Promise.all(tags.map(async (tag) => (await s.store.readBuild(project, tag))?.trigger));
  assert.deepEqual(triggers, ['webhook', 'webhook', 'webhook']);
});
