// End to end, as a new user would do it: real git repos, the real `opus` CLI editing a config repo
// cloned from a bare remote, and a real `opus server` child process that syncs that remote, builds
// in Docker (DOCKER_HOST from the environment) and serves over HTTP.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Docker from 'dockerode';
import { cacheVolumeName } from '../../src/adapters/docker/build-cache.js';
import { DEFAULT_SANDBOX } from '../../src/domain/build-limits.js';
import { serverId } from '../../src/runtime/artifact-stores.js';
import { eventually, gitSync, makeSourceRepo, opus, opusBin, repoRoot, tagVersion, tempDir, writeFiles, type RunResult } from '../support/fixtures.js';
import { htmlVersion, jsVersions, viteApp } from './vite-app.js';
import { localFetch, siteOrigin } from '../support/local-fetch.js';
import { readAdminToken } from '../../src/runtime/admin-token.js';
import { freePort } from '../support/free-port.js';

/** Each Vite build runs npm install in a fresh container. */
const BUILD_MS = 120_000;
const COPY_BUILD = 'mkdir -p dist && cp -r public/. dist/';

interface ProjectView {
  name: string;
  status: string;
  live?: string;
  desired?: string;
  reason?: string;
  lastBuild?: { version: string; status: string; attempts: number; startedAt: string };
}

interface Response {
  status: number;
  body: Buffer;
  text: string;
}

interface Page extends Response {
  version?: string;
  js?: { path: string; status: number; body: Buffer; versions: string[] };
}

interface World {
  dir: string;
  /** The config repo's working copy (the CLI edits it) and its bare remote (the server reads it). */
  work: string;
  remote: string;
  data: string;
  url: string;
  output: string[];
  run(...args: string[]): Promise<RunResult>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A temp dir with an empty bare remote; the config repo itself is made by `opus init` in the test. */
async function makeWorld(t: TestContext): Promise<World> {
  const dir = await tempDir(t, 'opus-e2e-');
  const work = join(dir, 'config');
  const remote = join(dir, 'config.git');
  gitSync(dir, 'init', '--quiet', '--bare', remote);
  let stopServer = async () => undefined;
  const world: World = {
    dir,
    work,
    remote,
    data: join(dir, 'data'),
    url: '',
    output: [],
    run: (...args) => opus(args, { env: { OPUS_CONFIG: work } }),
    async start() {
      const port = await freePort();
      const args = ['server', '--config', remote, '--data-dir', world.data, '--port', String(port), '--host', '127.0.0.1', '--sync-interval', '2s', '--log-format', 'json'];
      const child = spawn(process.execPath, [opusBin, ...args], { cwd: repoRoot, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (chunk: Buffer) => world.output.push(chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => world.output.push(chunk.toString()));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      stopServer = async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      };
      t.after(() => stopServer());
      world.url = `http://127.0.0.1:${port}`;
      await eventually(async () => {
        if (child.exitCode !== null) throw new Error(`opus server exited with ${child.exitCode}`);
        return (await fetch(`${world.url}/api/v1/projects`)).ok || undefined;
      }, 30_000, 'opus server to listen');
    },
    stop: () => stopServer(),
  };
  return world;
}

/** A test with a world; the server's output is printed when it fails, and the server always stopped. */
function scenario(name: string, body: (w: World) => Promise<void>): void {
  test(name, { timeout: 600_000 }, async (t) => {
    const w = await makeWorld(t);
    try {
      await body(w);
    } catch (error) {
      if (w.output.length > 0) process.stderr.write(`\n--- opus server output (${name}) ---\n${w.output.join('')}--- end of opus server output ---\n`);
      throw error;
    } finally {
      await w.stop();
    }
  });
}

async function get(url: string): Promise<Response> {
  const response = await localFetch(url);
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, body, text: body.toString('utf8') };
}

/** Loads a page as a browser would: its HTML, then the module script it references. */
async function loadPage(w: World, path: string): Promise<Page> {
  // `/site/…` is asked for as a browser would, on the project's own host: http://site.localhost:<port>/…
  const [, project = '', rest = '/'] = /^\/([^/]+)(\/.*)?$/.exec(path) ?? [];
  const url = `${siteOrigin(w.url, project)}${rest}`;
  const page: Page = await get(url);
  const version = htmlVersion(page.text);
  if (version) page.version = version;
  const src = /<script[^>]*\ssrc="([^"]+)"/.exec(page.text)?.[1];
  if (page.status === 200 && src) {
    const jsUrl = new URL(src, url);
    const js = await get(jsUrl.href);
    page.js = { path: jsUrl.pathname.slice(rest.length), status: js.status, body: js.body, versions: [...new Set(jsVersions(js.text))] };
  }
  return page;
}

