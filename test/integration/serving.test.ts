// The HTTP behaviour of serving, on a real listening server over a real artifact store: what a
// visitor gets for each path and host, and that nothing outside a version directory is ever sent.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import type { ConfigSource } from '../../src/ports/git-sources.js';
import { createApp, type AppDeps } from '../../src/server/app.js';
import { createOpusServer } from '../../src/server/opus-server.js';
import { silentLogger } from '../../src/services/logger.js';
import { SiteTable } from '../../src/services/site-table.js';
import { tempDir, writeFiles } from '../support/fixtures.js';
import { PATH_STYLE_ORIGINS } from '../support/site-server.js';
import { idleControl } from '../support/sync-wiring.js';

const SECRET = `opus-secret-${randomUUID()}`;
const SITE_DOMAIN = 'site.example.com';
const OTHER_DOMAIN = 'other.example.com';

const SITE_V1 = {
  'index.html': '<h1>site v1</h1>',
  'about.html': '<h1>about v1</h1>',
  'docs/index.html': '<h1>docs v1</h1>',
  'für alle/index.html': '<h1>für alle</h1>',
  '日本/index.html': '<h1>日本</h1>',
  '404.html': '<h1>custom not found</h1>',
  'static/app.3f9a1c2e.js': 'console.log("v1")',
  'static/style.css': 'body { color: black }',
  'nested/deep/file.txt': 'deep v1',
  'data.json': '{"v":1}',
  '.env': `API_KEY=${SECRET}`,
  '.git/config': `[remote "origin"]\n\turl = https://${SECRET}@example.com/x.git\n`,
};

interface Harness {
  port: number;
  root: string;
  store: FsArtifactStore;
  sites: SiteTable;
  publish(project: string, version: string, files: Record<string, string>, prepare?: (dir: string) => Promise<void>): Promise<void>;
}

/** Both ways in: the Koa app alone, and the server `opus server` runs (fast path, then site handler, then Koa). */
const ENTRIES = ['createApp', 'createOpusServer'] as const;
type Entry = (typeof ENTRIES)[number];

/** A server with "site" (a domain, a 404 page, secrets and symlinks around it) and "other" live. */
async function start(t: TestContext, entry: Entry = 'createApp'): Promise<Harness> {
  const dir = await tempDir(t, 'opus-serving-');
  const root = join(dir, 'artifacts');
  const store = new FsArtifactStore(root);
  const sites = new SiteTable(store);
  await sites.load();
  // The config repo and builds are not what these tests are about: the API routes only need them to exist.
  const config: ConfigSource = { fetch: async () => ({ commit: 'c0ffee', settingsText: '', projectFiles: [] }) };
  const deps: AppDeps = { ...idleControl(store, sites, config), sites, store, logger: silentLogger, origins: PATH_STYLE_ORIGINS };
  let port: number;
  if (entry === 'createApp') {
    const server = createServer(createApp(deps).callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    port = (server.address() as AddressInfo).port;
  } else {
    const server = createOpusServer(deps);
    port = (await server.listen(0, '127.0.0.1')).port;
    t.after(() => server.close(0));
  }

  const publish: Harness['publish'] = async (project, version, files, prepare) => {
    const stage = await store.createStaging(project, version);
    const staging = stage.dir;
    await writeFiles(staging, files);
    await prepare?.(staging);
    await stage.publish();
  };

  await writeFile(join(dir, 'secret.txt'), SECRET); // beside the artifact root
  await mkdir(join(root, 'site'), { recursive: true });
  await writeFile(join(root, 'secret.txt'), SECRET); // in the artifact root
  await writeFile(join(root, 'site', 'secret.txt'), SECRET); // in the project dir, next to the version dir
  await publish('site', '1.0.0', SITE_V1, async (staging) => {
    await symlink(join(root, 'secret.txt'), join(staging, 'leak.txt'));
    await symlink('../secret.txt', join(staging, 'relative-leak.txt'));
    await symlink(join(root, 'site'), join(staging, 'linkdir'));
    await symlink(root, join(staging, 'linkroot'));
    await symlink(dir, join(staging, 'linkup'));
  });
  await publish('other', '1.0.0', { 'index.html': '<h1>other v1</h1>', 'only-other.html': 'only in other' });
  await sites.set('site', { version: '1.0.0', domains: [SITE_DOMAIN] });
  await sites.set('other', { version: '1.0.0', domains: [OTHER_DOMAIN] });
  await mkdir(join(root, '.opus'), { recursive: true });
  await writeFile(join(root, '.opus', 'secret.txt'), SECRET);
  return { port, root, store, sites, publish };
}

type Reply = { status: number; headers: IncomingHttpHeaders; body: string };

/** node:http sends the path exactly as given: no normalisation of "..", "//" or escapes. */
function get(port: number, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A fully raw request (request line and headers as written); the whole response as text. */
function raw(port: number, head: string): Promise<{ status: number; location?: string; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer to ${JSON.stringify(head)}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      const location = /\r\nlocation: ([^\r\n]*)/i.exec(text.split('\r\n\r\n')[0] ?? '')?.[1];
      resolve({ status, text, ...(location === undefined ? {} : { location }) });
    });
    // Not end(): a client that half-closes has its pending requests aborted by node's server.
    socket.write(head);
  });
}

