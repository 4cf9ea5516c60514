// Deploy and roll back through the API the dashboard calls, on a server whose config repo is a git
// URL (a real remote over smart HTTP): the server edits its own clone, brought to the remote's head
// before each change, and pushes the commit the CLI would make; when the remote moves on between
// its fetch and its push the change is redone once on the new head; a push the remote refuses
// (a hook declines it, or the remote keeps moving) is reported plainly and changes nothing, as does
// a push that never gets an answer.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../../src/runtime/start-server.js';
import { silentLogger } from '../../src/services/logger.js';
import { cleanDocker, projectYaml } from '../support/build-server.js';
import { eventually, gitSync, makeSourceRepo, writeFiles } from '../support/fixtures.js';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { localFetch, siteOrigin } from '../support/local-fetch.js';

const TOKEN = 'remote-config-edits-token';
const project = `rce-${randomUUID().slice(0, 8)}`;
let dir: string;
let bare: string;
let other: string;
let gitServer: GitHttpServer;
let server: RunningServer;
/** Set by a test: runs before the server's push is answered (the receive-pack advertisement). */
let beforePush: (() => void) | undefined;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opus-remote-edits-'));
  const source = await makeSourceRepo(join(dir, 'site'), { '1.0.0': { 'public/index.html': 'site 1.0.0\n' }, '1.1.0': { 'public/index.html': 'site 1.1.0\n' } });
  const seed = join(dir, 'seed');
  await writeFiles(seed, { 'opus.yaml': 'sync: { interval: 1h }\n', [`projects/${project}.yaml`]: projectYaml(source, { deploy: '1.0.0' }) });
  gitSync(seed, 'init', '-q', '-b', 'main');
  gitSync(seed, 'add', '-A');
  gitSync(seed, 'commit', '-qm', 'init');
  bare = join(dir, 'repos', 'config.git');
  gitSync(dir, 'clone', '-q', '--bare', seed, bare);
  gitServer = await startGitHttpServer(join(dir, 'repos'), {
    before: (method, url) => {
      if (method === 'GET' && url.includes('service=git-receive-pack')) beforePush?.();
    },
  });
  other = join(dir, 'someone-else');
  gitSync(dir, 'clone', '-q', bare, other);
  server = await startServer({ dataDir: join(dir, 'data'), config: `${gitServer.url}/config.git`, port: 0, host: '127.0.0.1', logger: silentLogger, apiToken: TOKEN, syncIntervalMs: 3_600_000 });
  await eventually(async () => ((await served()) === 'site 1.0.0\n' ? true : undefined), 90_000, '1.0.0 served');
});