/** Waits until `path` serves `version` with a JS asset (if it has one) of the same version. */
function waitForVersion(w: World, path: string, version: string, timeoutMs: number): Promise<Page> {
  return eventually(async () => {
    const page = await loadPage(w, path);
    const jsOk = !page.js || (page.js.status === 200 && page.js.versions.join() === version);
    return page.status === 200 && page.version === version && jsOk ? page : undefined;
  }, timeoutMs, `${path} to serve ${version}`);
}

const subjects = (repo: string): string[] => gitSync(repo, 'log', '--format=%s', 'main').trim().split('\n');
const head = (repo: string, ref = 'HEAD'): string => gitSync(repo, 'rev-parse', ref).trim();

/** Runs a CLI edit and checks that the remote gained exactly one commit, with this subject. */
async function step(w: World, args: string[], subject: string): Promise<RunResult> {
  const before = subjects(w.remote);
  const result = await w.run(...args);
  assert.equal(result.code, 0, `opus ${args.join(' ')} failed:\n${result.stderr}`);
  assert.match(result.stdout, /commit [0-9a-f]{12}(?: in \S+)?, pushed/, `opus ${args.join(' ')} should push`);
  assert.deepEqual(subjects(w.remote), [subject, ...before], `opus ${args.join(' ')}`);
  assert.equal(head(w.work), head(w.remote, 'main'));
  return result;
}

/** `opus init` of the working copy, then it is made a clone of the bare remote, as the README says. */
async function initConfigRepo(w: World): Promise<void> {
  const init = await opus(['init', w.work]);
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /created the config repo/);
  gitSync(w.work, 'remote', 'add', 'origin', w.remote);
  gitSync(w.work, 'push', '--quiet', '-u', 'origin', 'main');
  assert.deepEqual(subjects(w.remote), ['init opus config repo']);
}

async function syncNow(w: World): Promise<void> {
  assert.equal((await fetch(`${w.url}/api/v1/sync`, { method: 'POST' })).status, 401, 'no change without a credential, not even from this machine');
  // The admin token the server made on its first start, where the CLI on this machine finds it too.
  const token = readAdminToken(w.data);
  assert.ok(token, 'opus server made an admin token under its data dir');
  assert.equal((statSync(join(w.data, 'state', 'admin-token')).mode & 0o777).toString(8), '600');
  // Printed once, on the first start, as a login URL for the dashboard (the token in its fragment).
  assert.equal(w.output.join('').split(`/_opus/#token=${token}`).length - 1, 1, 'the login URL was printed once');
  const response = await fetch(`${w.url}/api/v1/sync`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200, await response.text());
}

async function projects(w: World): Promise<ProjectView[]> {
  const response = await fetch(`${w.url}/api/v1/projects`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { projects: ProjectView[] }).projects;
}

async function project(w: World, name: string): Promise<ProjectView | undefined> {
  return (await projects(w)).find((p) => p.name === name);
}

async function assertSynced(w: World, name: string, version: string): Promise<void> {
  const view = await eventually(async () => {
    const p = await project(w, name);
    return p?.status === 'synced' ? p : undefined;
  }, 10_000, `${name} to be reported synced`);
  assert.deepEqual({ live: view.live, desired: view.desired }, { live: version, desired: version });
}

/** The server's JSON log lines with this message. */
function logged(w: World, message: string): Record<string, unknown>[] {
  return w.output
    .join('')
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    })
    .filter((entry) => entry.message === message);
}

async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if ((await stat(path)).isDirectory()) files.push(...(await filesUnder(path, `${prefix}${name}/`)));
    else files.push(`${prefix}${name}`);
  }
  return files.sort();
}

