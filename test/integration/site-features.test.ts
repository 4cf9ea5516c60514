// What a site owner configures, probed over real HTTP: SPA fallback, redirects and headers (from
// the build output and from YAML), previews, basic auth, compression and ranges.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import bcrypt from 'bcryptjs';
import { siteOptions, startSiteServer, type SiteServer } from '../support/site-server.js';

let server: SiteServer;
let dir: string;
const js = `console.log(${JSON.stringify('x'.repeat(4000))});`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opus-site-'));
  server = await startSiteServer(dir);
  const site = {
    'index.html': '<h1>app v2</h1>',
    'assets/index-Ab12Cd34.js': js,
    '404.html': '<h1>custom 404</h1>',
    'docs/index.html': 'docs',
    _redirects: '/old /new 301\n/news/* /blog/:splat 302\n/rewrite /docs/ 200\n/assets/index-Ab12Cd34.js /elsewhere 301\n',
    _headers: '/*\n  X-Frame-Options: DENY\n',
  };
  await server.publish('app', '1.0.0', { ...site, 'index.html': '<h1>app v1</h1>' });
  await server.publish('app', '2.0.0', site);
  await server.sites.set('app', {
    version: '2.0.0',
    domains: ['app.example.com'],
    site: siteOptions({ spa: true, redirects: [{ from: '/yaml/*', to: '/docs/', status: 302, force: false }], headers: [{ for: '/assets/*', values: { 'X-From-Yaml': 'yes' } }] }),
  });
  await server.sites.setPreviewDomain('preview.example.com');
  process.env.OPUS_TEST_HASH = bcrypt.hashSync('s3cret', 4);
  await server.publish('private', '1.0.0', { 'index.html': 'members only' });
  await server.sites.set('private', { version: '1.0.0', domains: [], site: siteOptions({ auth: { username: 'team', passwordHash: { env: 'OPUS_TEST_HASH' } } }) });
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('SPA fallback serves index.html for app routes, never for asset-like paths', async () => {
  const route = await get('/app/settings/profile');
  assert.equal(route.status, 200);
  assert.equal(route.body.toString(), '<h1>app v2</h1>');
  assert.equal(route.headers['cache-control'], 'no-cache');
  const asset = await get('/app/assets/missing-Zz99Yy88.js');
  assert.equal(asset.status, 404);
  assert.equal(asset.body.toString(), '<h1>custom 404</h1>');
  assert.doesNotMatch(String(asset.headers['cache-control']), /immutable/);
});

test('_redirects from the build and redirects from YAML', async () => {
  assert.deepEqual([(await get('/app/old')).status, (await get('/app/old')).headers.location], [301, '/app/new']);
  const splat = await get('/app/news/2024/hi?ref=x');
  assert.equal(splat.status, 302);
  assert.equal(splat.headers.location, '/app/blog/2024/hi?ref=x');
  const rewrite = await get('/app/rewrite');
  assert.equal(rewrite.status, 200);
  assert.equal(rewrite.body.toString(), 'docs');
  const yaml = await get('/app/yaml/anything');
  assert.equal(yaml.status, 302);
  assert.equal(yaml.headers.location, '/app/docs/');
  const shadowed = await get('/app/assets/index-Ab12Cd34.js');
  assert.equal(shadowed.status, 200, 'an existing file wins over an unforced rule');
  const onDomain = await get('/old', { Host: 'app.example.com' });
  assert.equal(onDomain.headers.location, '/new', 'on its own domain the site lives at /');
});

test('_headers and YAML headers are added; Opus keeps its own caching headers', async () => {
  const asset = await get('/app/assets/index-Ab12Cd34.js');
  assert.equal(asset.headers['x-frame-options'], 'DENY');
  assert.equal(asset.headers['x-from-yaml'], 'yes');
  assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
  const html = await get('/app/');
  assert.equal(html.headers['x-frame-options'], 'DENY');
  assert.equal(html.headers['x-from-yaml'], undefined);
});