/** Sent twice: an answer kept after the first (a 404 page, say) comes from the fast path the second time. */
async function rawGet(port: number, path: string, host: string | undefined = '127.0.0.1'): Promise<{ status: number; location?: string; text: string }> {
  const head = `GET ${path} HTTP/1.1\r\n${host === undefined ? '' : `Host: ${host}\r\n`}Connection: close\r\n\r\n`;
  const first = await raw(port, head);
  const second = await raw(port, head);
  assert.equal(second.text.replace(/\r\nDate: [^\r]*/i, ''), first.text.replace(/\r\nDate: [^\r]*/i, ''), `the same request twice got two answers: ${JSON.stringify(head)}`);
  return second;
}

/** An attack is answered with an error, or at most with a redirect that stays on this server. */
function assertRefused(reply: { status: number; location?: string; text: string }, what: string): void {
  assert.ok(!reply.text.includes(SECRET), `${what} leaked the secret:\n${reply.text}`);
  assert.ok(!reply.text.includes('"since"'), `${what} leaked live.json:\n${reply.text}`);
  const onSiteRedirect = reply.status >= 300 && reply.status < 400 && reply.location !== undefined && /^\/(?![/\\])/.test(reply.location) && !reply.location.includes('..');
  assert.ok([400, 404, 414].includes(reply.status) || onSiteRedirect, `${what} answered ${reply.status}:\n${reply.text.slice(0, 400)}`);
}

