// A page loaded just before a deploy or rollback still asks for its own hashed JS and CSS. Opus
// keeps answering those names from versions that were live recently, and nothing else from them.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RECENTLY_LIVE } from '../../src/services/site-table.js';
import { siteOptions, startSiteServer, type SiteServer } from '../support/site-server.js';

let server: SiteServer;
let dir: string;
const v1Js = 'export const version = "one";';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opus-recent-'));
  server = await startSiteServer(dir);
  await server.publish('site', '1.0.0', { 'index.html': 'one', 'assets/index-Ab12Cd34.js': v1Js, 'about.html': 'about one', 'logo.png': 'png one' });
  await server.publish('site', '2.0.0', { 'index.html': 'two', 'assets/index-Ef56Gh78.js': 'export const version = "two";' });
  await server.publish('site', '3.0.0', { 'index.html': 'three' });
  await server.sites.set('site', { version: '1.0.0', domains: ['site.example.com'], site: siteOptions({ spa: true }) });
  await server.sites.set('site', { version: '2.0.0', domains: ['site.example.com'], site: siteOptions({ spa: true }) });
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** node:http, not fetch: fetch does not send a Host header of our choosing. */
function get(path: string, host?: string): Promise<{ status: number; body: string; cacheControl: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { headers: host ? { host } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), cacheControl: res.headers['cache-control'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the hashed JS of the version live before a switch is still served, immutable, on the path and on the domain', async () => {
  for (const [path, host] of [['/site/assets/index-Ab12Cd34.js', undefined], ['/assets/index-Ab12Cd34.js', 'site.example.com']] as const) {
    const old = await get(path, host);
    assert.equal(old.status, 200, path);
    assert.equal(old.body, v1Js);
    assert.equal(old.cacheControl, 'public, max-age=31536000, immutable');
  }
  assert.equal((await get('/site/')).body, 'two', 'the page itself is the live version');
});

test('a restarted server still serves them: what was live recently is kept with the live pointer', async () => {
  const restarted = await startSiteServer(dir);
  try {
    const old = await fetch(`${restarted.url}/site/assets/index-Ab12Cd34.js`);
    assert.equal(old.status, 200);
    assert.equal(await old.text(), v1Js);
    assert.deepEqual(restarted.sites.recentlyLive('site'), ['1.0.0']);
    assert.equal((await fetch(`${restarted.url}/site/about.html`)).status, 404);
  } finally {
    await restarted.close();
  }
});

test('files without a content hash come from the live version only', async () => {
  assert.equal((await get('/site/logo.png')).status, 404);
  assert.equal((await get('/site/about.html')).status, 404);
});

test('a preview of a version that was never live does not borrow other versions\u2019 assets', async () => {
  assert.equal((await get('/site@3.0.0/assets/index-Ab12Cd34.js')).status, 404);
  assert.equal((await get('/site@3.0.0/')).body, 'three');
});

test('versions are recently live for a bounded time and number, and never while live again', async () => {
  const now = Date.now();
  assert.deepEqual(server.sites.recentlyLive('site', now), ['1.0.0']);
  assert.deepEqual(server.sites.recentlyLive('site', now + (RECENTLY_LIVE.hours + 1) * 3_600_000), []);
  await server.sites.set('site', { version: '1.0.0', domains: [], site: siteOptions() });
  assert.deepEqual(server.sites.recentlyLive('site', now), ['2.0.0'], 'rolled back: 1.0.0 is live, 2.0.0 recently was');
  for (let i = 0; i < RECENTLY_LIVE.versions + 2; i++) await server.sites.set('site', { version: i % 2 ? '1.0.0' : '3.0.0', domains: [], site: siteOptions() });
  assert.ok(server.sites.recentlyLive('site').length <= RECENTLY_LIVE.versions);
  assert.equal(new Set(server.sites.recentlyLive('site')).size, server.sites.recentlyLive('site').length, 'each version once');
});

test('removing a version stops its files at once, recently live or not (a leaked secret is gone when its version is)', async () => {
  await server.sites.set('site', { version: '1.0.0', domains: [], site: siteOptions() });
  await server.sites.set('site', { version: '2.0.0', domains: [], site: siteOptions() });
  assert.equal((await get('/site/assets/index-Ab12Cd34.js')).status, 200, 'served (and read into memory) from 1.0.0');
  await server.store.remove('site', '1.0.0');
  assert.equal((await get('/site/assets/index-Ab12Cd34.js')).status, 404);
});