test('precompressed brotli and gzip bodies decode to the file; ranges and HEAD', async () => {
  const br = await get('/app/assets/index-Ab12Cd34.js', { 'Accept-Encoding': 'gzip, br' });
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(br.headers.vary, 'Accept-Encoding');
  assert.ok(br.body.length < js.length / 5);
  assert.equal(brotliDecompressSync(br.body).toString(), js);
  const gz = await get('/app/assets/index-Ab12Cd34.js', { 'Accept-Encoding': 'gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(gz.body).toString(), js);
  assert.notEqual(gz.headers.etag, br.headers.etag, 'each coding has its own ETag');
  assert.equal((await get('/app/assets/index-Ab12Cd34.js', { 'Accept-Encoding': 'gzip, br', 'If-None-Match': String(br.headers.etag) })).status, 304);

  const part = await get('/app/assets/index-Ab12Cd34.js', { Range: 'bytes=0-11', 'Accept-Encoding': 'br' });
  assert.equal(part.status, 206);
  assert.equal(part.headers['content-range'], `bytes 0-11/${js.length}`);
  assert.equal(part.body.toString(), js.slice(0, 12));
  assert.equal((await get('/app/assets/index-Ab12Cd34.js', { Range: `bytes=${js.length}-` })).status, 416);
  const head = await get('/app/', {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal(head.headers['content-length'], String('<h1>app v2</h1>'.length));
});

test('every built version has a preview URL, by path and by host', async () => {
  assert.equal((await get('/app@1.0.0/')).body.toString(), '<h1>app v1</h1>');
  assert.equal((await get('/app@1.0.0')).headers.location, '/app@1.0.0/');
  assert.equal((await get('/', { Host: '1-0-0--app.preview.example.com' })).body.toString(), '<h1>app v1</h1>');
  assert.equal((await get('/', { Host: '2-0-0--app.preview.example.com' })).body.toString(), '<h1>app v2</h1>');
  assert.equal((await get('/app@9.9.9/')).status, 404);
  assert.equal((await get('/', { Host: '9-9-9--app.preview.example.com' })).status, 404);
});

test('basic auth keeps a site private; the hash comes from a server secret', async () => {
  const none = await get('/private/');
  assert.equal(none.status, 401);
  assert.match(String(none.headers['www-authenticate']), /^Basic realm="private"/);
  assert.equal(none.body.toString().includes('members only'), false);
  const wrong = await get('/private/', { Authorization: `Basic ${Buffer.from('team:nope').toString('base64')}` });
  assert.equal(wrong.status, 401);
  const right = await get('/private/', { Authorization: `Basic ${Buffer.from('team:s3cret').toString('base64')}` });
  assert.equal(right.status, 200);
  assert.equal(right.body.toString(), 'members only');
  for (let i = 0; i < 2; i++) assert.equal((await get('/private/')).status, 401, 'what was answered with credentials is never answered again without');
  assert.equal((await get('/private@1.0.0/')).status, 401, 'previews are private too');
});

test('a version removed and built again under the same tag serves its new files, not remembered ones', async () => {
  await server.publish('again', '1.0.0', { 'index.html': 'first build' });
  await server.sites.set('again', { version: '1.0.0', domains: [], site: siteOptions() });
  assert.equal((await get('/again/')).body.toString(), 'first build');
  await server.store.remove('again', '1.0.0');
  await server.publish('again', '1.0.0', { 'index.html': 'second build' });
  assert.equal((await get('/again/')).body.toString(), 'second build');
});

test('redirect rules keep percent-encoding; absolute-form request targets are served', async () => {
  const encoded = await get('/app/news/%E6%97%A5%3F');
  assert.equal(encoded.status, 302);
  assert.equal(encoded.headers.location, '/app/blog/%E6%97%A5%3F');
  const { port } = new URL(server.url);
  const absolute = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: 'http://app.example.com/', headers: { Host: 'ignored.example.com' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
  assert.deepEqual(absolute, { status: 200, body: '<h1>app v2</h1>' }, 'the host of an absolute-form target wins over the Host header');
});