for (const entry of ENTRIES) {
  describe(`serving through ${entry}`, () => {
    test('a project is served at /<project>/ with its index.html, as HTML in UTF-8', async (t) => {
      const { port } = await start(t, entry);
      const reply = await get(port, '/site/');
      assert.equal(reply.status, 200);
      assert.equal(reply.body, SITE_V1['index.html']);
      assert.equal(reply.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal((await get(port, '/other/')).body, '<h1>other v1</h1>');
    });

    test('/<project> redirects to /<project>/, keeping the query', async (t) => {
      const { port } = await start(t, entry);
      const plain = await get(port, '/site');
      assert.equal(plain.status, 301);
      assert.equal(plain.headers.location, '/site/');
      const query = await get(port, '/site?utm_source=mail&x=%2F');
      assert.equal(query.status, 301);
      assert.equal(query.headers.location, '/site/?utm_source=mail&x=%2F');
    });

    test('nested files are served with their content type and charset', async (t) => {
      const { port } = await start(t, entry);
      const deep = await get(port, '/site/nested/deep/file.txt');
      assert.equal(deep.status, 200);
      assert.equal(deep.body, 'deep v1');
      assert.equal(deep.headers['content-type'], 'text/plain; charset=utf-8');
      const json = await get(port, '/site/data.json');
      assert.equal(json.body, '{"v":1}');
      assert.equal(json.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal((await get(port, '/site/static/style.css')).headers['content-type'], 'text/css; charset=utf-8');
      assert.match(String((await get(port, '/site/static/app.3f9a1c2e.js')).headers['content-type']), /^(text|application)\/javascript; charset=utf-8$/);
    });

    test('clean URLs: /about serves about.html, and a directory without its slash redirects to it', async (t) => {
      const { port } = await start(t, entry);
      const about = await get(port, '/site/about');
      assert.equal(about.status, 200);
      assert.equal(about.body, SITE_V1['about.html']);
      assert.equal(about.headers['content-type'], 'text/html; charset=utf-8');
      const docs = await get(port, '/site/docs?page=2');
      assert.equal(docs.status, 301);
      assert.equal(docs.headers.location, '/site/docs/?page=2');
      const index = await get(port, '/site/docs/');
      assert.equal(index.status, 200);
      assert.equal(index.body, SITE_V1['docs/index.html']);
    });

    test('a directory with spaces or non-ASCII letters in its name redirects to its own encoded path', async (t) => {
      const { port } = await start(t, entry);
      for (const [dir, body] of [['f%C3%BCr%20alle', '<h1>für alle</h1>'], ['%E6%97%A5%E6%9C%AC', '<h1>日本</h1>']] as const) {
        const moved = await get(port, `/site/${dir}?q=1`);
        assert.equal(moved.status, 301, dir);
        assert.equal(moved.headers.location, `/site/${dir}/?q=1`);
        const index = await get(port, `/site/${dir}/`);
        assert.equal(index.status, 200, dir);
        assert.equal(index.body, body);
        const onDomain = await get(port, `/${dir}`, { headers: { host: SITE_DOMAIN } });
        assert.equal(onDomain.headers.location, `/${dir}/`);
      }
    });

    test('a missing file gets the site\'s 404.html with status 404, or a plain 404 when it has none', async (t) => {
      const { port } = await start(t, entry);
      const custom = await get(port, '/site/no/such/page');
      assert.equal(custom.status, 404);
      assert.equal(custom.body, SITE_V1['404.html']);
      assert.equal(custom.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(custom.headers['cache-control'], 'no-cache');
      const plain = await get(port, '/other/no-such-page');
      assert.equal(plain.status, 404);
      assert.ok(!plain.body.includes('custom not found'));
      assert.ok(!plain.body.includes('other v1'));
    });

    test('an unknown project is a 404', async (t) => {
      const { port } = await start(t, entry);
      for (const path of ['/nope/', '/nope', '/nope/index.html']) {
        const reply = await get(port, path);
        assert.equal(reply.status, 404, path);
        assert.ok(!reply.body.includes('v1'), path);
      }
    });

    test('HEAD answers like GET without a body', async (t) => {
      const { port } = await start(t, entry);
      const getReply = await get(port, '/site/about');
      const head = await get(port, '/site/about', { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.body, '');
      assert.equal(head.headers['content-type'], getReply.headers['content-type']);
      assert.equal(head.headers['content-length'], String(Buffer.byteLength(SITE_V1['about.html'])));
      assert.equal(head.headers.etag, getReply.headers.etag);
    });

    test('methods other than GET and HEAD on a site are 405 with Allow', async (t) => {
      const { port } = await start(t, entry);
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        const reply = await get(port, '/site/index.html', { method });
        assert.equal(reply.status, 405, method);
        assert.match(String(reply.headers.allow), /GET/);
        assert.match(String(reply.headers.allow), /HEAD/);
      }
      assert.equal((await get(port, '/', { method: 'POST', headers: { host: SITE_DOMAIN } })).status, 405);
    });

    test('ETag and If-None-Match give 304 without a body; a different tag gets the file', async (t) => {
      const { port } = await start(t, entry);
      const first = await get(port, '/site/static/style.css');
      const etag = first.headers.etag;
      assert.ok(etag, 'no ETag');
      const again = await get(port, '/site/static/style.css', { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304);
      assert.equal(again.body, '');
      const stale = await get(port, '/site/static/style.css', { headers: { 'if-none-match': '"something-else"' } });
      assert.equal(stale.status, 200);
      assert.equal(stale.body, SITE_V1['static/style.css']);
      assert.notEqual((await get(port, '/site/about')).headers.etag, etag, 'different files, different tags');
    });

    test('hashed assets are cached for a year as immutable, HTML and unhashed files are revalidated', async (t) => {
      const { port } = await start(t, entry);
      assert.equal((await get(port, '/site/static/app.3f9a1c2e.js')).headers['cache-control'], 'public, max-age=31536000, immutable');
      for (const path of ['/site/', '/site/about', '/site/index.html', '/site/static/style.css']) {
        assert.equal((await get(port, path)).headers['cache-control'], 'no-cache', path);
      }
    });

    test('a project is served at / on its domains, with any port or letter case, and only its own files', async (t) => {
      const { port } = await start(t, entry);
      for (const host of [SITE_DOMAIN, `${SITE_DOMAIN}:80`, 'SITE.EXAMPLE.COM', `Site.Example.Com:${port}`]) {
        const index = await get(port, '/', { headers: { host } });
        assert.equal(index.status, 200, host);
        assert.equal(index.body, SITE_V1['index.html'], host);
      }
      assert.equal((await get(port, '/about', { headers: { host: SITE_DOMAIN } })).body, SITE_V1['about.html']);
      assert.equal((await get(port, '/', { headers: { host: OTHER_DOMAIN } })).body, '<h1>other v1</h1>');
      // The domain's paths are the site's own: another project's files are not reachable through it.
      for (const path of ['/other/', '/other/index.html', '/only-other.html', '/other/only-other.html']) {
        const reply = await get(port, path, { headers: { host: SITE_DOMAIN } });
        assert.equal(reply.status, 404, path);
        assert.ok(!reply.body.includes('other'), path);
      }
      assert.equal((await get(port, '/', { headers: { host: 'unknown.example.com' } })).status, 404);
    });

    test('after a switch the next request gets the new version, whole; a rollback and an unpublish too', async (t) => {
      const { port, sites, publish } = await start(t, entry);
      const v1 = await get(port, '/site/');
      await publish('site', '2.0.0', { 'index.html': '<h1>site v2</h1>', 'new.html': 'new in v2' });
      assert.equal((await get(port, '/site/')).body, SITE_V1['index.html'], 'published is not live yet');
      await sites.set('site', { version: '2.0.0', domains: [SITE_DOMAIN] });
      const v2 = await get(port, '/site/', { headers: { 'if-none-match': String(v1.headers.etag) } });
      assert.equal(v2.status, 200, 'the old ETag must not match the new version');
      assert.equal(v2.body, '<h1>site v2</h1>');
      assert.equal((await get(port, '/', { headers: { host: SITE_DOMAIN } })).body, '<h1>site v2</h1>');
      assert.equal((await get(port, '/site/new')).body, 'new in v2');
      const gone = await get(port, '/site/about');
      assert.equal(gone.status, 404, 'no file of v1 is mixed into v2');
      assert.ok(!gone.body.includes('about v1'));

      await sites.set('site', { version: '1.0.0', domains: [SITE_DOMAIN] });
      assert.equal((await get(port, '/site/')).body, SITE_V1['index.html']);
      assert.equal((await get(port, '/site/new')).status, 404);

      await sites.set('site', undefined);
      assert.equal((await get(port, '/site/')).status, 404);
      assert.equal((await get(port, '/', { headers: { host: SITE_DOMAIN } })).status, 404);
    });

    test('no path, in any encoding, reaches a file outside the version directory', async (t) => {
      const { port } = await start(t, entry);
      const escapes = [
        '/../secret.txt', '/../../secret.txt', '/../../../secret.txt', '/a/../../secret.txt',
        '/%2e%2e/secret.txt', '/%2E%2E/%2E%2E/secret.txt', '/%2e%2e/%2e%2e/%2e%2e/secret.txt', '/.%2e/secret.txt', '/%2e./secret.txt',
        '/..%2fsecret.txt', '/..%2f..%2fsecret.txt', '/..%2F..%2F..%2Fsecret.txt', '/%2e%2e%2fsecret.txt', '/%2e%2e%2f%2e%2e%2fsecret.txt',
        '/%252e%252e/secret.txt', '/%252e%252e%252fsecret.txt', '/%25252e%25252e/secret.txt',
        '/..\\secret.txt', '/..\\..\\secret.txt', '/\\..\\secret.txt', '/..%5csecret.txt', '/..%5c..%5csecret.txt', '/%5c..%5c..%5csecret.txt', '/%2e%2e%5csecret.txt',
        '/%c0%ae%c0%ae/secret.txt', '/%u002e%u002e/secret.txt', '/..;/secret.txt',
        '/index.html%00', '/secret.txt%00.html', '/%00/../secret.txt', '/..%00/secret.txt',
        '/.env', '/%2eenv', '/.git/config', '/.git/', '/%2egit/config', '/.opus/live.json', '/.opus/secret.txt',
        '/../.opus/live.json', '/../../.opus/live.json', '/%2e%2e/%2e%2e/.opus/live.json', '/%2e%2e/%2e%2e/%2eopus/secret.txt',
        '//secret.txt', '//../secret.txt', '/.//../secret.txt', '///etc/passwd', '//.env', '/docs//../../secret.txt',
        '/leak.txt', '/relative-leak.txt', '/linkdir/secret.txt', '/linkdir/', '/linkroot/secret.txt', '/linkroot/.opus/live.json',
        '/linkroot/.opus/secret.txt', '/linkup/secret.txt', '/linkdir', '/linkroot/site/secret.txt',
        `/${'a'.repeat(2000)}`, `/${'../'.repeat(500)}secret.txt`, `/${'%2e%2e/'.repeat(300)}secret.txt`,
      ];
      for (const attack of escapes) {
        assertRefused(await rawGet(port, `/site${attack}`), `/site${attack}`);
        assertRefused(await rawGet(port, attack, SITE_DOMAIN), `${attack} on ${SITE_DOMAIN}`);
        assertRefused(await rawGet(port, attack), `${attack} by path`);
      }
      assert.equal((await rawGet(port, `/site/${'a'.repeat(2000)}`)).status, 414);
      assert.equal((await rawGet(port, '/site/..%2fsecret.txt')).status, 400);
      for (const path of ['/site/.env', '/site/.git/config', '/site/.opus/live.json', '/site/leak.txt', '/site/linkdir/secret.txt']) {
        assert.equal((await rawGet(port, path)).status, 404, path);
      }
    });

    test('the project part of the path and preview-style paths cannot leave the artifact tree either', async (t) => {
      const { port } = await start(t, entry);
      for (const path of [
        '/secret.txt', '/.opus/live.json', '/.opus/', '/%2eopus/live.json', '/site%2f..%2fsecret.txt', '/site%2f..%2f..%2fsecret.txt', '/..', '/../secret.txt',
        '/site@../secret.txt', '/site@..%2f/secret.txt', '/site@%2e%2e/secret.txt', '/site@secret.txt/', '/site@secret.txt', '/site@secret.txt/index.html',
        '/site@archive/1.0.0.tar.gz', '/site@.opus/live.json', '/site@1.0.0/../secret.txt', '/site@1.0.0/.env', '/site@1.0.0/leak.txt',
        '/site@1.0.0%2f..%2fsecret.txt', '/%2e%2e/%2e%2e/secret.txt', '/site/../other/only-other.html',
      ]) {
        for (const host of ['127.0.0.1', 'evil', '']) assertRefused(await rawGet(port, path, host), `${path} with Host: ${host}`);
      }
    });

    test('absolute URLs in the request line and odd Host headers never leak a file', async (t) => {
      const { port } = await start(t, entry);
      const lines = [
        'GET http://evil/ HTTP/1.1\r\nHost: evil',
        'GET http://evil/../secret.txt HTTP/1.1\r\nHost: evil',
        `GET http://${SITE_DOMAIN}/.env HTTP/1.1\r\nHost: ${SITE_DOMAIN}`,
        `GET http://127.0.0.1/site/../secret.txt HTTP/1.1\r\nHost: 127.0.0.1`,
        `GET http://127.0.0.1/site/%2e%2e/secret.txt HTTP/1.1\r\nHost: 127.0.0.1`,
        'GET file:///etc/passwd HTTP/1.1\r\nHost: evil',
        `GET ../secret.txt HTTP/1.1\r\nHost: ${SITE_DOMAIN}`,
        `GET secret.txt HTTP/1.1\r\nHost: ${SITE_DOMAIN}`,
        'OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1',
        'GET /site/.env HTTP/1.0',
        'GET /.env HTTP/1.0',
      ];
      for (const line of lines) assertRefused(await raw(port, `${line}\r\nConnection: close\r\n\r\n`), JSON.stringify(line));
      for (const host of [`${SITE_DOMAIN}:80`, 'SITE.EXAMPLE.COM', 'evil', '', `${SITE_DOMAIN}.`, `evil@${SITE_DOMAIN}`, `${SITE_DOMAIN}/../..`, '..', `${SITE_DOMAIN}:notaport`]) {
        for (const path of ['/.env', '/../secret.txt', '/%2e%2e/secret.txt', '/.opus/live.json', '/leak.txt', '/site/../secret.txt', '/site/.env']) {
          assertRefused(await rawGet(port, path, host), `${path} with Host: ${host}`);
        }
      }
      assertRefused(await rawGet(port, '/.env', undefined), 'HTTP/1.1 without Host');
      // The site itself still answers a Host with a port or in capitals: those are the same domain.
      assert.equal((await rawGet(port, '/', 'SITE.EXAMPLE.COM')).status, 200);
    });
  });
}

test('the API keeps answering beside the sites, on the dashboard host only', async (t) => {
  const { port } = await start(t);
  const health = await get(port, '/healthz');
  assert.equal(health.status, 200);
  assert.deepEqual(JSON.parse(health.body), { ok: true });
  assert.equal((await get(port, '/api/v1/projects')).status, 404, 'the path-style sites host is no API');
  const projects = JSON.parse((await get(port, '/api/v1/projects', { headers: { Host: 'opus.localhost' } })).body) as { projects: { name: string; live?: string }[] };
  assert.deepEqual(
    projects.projects.map((p) => [p.name, p.live]),
    [
      ['other', '1.0.0'],
      ['site', '1.0.0'],
    ],
  );
});
