// Host routing on the real `opus server` entry (fast path included): every project on its own host,
// previews on theirs, the dashboard's hosts never serving build output, unknown hosts a plain 404.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { join } from 'node:path';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { EMBEDDED_ORIGINS, type Origins } from '../../src/domain/origins.js';
import type { ConfigSource } from '../../src/ports/git-sources.js';
import { createOpusServer } from '../../src/server/opus-server.js';
import { silentLogger } from '../../src/services/logger.js';
import { SiteTable } from '../../src/services/site-table.js';
import { tempDir, writeFiles } from '../support/fixtures.js';
import { localFetch } from '../support/local-fetch.js';
import { idleControl } from '../support/sync-wiring.js';

async function rawGet(port: number, host: string, path: string): Promise<Response> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { Host: host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers: { 'content-type': String(res.headers['content-type'] ?? '') } })));
    }).on('error', reject).end();
  });
}

async function serve(t: TestContext, origins: Origins): Promise<{ port: number; get(host: string, path?: string): Promise<{ status: number; body: string; type: string }> }> {
  const dir = await tempDir(t, 'opus-hosts-');
  const store = new FsArtifactStore(join(dir, 'artifacts'));
  const sites = new SiteTable(store);
  await sites.load();
  const config: ConfigSource = { fetch: async () => ({ commit: 'c0ffee', settingsText: '', projectFiles: [] }) };
  for (const [project, version, text] of [['site', '1.0.0', 'site one'], ['site', '1.1.0', 'site one-one'], ['a--b', '1.0.0', 'a--b itself'], ['b', '2.0.0', 'b two']] as const) {
    const stage = await store.createStaging(project, version);
    const staging = stage.dir;
    await writeFiles(staging, { 'index.html': text });
    await stage.publish();
  }
  await sites.set('site', { version: '1.0.0', domains: ['www.site.test', 'localhost'] });
  await sites.set('a--b', { version: '1.0.0', domains: [] });
  await sites.set('b', { version: '2.0.0', domains: [] });
  const server = createOpusServer({ ...idleControl(store, sites, config), sites, store, logger: silentLogger, origins, auth: { token: 't', protectReads: false } });
  const { port } = await server.listen(0, '127.0.0.1');
  t.after(() => server.close(0));
  return {
    port,
    async get(host, path = '/') {
      // *.localhost as a browser sends it; any other host as a Host header to 127.0.0.1.
      const response = host.endsWith('localhost') ? await localFetch(`http://${host}:${port}${path}`) : await rawGet(port, host, path);
      return { status: response.status, body: await response.text(), type: response.headers.get('content-type') ?? '' };
    },
  };
}

test('embedded default: <project>.localhost serves the project at /, the dashboard stays on localhost', async (t) => {
  const { get } = await serve(t, EMBEDDED_ORIGINS);
  assert.deepEqual(await get('site.localhost'), { status: 200, body: 'site one', type: 'text/html; charset=utf-8' });
  const dashboard = await get('localhost', '/_opus/');
  assert.equal(dashboard.status, 200);
  assert.match(dashboard.body, /<title>Opus<\/title>/);
  assert.equal((await get('localhost', '/')).body.includes('site one'), false, 'a project listing the dashboard host among its domains is not served there');
  assert.equal((await get('127.0.0.1', '/site/')).status, 404, 'no path-style sites unless opted in');
  assert.equal((await get('site.localhost', '/_opus/')).status, 404, 'no dashboard on a site host');
  assert.equal((await get('site.localhost', '/api/v1/projects')).status, 404, 'no API on a site host');
});

test('previews: 1.1.0--site and 1-1-0--site are the same version; a project named a--b keeps its name', async (t) => {
  const { get } = await serve(t, EMBEDDED_ORIGINS);
  assert.equal((await get('1-1-0--site.localhost')).body, 'site one-one');
  assert.equal((await get('1.1.0--site.localhost')).body, 'site one-one');
  assert.equal((await get('a--b.localhost')).body, 'a--b itself');
  assert.equal((await get('2-0-0--b.localhost')).body, 'b two');
  assert.equal((await get('9-9-9--site.localhost')).status, 404);
});

test('unknown hosts get a plain 404: never another site, never the dashboard', async (t) => {
  const { get } = await serve(t, EMBEDDED_ORIGINS);
  for (const host of ['nope.localhost', 'evil.example', '10.0.0.1', 'x.y.localhost']) {
    for (const path of ['/', '/_opus/', '/api/v1/projects', '/site/']) {
      const answer = await get(host, path);
      assert.equal(answer.status, 404, `${host}${path}`);
      assert.doesNotMatch(answer.body, /site one|Opus|projects/, `${host}${path}`);
    }
  }
  assert.equal((await get('www.site.test')).body, 'site one', "a project's own domain");
});

test('a real install: dashboard on opus.example.com, sites on *.sites.example.net, path-style only on its opt-in host', async (t) => {
  const { get } = await serve(t, { dashboardHosts: ['opus.example.com'], sitesDomain: 'sites.example.net', pathHosts: ['paths.example.net'] });
  assert.equal((await get('site.sites.example.net')).body, 'site one');
  assert.equal((await get('1-1-0--site.sites.example.net')).body, 'site one-one');
  assert.equal((await get('paths.example.net', '/site/')).body, 'site one');
  assert.equal((await get('paths.example.net', '/site@1.1.0/')).body, 'site one-one');
  assert.equal((await get('opus.example.com', '/site/')).status, 404);
  assert.equal((await get('paths.example.net', '/_opus/')).status, 404);
  assert.equal((await get('site.localhost')).status, 404, 'not the embedded default any more');
  const projects = JSON.parse((await get('opus.example.com', '/api/v1/projects')).body) as { projects: { name: string; urls: { site: string; previews: Record<string, string> } }[] };
  const site = projects.projects.find((p) => p.name === 'site');
  assert.equal(site?.urls.site, 'http://site.sites.example.net/');
  assert.equal(site?.urls.previews['1.1.0'], 'http://1-1-0--site.sites.example.net/');
});
