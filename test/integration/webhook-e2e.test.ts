// End to end, with nothing but git and a webhook: a `git push` of a new tag over smart HTTP plus a
// correctly signed GitHub push webhook makes a `deploy: latest` project serve the new version; a
// wrongly signed (or unsigned) one changes nothing.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer } from '../../src/runtime/start-server.js';
import { silentLogger } from '../../src/services/logger.js';
import { cleanDocker, projectYaml } from '../support/build-server.js';
import { eventually, gitSync, makeSourceRepo, tagVersion, tempDir, writeFiles } from '../support/fixtures.js';
import { gitAsync, startGitHttpServer } from '../support/git-http-server.js';
import { githubPushBody, postGithub } from '../support/webhooks.js';
import { localFetch, siteOrigin } from '../support/local-fetch.js';

const SECRET = 'webhook secret for the e2e test';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

test('git push of a tag + a signed GitHub webhook deploys it for deploy: latest; a wrongly signed one changes nothing', { timeout: 180_000 }, async (t) => {
  const project = `hook-${randomUUID().slice(0, 8)}`;
  t.after(() => cleanDocker(project));
  const dir = await tempDir(t, 'opus-hook-e2e-');
  const work = await makeSourceRepo(join(dir, 'work'), { '1.0.0': { 'public/index.html': '1.0.0 page\n' } });
  gitSync(dir, 'clone', '--bare', '--quiet', work, join(dir, 'repos', 'app.git'));
  const git = await startGitHttpServer(join(dir, 'repos'));
  t.after(() => git.close());
  const source = `${git.url}/app.git`;

  const configDir = join(dir, 'config');
  await writeFiles(configDir, { 'opus.yaml': '', [`projects/${project}.yaml`]: projectYaml(source, { deploy: 'latest' }) });
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', 'init');

  const server = await startServer({ dataDir: join(dir, 'data'), config: configDir, port: 0, host: '127.0.0.1', logger: silentLogger, webhookSecret: SECRET, syncIntervalMs: 3_600_000, webhookDebounceMs: 100 });
  t.after(() => server.close());
  const served = async () => {
    const response = await localFetch(`${siteOrigin(server.url, project)}/`);
    return response.ok ? response.text() : `${response.status}`;
  };
  await eventually(async () => ((await served()) === '1.0.0 page\n' ? true : undefined), 60_000, '1.0.0 served');

  // A new tag, pushed over smart HTTP, and GitHub's push webhook for it.
  await tagVersion(work, '1.1.0', { 'public/index.html': '1.1.0 page\n' });
  await gitAsync(work, 'push', '--quiet', source, '1.1.0');
  const started = Date.now();
  const accepted = await postGithub(server.url, githubPushBody('refs/tags/1.1.0', source), { secret: SECRET });
  const answeredIn = Date.now() - started;
  assert.equal(accepted.status, 202, await accepted.clone().text());
  assert.deepEqual(await accepted.json(), { status: 'accepted', ref: 'refs/tags/1.1.0', configRepo: false, projects: [project] });
  assert.ok(answeredIn < 1_000, `the webhook was answered in ${answeredIn} ms, before any work`);
  await eventually(async () => ((await served()) === '1.1.0 page\n' ? true : undefined), 90_000, '1.1.0 served after the webhook');

  // Another tag, but the webhook is signed with the wrong secret, or not at all: nothing happens.
  await tagVersion(work, '1.2.0', { 'public/index.html': '1.2.0 page\n' });
  await gitAsync(work, 'push', '--quiet', source, '1.2.0');
  const body = githubPushBody('refs/tags/1.2.0', source);
  const wrong = await postGithub(server.url, body, { secret: 'not the secret' });
  assert.equal(wrong.status, 401);
  assert.match(((await wrong.json()) as { error: string }).error, /X-Hub-Signature-256/);
  assert.equal((await postGithub(server.url, body)).status, 401, 'no signature at all');
  const tampered = await fetch(`${server.url}/hooks/github`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}` },
    body,
  });
  assert.equal(tampered.status, 401);
  const report = server.sync.lastReport;
  await sleep(2_000);
  assert.equal(await served(), '1.1.0 page\n');
  assert.equal(server.sync.lastReport, report, 'no sync ran');
  const { builds } = (await (await fetch(`${server.url}/api/v1/builds?project=${project}`)).json()) as { builds: { version: string }[] };
  assert.deepEqual(builds.map((b) => b.version).sort(), ['1.0.0', '1.1.0'], 'nothing was built for 1.2.0');
});