/** The version dir holds exactly what was served, and its archive (from the API) lists the same files. */
async function assertArtifacts(w: World, name: string, version: string, served: Page): Promise<void> {
  const dir = join(w.data, 'artifacts', name, version);
  assert.deepEqual(await readFile(join(dir, 'index.html')), served.body, `${version}/index.html is what was served`);
  if (served.js) assert.deepEqual(await readFile(join(dir, served.js.path)), served.js.body, `${version}/${served.js.path} is what was served`);
  const files = await filesUnder(dir);
  assert.ok(files.includes('index.html') && files.some((f) => /^assets\/.+\.js$/.test(f)), `files of ${version}: ${files.join(', ')}`);
  const archive = await fetch(`${w.url}/api/v1/projects/${name}/artifacts/${version}/archive`);
  assert.equal(archive.status, 200);
  const listing = execFileSync('tar', ['-tz'], { input: Buffer.from(await archive.arrayBuffer()), encoding: 'utf8' });
  const archived = listing.split('\n').filter((entry) => entry && !entry.endsWith('/')).map((entry) => entry.replace(/^\.\//, '')).sort();
  assert.deepEqual(archived, files, `the archive of ${version} lists the files of ${version}/`);
}

scenario('a new user deploys a real Vite app, upgrades it with no mixed responses, rolls back and removes it', async (w) => {
  const source = await makeSourceRepo(join(w.dir, 'site'), { '1.0.0': viteApp('1.0.0') });
  await tagVersion(source, '1.1.0', viteApp('1.1.0'));
  await initConfigRepo(w);
  const build = 'npm install --no-audit --no-fund && npm run build';
  await step(w, ['add', 'site', source, '--image', 'node:20', '--command', build, '--output', 'dist', '--network', 'host'], 'add project site');
  await step(w, ['deploy', 'site', '1.0.0'], 'deploy site 1.0.0');

  await w.start();
  const v1 = await waitForVersion(w, '/site/', '1.0.0', BUILD_MS);
  assert.equal(v1.js?.status, 200, 'the JS asset of 1.0.0 loads');
  await assertSynced(w, 'site', '1.0.0');

  await step(w, ['deploy', 'site', '1.1.0'], 'deploy site 1.1.0 (was 1.0.0)');
  await syncNow(w);
  // Load the page continuously while 1.1.0 builds and goes live: every load is one whole version.
  const seen: string[] = [];
  const deadline = Date.now() + BUILD_MS;
  while (seen.filter((v) => v === '1.1.0').length < 20) {
    assert.ok(Date.now() < deadline, `1.1.0 did not go live in time (saw ${seen.length} loads of 1.0.0)`);
    const page = await loadPage(w, '/site/');
    assert.equal(page.status, 200, `/site/ answered ${page.status} during the upgrade`);
    assert.ok(page.version === '1.0.0' || page.version === '1.1.0', `/site/ served neither version:\n${page.text.slice(0, 300)}`);
    assert.ok(page.js, 'every page references its JS');
    if (seen.includes('1.1.0')) assert.equal(page.version, '1.1.0', 'once 1.1.0 is served, 1.0.0 never comes back');
    // Also when the switch fell between the HTML and its JS: the old hashed JS stays reachable.
    assert.equal(page.js.status, 200, `the JS of a ${page.version} page answered ${page.js.status}`);
    assert.deepEqual(page.js.versions, [page.version], `a ${page.version} page got JS of ${page.js.versions.join(', ')}`);
    seen.push(page.version);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(seen.length > 20, `the upgrade was polled (${seen.length} loads)`);
  const v2 = await waitForVersion(w, '/site/', '1.1.0', 5_000);
  assert.notEqual(v2.js?.path, v1.js?.path, 'each version has its own hashed JS');
  await assertSynced(w, 'site', '1.1.0');
  await assertArtifacts(w, 'site', '1.0.0', v1);
  await assertArtifacts(w, 'site', '1.1.0', v2);

  await step(w, ['rollback', 'site'], 'rollback site to 1.0.0 (was 1.1.0)');
  await syncNow(w);
  const back = await waitForVersion(w, '/site/', '1.0.0', 15_000);
  assert.deepEqual(back.body, v1.body, 'the rollback serves the very same 1.0.0');
  await assertSynced(w, 'site', '1.0.0');
  const started = logged(w, 'build started').map((entry) => `${String(entry.project)}@${String(entry.version)}`);
  assert.deepEqual(started, ['site@1.0.0', 'site@1.1.0'], 'the rollback needed no rebuild');

  const cacheVolume = cacheVolumeName('site', serverId(join(w.data, 'artifacts')), DEFAULT_SANDBOX.user);
  assert.ok(await volumeExists(cacheVolume), `the builds kept their package cache in ${cacheVolume}`);
  await step(w, ['remove', 'site'], 'remove project site');
  await syncNow(w);
  await eventually(async () => ((await get(`${siteOrigin(w.url, 'site')}/`)).status === 404 ? true : undefined), 15_000, '/site/ to answer 404');
  assert.equal(await project(w, 'site'), undefined, 'a removed project is no longer listed');
  assert.equal(await volumeExists(cacheVolume), false, 'the removed project\'s build cache is gone');
  assert.deepEqual(subjects(w.remote), [
    'remove project site',
    'rollback site to 1.0.0 (was 1.1.0)',
    'deploy site 1.1.0 (was 1.0.0)',
    'deploy site 1.0.0',
    'add project site',
    'init opus config repo',
  ]);
});

const staticPage = (label: string) => `<!doctype html>\n<title>${label}</title>\n<h1 id="v">${label}</h1>\n`;

scenario('bad input never takes a site down: broken config, failing builds and CLI mistakes', async (w) => {
  const app = await makeSourceRepo(join(w.dir, 'app'), {
    '1.0.0': { 'build.sh': `echo "building the app"\n${COPY_BUILD}\n`, 'public/index.html': staticPage('1.0.0') },
    '1.1.0': { 'build.sh': 'echo "compiling 1.1.0"\necho "error: src/app.js:3: unexpected token" >&2\nexit 1\n', 'public/index.html': staticPage('1.1.0') },
  });
  const docs = await makeSourceRepo(join(w.dir, 'docs'), { '1.0.0': { 'public/index.html': staticPage('docs-1') } });
  await initConfigRepo(w);
  await step(w, ['add', 'site', app, '--image', 'node:20', '--command', 'sh build.sh', '--deploy', '1.0.0'], 'add project site at 1.0.0');
  await w.start();
  await waitForVersion(w, '/site/', '1.0.0', 60_000);
  await assertSynced(w, 'site', '1.0.0');

  // (b) A version whose build fails: the old one stays live, the failure and its log are kept, no retry loop.
  await step(w, ['deploy', 'site', '1.1.0'], 'deploy site 1.1.0 (was 1.0.0)');
  await syncNow(w);
  const failed = await eventually(async () => {
    const p = await project(w, 'site');
    return p?.status === 'failed' ? p : undefined;
  }, 60_000, 'the build of site 1.1.0 to fail');
  assert.deepEqual({ live: failed.live, desired: failed.desired }, { live: '1.0.0', desired: '1.1.0' });
  assert.equal(failed.lastBuild?.version, '1.1.0');
  assert.equal(failed.lastBuild?.status, 'failed');
  assert.equal(failed.lastBuild?.attempts, 1);
  // The reason leads with the log's line that says why (issue 16), not only the exit code.
  assert.match(failed.reason ?? '', /^error: src\/app\.js:3: unexpected token \(the build command exited with code 1\)/);
  const logPath = join(w.data, 'artifacts', '.opus', 'logs', 'site', '1.1.0.log');
  const log = await readFile(logPath, 'utf8');
  assert.match(log, /compiling 1\.1\.0/);
  assert.match(log, /error: src\/app\.js:3: unexpected token/);
  assert.equal((await loadPage(w, '/site/')).version, '1.0.0');
  for (let i = 0; i < 3; i += 1) await syncNow(w);
  await new Promise((resolve) => setTimeout(resolve, 3_000)); // and a timed sync or two
  const later = await project(w, 'site');
  assert.deepEqual(later?.lastBuild, failed.lastBuild, 'a failed build is not rebuilt at each sync');
  assert.equal(logged(w, 'build started').filter((e) => e.version === '1.1.0').length, 1);
  assert.equal(await readFile(logPath, 'utf8'), log);
  assert.equal((await loadPage(w, '/site/')).version, '1.0.0');
  await step(w, ['rollback', 'site'], 'rollback site to 1.0.0 (was 1.1.0)');
  await syncNow(w);
  await assertSynced(w, 'site', '1.0.0');

  // (a) A broken project file, committed and pushed by hand: site keeps 1.0.0, another project still deploys.
  const good = await readFile(join(w.work, 'projects/site.yaml'), 'utf8');
  await writeFiles(w.work, { 'projects/site.yaml': `${good.replace('command:', 'network: wifi\n  command:')}colour: red\n` });
  gitSync(w.work, 'commit', '--quiet', '-am', 'site: try a new network');
  gitSync(w.work, 'push', '--quiet');
  await step(w, ['add', 'other', docs, '--image', 'node:20', '--command', COPY_BUILD, '--deploy', '1.0.0'], 'add project other at 1.0.0');
  await syncNow(w);
  await waitForVersion(w, '/other/', 'docs-1', 60_000);
  await assertSynced(w, 'other', '1.0.0');
  const broken = await eventually(async () => {
    const p = await project(w, 'site');
    return p?.status === 'config error' ? p : undefined;
  }, 10_000, 'site to report its config error');
  assert.equal(broken.live, '1.0.0');
  assert.match(broken.reason ?? '', /projects\/site\.yaml:6 build\.network: .*"default"\|"host"\|"none"/);
  assert.match(broken.reason ?? '', /projects\/site\.yaml:9: unknown key "colour"/);
  for (let i = 0; i < 2; i += 1) await syncNow(w);
  assert.equal((await loadPage(w, '/site/')).version, '1.0.0', 'a broken file keeps the last good version live');

  // (c) validate lists every problem; CLI mistakes exit non-zero, say why, and commit nothing.
  const validate = await w.run('validate', w.work);
  assert.notEqual(validate.code, 0);
  assert.match(validate.stderr, /2 problems/);
  assert.match(validate.stderr, /projects\/site\.yaml:6 build\.network: .*"default"\|"host"\|"none"/);
  assert.match(validate.stderr, /projects\/site\.yaml:9: unknown key "colour"/);
  const before = { local: head(w.work), remote: head(w.remote, 'main') };
  const mistakes: [string[], RegExp][] = [
    [['deploy', 'nope', '1.0.0'], /unknown project "nope"[\s\S]*known projects: other/],
    [['deploy', 'other', '9.9.9'], /has no tag "9\.9\.9"[\s\S]*1\.0\.0/],
    [['deploy', 'site', '1.0.0'], /projects\/site\.yaml is invalid/],
    [['add', 'My_Site', docs, '--image', 'node:20', '--command', COPY_BUILD], /"My_Site" is not a valid project name/],
    [['remove', 'ghost'], /unknown project "ghost"/],
  ];
  const results = await Promise.all(mistakes.map(([args]) => w.run(...args)));
  mistakes.forEach(([args, message], i) => {
    assert.notEqual(results[i]?.code, 0, `opus ${args.join(' ')} should fail`);
    assert.match(results[i]?.stderr ?? '', message, `opus ${args.join(' ')}`);
  });
  await writeFiles(w.work, { 'projects/other.yaml': `${await readFile(join(w.work, 'projects/other.yaml'), 'utf8')}# wip\n` });
  const dirty = await w.run('remove', 'other');
  assert.notEqual(dirty.code, 0);
  assert.match(dirty.stderr, /uncommitted changes: projects\/other\.yaml/);
  assert.ok(existsSync(join(w.work, 'projects/other.yaml')));
  gitSync(w.work, 'checkout', '--', 'projects/other.yaml');
  assert.deepEqual({ local: head(w.work), remote: head(w.remote, 'main') }, before, 'no mistake made a commit');

  // Fixing the file by hand brings site back to synced, still without a rebuild.
  await writeFiles(w.work, { 'projects/site.yaml': good });
  gitSync(w.work, 'commit', '--quiet', '-am', 'site: fix the project file');
  gitSync(w.work, 'push', '--quiet');
  await syncNow(w);
  await assertSynced(w, 'site', '1.0.0');
  assert.deepEqual(logged(w, 'build started').map((e) => `${String(e.project)}@${String(e.version)}`).sort(), ['other@1.0.0', 'site@1.0.0', 'site@1.1.0']);
});

async function volumeExists(name: string): Promise<boolean> {
  return new Docker().getVolume(name).inspect().then(() => true, () => false);
}
