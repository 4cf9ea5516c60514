// The operators' JSON API against a real server that really built two projects in Docker:
// projects with URLs, artifacts (list, archive, remove), deploy history from the config repo's
// git log, the OpenAPI document, /metrics and /readyz, and no token in any log line.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tar from 'tar';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { apiRouter } from '../../src/server/api/router.js';
import { openApiDocument } from '../../src/server/api/openapi.js';
import { silentLogger } from '../../src/services/logger.js';
import { SiteTable } from '../../src/services/site-table.js';
import { gitSync } from '../support/fixtures.js';
import { localFetch } from '../support/local-fetch.js';
import { startOpusWorld, type OpusWorld } from '../support/opus-world.js';
import { idleControl } from '../support/sync-wiring.js';

let w: OpusWorld;

before(async () => {
  w = await startOpusWorld({
    site: { versions: { '1.0.0': { 'public/index.html': '<h1>site 1.0.0</h1>\n' }, '1.1.0': { 'public/index.html': '<h1>site 1.1.0</h1>\n', 'public/about.html': 'about\n' } }, deploy: '1.0.0' },
    'web-app': { versions: { '2.0.0': { 'public/index.html': 'web-app 2.0.0\n', 'public/assets/app.js': 'console.log(1)\n' } }, deploy: '2.0.0' },
  });
  await w.settle();
  const deployed = await w.run('deploy', 'site', '1.1.0');
  assert.equal(deployed.code, 0, deployed.stderr);
  await w.settle((list) => list.find((p) => p.name === 'site')?.live === '1.1.0');
});

after(() => w?.close());

interface Project {
  name: string;
  status: string;
  live?: string;
  desired?: string;
  versions: string[];
  lastBuild?: { version: string; status: string; commit?: string };
  urls: { site: string; previews: Record<string, string> };
}
interface Artifact {
  version: string;
  commit?: string;
  bytes?: number;
  files?: number;
  durationMs?: number;
  builtAt: string;
  live: boolean;
  desired: boolean;
  previewUrl: string;
  archiveUrl: string;
}

const json = async <T>(path: string): Promise<T> => {
  const response = await w.api(path);
  assert.equal(response.status, 200, `${path}: ${response.status}`);
  return (await response.json()) as T;
};
const tagCommit = (project: string, tag: string) => gitSync(w.sources[project] as string, 'rev-parse', `${tag}^{commit}`).trim();

test('projects: desired, live, status, last build and the URLs of the site and of every version', async () => {
  const { projects } = await json<{ projects: Project[] }>('/api/v1/projects');
  assert.deepEqual(projects.map((p) => [p.name, p.status, p.live, p.desired]), [['site', 'synced', '1.1.0', '1.1.0'], ['web-app', 'synced', '2.0.0', '2.0.0']]);
  const site = projects[0] as Project;
  assert.deepEqual(site.versions, ['1.1.0', '1.0.0']);
  assert.equal(site.urls.site, w.siteUrl('site'));
  assert.deepEqual(site.urls.previews, { '1.1.0': w.siteUrl('1-1-0--site'), '1.0.0': w.siteUrl('1-0-0--site') });
  assert.equal(site.lastBuild?.version, '1.1.0');
  assert.equal(site.lastBuild?.commit, tagCommit('site', '1.1.0'));
  assert.equal('settings' in (site.lastBuild ?? {}), false, 'no internal bookkeeping in the API');
  assert.equal(await (await localFetch(site.urls.site)).text(), '<h1>site 1.1.0</h1>\n');
  assert.equal(await (await localFetch(site.urls.previews['1.0.0'] as string)).text(), '<h1>site 1.0.0</h1>\n');
  assert.equal((await w.api('/api/v1/projects/nope')).status, 404);
});

test('artifacts: every built version with its commit, size, files, build time, and preview and archive URLs', async () => {
  const { artifacts } = await json<{ artifacts: Artifact[] }>('/api/v1/projects/site/artifacts');
  assert.deepEqual(artifacts.map((a) => [a.version, a.live, a.desired]), [['1.1.0', true, true], ['1.0.0', false, false]]);
  for (const a of artifacts) {
    assert.equal(a.commit, tagCommit('site', a.version));
    assert.ok((a.durationMs ?? 0) > 0, 'build time');
    assert.ok(Date.parse(a.builtAt) > Date.now() - 10 * 60_000, 'built at');
    assert.equal(a.previewUrl, w.siteUrl(`${a.version.replace(/\./g, '-')}--site`));
  }
  assert.deepEqual(artifacts.map((a) => [a.files, a.bytes]), [[2, '<h1>site 1.1.0</h1>\n'.length + 'about\n'.length], [1, '<h1>site 1.0.0</h1>\n'.length]]);
  assert.equal((await w.api('/api/v1/projects/nope/artifacts')).status, 404);
});

test('the archive of a version holds exactly the files that are served for it', async (t) => {
  const { artifacts } = await json<{ artifacts: Artifact[] }>('/api/v1/projects/web-app/artifacts');
  const [artifact] = artifacts;
  assert.ok(artifact);
  const response = await w.api(new URL(artifact.archiveUrl).pathname);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/gzip');
  assert.match(response.headers.get('content-disposition') ?? '', /web-app-2\.0\.0\.tar\.gz/);
  const dir = await mkdtemp(join(tmpdir(), 'opus-archive-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a.tar.gz'), Buffer.from(await response.arrayBuffer()));
  await tar.x({ file: join(dir, 'a.tar.gz'), cwd: dir });
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && e.name !== 'a.tar.gz');
  assert.deepEqual(files.map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort(), ['assets/app.js', 'index.html']);
  for (const file of ['index.html', 'assets/app.js']) {
    assert.equal(await readFile(join(dir, file), 'utf8'), await (await localFetch(`${w.siteUrl('2-0-0--web-app')}${file}`)).text(), file);
  }
  assert.equal((await w.api('/api/v1/projects/web-app/artifacts/9.9.9/archive')).status, 404);
});