after(async () => {
  await server?.close();
  await gitServer?.close();
  await cleanDocker(project);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const served = async () => {
  const response = await localFetch(`${siteOrigin(server.url, project)}/`);
  return response.ok ? response.text() : `${response.status}`;
};
const post = (path: string, body: unknown, token = TOKEN) =>
  fetch(`${server.url}/api/v1/projects/${project}/${path}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const remoteLog = () => gitSync(bare, 'log', '--format=%s', 'main').trim().split('\n');
/** A commit someone else pushes to the config repo, straight to the bare repo. */
const pushFromElsewhere = (message: string) => {
  gitSync(other, 'pull', '-q', '--ff-only');
  gitSync(other, 'commit', '-q', '--allow-empty', '-m', message);
  gitSync(other, 'push', '-q', 'origin', 'main');
};

test('deploy from the API: the CLI\'s commit, pushed to the remote, and live; a commit pushed meanwhile by someone else is built on', { timeout: 120_000 }, async () => {
  assert.equal((await post('deploy', { version: '1.1.0' }, 'wrong')).status, 401, 'behind the API credential');
  pushFromElsewhere('someone else, before');
  const deployed = await post('deploy', { version: '1.1.0' });
  assert.equal(deployed.status, 201, await deployed.clone().text());
  const body = (await deployed.json()) as { message: string; commit: string; pushed: boolean };
  assert.equal(body.message, `deploy ${project} 1.1.0 (was 1.0.0)`);
  assert.equal(body.pushed, true);
  assert.deepEqual(remoteLog().slice(0, 2), [`deploy ${project} 1.1.0 (was 1.0.0)`, 'someone else, before']);
  assert.equal(gitSync(bare, 'rev-parse', 'main').trim(), body.commit);
  await eventually(async () => ((await served()) === 'site 1.1.0\n' ? true : undefined), 60_000, '1.1.0 live');
});

test('the remote moves on between the server\'s fetch and its push: the rollback is redone once on the new head', { timeout: 120_000 }, async () => {
  let moved = 0;
  beforePush = () => {
    if (moved++ === 0) pushFromElsewhere('someone else, during');
  };
  const rolled = await post('rollback', {});
  beforePush = undefined;
  assert.equal(rolled.status, 201, await rolled.clone().text());
  assert.equal(moved, 2, 'pushed twice: refused once, then accepted');
  assert.deepEqual(remoteLog().slice(0, 2), [`rollback ${project} to 1.0.0 (was 1.1.0)`, 'someone else, during']);
  await eventually(async () => ((await served()) === 'site 1.0.0\n' ? true : undefined), 60_000, 'the rollback live');
});

test('a push the remote refuses is reported plainly (409, git\'s reason), changes nothing, and the next change works', { timeout: 120_000 }, async () => {
  const head = gitSync(bare, 'rev-parse', 'main').trim();
  const hook = join(bare, 'hooks', 'pre-receive');
  await writeFile(hook, '#!/bin/sh\necho "main is protected: open a pull request"\nexit 1\n');
  await chmod(hook, 0o755);
  const declined = await post('deploy', { version: '1.1.0' });
  assert.equal(declined.status, 409);
  const { error } = (await declined.json()) as { error: string };
  assert.match(error, /config\.git refused the push, so nothing changed/);
  assert.match(error, /main is protected: open a pull request/);
  assert.match(error, /pre-receive hook declined/);
  assert.doesNotMatch(error, /hint:|committed .* locally/, 'no git noise, no local commit to chase');
  assert.equal(gitSync(bare, 'rev-parse', 'main').trim(), head);
  await rm(hook);

  // Someone keeps pushing: redone once, then refused, saying so.
  beforePush = () => pushFromElsewhere('someone else, again');
  const raced = await post('deploy', { version: '1.1.0' });
  beforePush = undefined;
  assert.equal(raced.status, 409);
  assert.match(((await raced.json()) as { error: string }).error, /moved on again while the change was redone/);
  assert.equal(remoteLog()[0], 'someone else, again');

  // The failed commits stayed in no one's way.
  const deployed = await post('deploy', { version: '1.1.0' });
  assert.equal(deployed.status, 201, await deployed.clone().text());
  assert.equal(remoteLog()[0], `deploy ${project} 1.1.0 (was 1.0.0)`);
});

test('a push that never reaches the remote (it answers 500) says nothing changed, names the remote, and leaves no commit to chase', { timeout: 120_000 }, async () => {
  const head = gitSync(bare, 'rev-parse', 'main').trim();
  beforePush = () => {
    throw new Error('the forge is down');
  };
  const failed = await post('rollback', {});
  beforePush = undefined;
  assert.equal(failed.status, 502);
  const { error } = (await failed.json()) as { error: string };
  assert.match(error, /^cannot push to http:\/\/127\.0\.0\.1:\d+\/config\.git, so nothing changed: /);
  assert.match(error, /500/, "git's reason: the status the remote answered");
  assert.doesNotMatch(error, /locally|hint:/);
  assert.equal(gitSync(bare, 'rev-parse', 'main').trim(), head);

  const rolled = await post('rollback', {});
  assert.equal(rolled.status, 201, await rolled.clone().text());
  assert.equal(remoteLog()[0], `rollback ${project} to 1.0.0 (was 1.1.0)`, 'the failed commit went with the next fetch');
});
