// /readyz, /metrics and the request counter on a real listening server over a real (empty)
// config repo; no Docker needed: no project is deployed.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { GitConfigSource } from '../../src/adapters/git/git-config-source.js';
import { GitSourceRepos } from '../../src/adapters/git/git-source-repos.js';
import { createOpusServer } from '../../src/server/opus-server.js';
import { BuildQueue } from '../../src/services/build-queue.js';
import { BuildService } from '../../src/services/build-service.js';
import { silentLogger } from '../../src/services/logger.js';
import { Metrics } from '../../src/services/metrics.js';
import { SiteTable } from '../../src/services/site-table.js';
import { gitSync, tempDir, writeFiles } from '../support/fixtures.js';
import { syncWiring } from '../support/sync-wiring.js';

const TOKEN = 'ops-test-token-0123456789';

async function serve(t: TestContext, protectReads: boolean, trustProxy = false) {
  const dir = await tempDir(t, 'opus-ops-');
  await writeFiles(join(dir, 'config'), { 'opus.yaml': '', 'projects/.gitkeep': '' });
  gitSync(join(dir, 'config'), 'init', '--quiet');
  gitSync(join(dir, 'config'), 'add', '--all');
  gitSync(join(dir, 'config'), 'commit', '--quiet', '-m', 'init');
  const store = new FsArtifactStore(join(dir, 'artifacts'));
  const sites = new SiteTable(store);
  const queue = new BuildQueue(1);
  const sources = new GitSourceRepos();
  const metrics = new Metrics(queue, { processMetrics: false });
  const builds = new BuildService(store, sources, undefined as never, silentLogger, metrics);
  const { sync, scheduler } = syncWiring({ config: new GitConfigSource(join(dir, 'config'), join(dir, 'state')), sources, store, builds, queue, sites, logger: silentLogger, onSynced: (r, ms) => metrics.syncFinished(r, ms) });
  const server = createOpusServer({ sync, scheduler, sites, store, queue, logger: silentLogger, metrics, auth: { token: TOKEN, protectReads }, trustProxy });
  const { port } = await server.listen(0, '127.0.0.1');
  t.after(() => server.close(0));
  return { url: `http://127.0.0.1:${port}`, sync, sites };
}

test('/readyz answers 503 until the first sync has finished, then 200', async (t) => {
  const { url, sync } = await serve(t, false);
  const before = await fetch(`${url}/readyz`);
  assert.equal(before.status, 503);
  assert.deepEqual(await before.json(), { ready: false, reason: 'the first sync has not finished yet' });
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  await sync.sync();
  const after = await fetch(`${url}/readyz`);
  assert.equal(after.status, 200);
  assert.equal(((await after.json()) as { ready: boolean }).ready, true);
});

test('/metrics: Prometheus text with syncs, the queue and requests by kind and status', async (t) => {
  const { url, sync } = await serve(t, false);
  await sync.sync();
  await fetch(`${url}/nope/`);
  await fetch(`${url}/api/v1/projects`);
  await fetch(`${url}/api/v1/projects/ghost`);
  await fetch(`${url}/_opus/`);
  const text = await (await fetch(`${url}/metrics`)).text();
  assert.match(text, /^# TYPE opus_builds_total counter$/m);
  assert.match(text, /^# TYPE opus_build_duration_seconds histogram$/m);
  assert.match(text, /^opus_sync_duration_seconds_count\{result="ok"\} 1$/m);
  assert.match(text, /^opus_build_queue_length\{state="running"\} 0$/m);
  assert.match(text, /^opus_http_requests_total\{kind="site",status="404"\} 1$/m);
  assert.match(text, /^opus_http_requests_total\{kind="api",status="200"\} 1$/m);
  assert.match(text, /^opus_http_requests_total\{kind="api",status="404"\} 1$/m);
  assert.match(text, /^opus_http_requests_total\{kind="dashboard",status="200"\} 1$/m);
  // Counts carry over between scrapes; they are never reported twice.
  const again = await (await fetch(`${url}/metrics`)).text();
  assert.match(again, /^opus_http_requests_total\{kind="api",status="200"\} 1$/m);
  assert.match(again, /^opus_http_requests_total\{kind="ops",status="200"\} 1$/m);
});

test('with reads protected, /metrics and the API need the token; the dashboard page does not', async (t) => {
  const { url } = await serve(t, true);
  assert.equal((await fetch(`${url}/metrics`)).status, 401);
  assert.equal((await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status, 200);
  assert.equal((await fetch(`${url}/api/v1/projects`)).status, 401);
  assert.equal((await fetch(`${url}/api/v1/openapi.json`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status, 200);
  assert.equal((await fetch(`${url}/_opus/`)).status, 200);
  assert.equal((await fetch(`${url}/readyz`)).status, 503);
});

test('behind a proxy (--trust-proxy) the API\u2019s URLs follow X-Forwarded-Proto and -Host; otherwise those headers are ignored', async (t) => {
  const forwarded = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'opus.example.com' };
  const siteUrl = async (url: string) => {
    const { projects } = (await (await fetch(`${url}/api/v1/projects`, { headers: forwarded })).json()) as { projects: { name: string; urls: { site: string } }[] };
    return projects.find((p) => p.name === 'site')?.urls.site;
  };
  for (const trust of [true, false]) {
    const { url, sites } = await serve(t, false, trust);
    await sites.set('site', { version: '1.0.0', domains: [] });
    // Sites are on their own hosts: the proxy's scheme and port carry over, never its host.
    assert.equal(await siteUrl(url), trust ? 'https://site.localhost/' : `http://site.localhost:${new URL(url).port}/`);
  }
});

test('no spelling of an API path gets past the token: other cases, encodings and slashes are refused or unknown', async (t) => {
  const { url, sync } = await serve(t, false);
  for (const path of ['/api/v1/sync', '/API/v1/sync', '/Api/V1/Sync', '/api/v1/SYNC', '/api/v1/%73ync', '/%61pi/v1/sync', '/api//v1/sync', '/api/v1/sync/', 'http://127.0.0.1/API/v1/sync']) {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', path }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.ok(status === 401 || status === 404, `POST ${path} answered ${status}`);
  }
  assert.equal(sync.desiredState, undefined, 'no sync ran');
});