test('removing a version: refused for the live one, needs the token, then it is gone everywhere', async () => {
  const live = await w.api('/api/v1/projects/site/artifacts/1.1.0', { method: 'DELETE' });
  assert.equal(live.status, 409);
  assert.match(((await live.json()) as { error: string }).error, /is live/);
  assert.equal((await w.api('/api/v1/projects/site/artifacts/7.7.7', { method: 'DELETE' })).status, 404);
  assert.equal((await fetch(`${w.url}/api/v1/projects/site/artifacts/1.0.0`, { method: 'DELETE', headers: { Authorization: 'Bearer wrong' } })).status, 401);

  const removed = await w.api('/api/v1/projects/site/artifacts/1.0.0', { method: 'DELETE' });
  assert.equal(removed.status, 200);
  assert.deepEqual(await removed.json(), { project: 'site', version: '1.0.0', removed: true });
  const { artifacts } = await json<{ artifacts: Artifact[] }>('/api/v1/projects/site/artifacts');
  assert.deepEqual(artifacts.map((a) => a.version), ['1.1.0']);
  assert.equal((await localFetch(w.siteUrl('1-0-0--site'))).status, 404);
  assert.equal((await w.api('/api/v1/projects/site/artifacts/1.0.0/archive')).status, 404);
  assert.equal(await (await localFetch(w.siteUrl('site'))).text(), '<h1>site 1.1.0</h1>\n');
});

test('history: who deployed what, from which version to which, from the config repo\'s git log', async () => {
  const { history } = await json<{ history: Array<{ kind: string; from?: string; to?: string; commit: string; author: string; date: string; subject: string; summary: string }> }>('/api/v1/projects/site/history');
  const log = gitSync(w.configDir, 'log', '--format=%H|%an|%s', '--', 'projects/site.yaml').trim().split('\n').map((l) => l.split('|'));
  assert.deepEqual(history.map((e) => [e.kind, e.from, e.to, e.summary]), [['deploy', '1.0.0', '1.1.0', 'deploy 1.0.0 → 1.1.0'], ['add', undefined, '1.0.0', 'added at 1.0.0']]);
  assert.deepEqual(history.map((e) => [e.commit, e.author, e.subject]), log);
  assert.ok(history.every((e) => !Number.isNaN(Date.parse(e.date))));
  assert.equal((await w.api('/api/v1/projects/ghost/history')).status, 404);
  assert.equal((await w.api('/api/v1/projects/site/history?limit=0')).status, 400);
});

test('the OpenAPI document is served and describes every route of the API', async () => {
  const served = await json<typeof openApiDocument>('/api/v1/openapi.json');
  assert.equal(served.openapi, '3.1.0');
  const store = new FsArtifactStore(join(w.dir, 'unused-artifacts'));
  const sites = new SiteTable(store);
  const router = apiRouter({ ...idleControl(store, sites), sites, logger: silentLogger });
  const paths = served.paths as Record<string, Record<string, unknown>>;
  const missing: string[] = [];
  for (const layer of router.stack) {
    const path = String(layer.path).replace(/^\/api\/v1/, '').replace(/:(\w+)/g, '{$1}');
    for (const method of layer.methods.filter((m) => m !== 'HEAD')) if (!paths[path]?.[method.toLowerCase()]) missing.push(`${method} ${path}`);
  }
  assert.deepEqual(missing, []);
});

test('/metrics counts builds, syncs, the queue and requests; /readyz says ready; no token in any log line', async () => {
  assert.equal((await fetch(`${w.url}/readyz`)).status, 200);
  await localFetch(w.siteUrl('site'));
  await fetch(`${w.url}/api/v1/projects`, { headers: { Authorization: `Bearer ${w.token}x` } }).catch(() => undefined);
  const response = await fetch(`${w.url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
  const text = await response.text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
  assert.equal(value(/^opus_builds_total\{result="succeeded"\} (\d+)$/m), 3);
  assert.equal(value(/^opus_build_duration_seconds_count\{result="succeeded"\} (\d+)$/m), 3);
  assert.ok(value(/^opus_sync_duration_seconds_count\{result="ok"\} (\d+)$/m) >= 2);
  assert.equal(value(/^opus_sync_errors_total (\d+)$/m), 0);
  assert.equal(value(/^opus_build_queue_length\{state="queued"\} (\d+)$/m), 0);
  assert.ok(value(/^opus_http_requests_total\{kind="site",status="200"\} (\d+)$/m) >= 1);
  assert.ok(value(/^opus_http_requests_total\{kind="api",status="200"\} (\d+)$/m) >= 5);
  assert.ok(value(/^opus_http_requests_total\{kind="api",status="409"\} (\d+)$/m) >= 1);
  assert.ok(w.logs.length > 5, 'the server logged');
  assert.equal(w.logs.some((line) => line.includes(w.token)), false);
});
