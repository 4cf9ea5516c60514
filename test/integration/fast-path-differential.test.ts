// Requests nobody wrote by hand: a seeded generator mixes paths, hosts, methods, conditional and
// encoding headers, credentials, header-name case and byte-level damage, and every request goes
// to node:http alone and, twice, to the server `opus server` runs (the second time the fast path
// may answer from memory). All three answers must be the same bytes, Date aside.
// OPUS_FUZZ_SEED=<n> runs another set of requests.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { SiteTable } from '../../src/services/site-table.js';
import { exchange, type RawResponse } from '../support/raw-http.js';
import { tempDir, writeFiles } from '../support/fixtures.js';
import { inFlightRequests, nodeHttpRequests, opusAndNodeAlone } from '../support/fast-path-servers.js';
import { siteOptions } from '../support/site-server.js';
import { seededRandom } from '../support/seeded-random.js';

const CASES = 400;
const JS_PATH = '/app/assets/index-Ab12Cd34.js';

const PATHS = [
  '/app/', '/app/index.html', JS_PATH, `${JS_PATH}?v=2`, '/app/assets/missing-Zz99Yy88.js', '/app/assets/style.css', '/app/some/route',
  '/app/old', '/app/news/x', '/app/rewrite', '/app/docs', '/app/docs/', '/app/yaml/a', '/app@1.0.0/', `/app@1.0.0/assets/index-Ab12Cd34.js`,
  '/app@9.9.9/', '/private/', '/private@1.0.0/', '/', '/nope/', '/app', '/app//', '/APP/', '/app/.env', '/app/_headers', '/app/_redirects',
  '/app/404.html', '/app/%2e%2e/private/', '/app/assets/..%2findex.html', '/app/assets/../index.html', '/app/%69ndex.html', '/app/?q=1&r=%20',
  '/app/logo.png', '/healthz', '/app/assets/', '/app/assets', '*', 'http://127.0.0.1/app/',
];
const HOSTS = ['127.0.0.1', '127.0.0.1', 'app.example.com', 'APP.Example.com', 'app.example.com:80', 'app.example.com.', '1-0-0--app.preview.example.com', 'evil.example', '', '[::1]'];
const ENCODINGS = ['gzip, deflate, br', 'gzip, deflate, br, zstd', 'br', 'gzip', 'br;q=0, gzip', 'gzip;q=0', '*', 'identity', 'BR', 'x-gzip', 'br;q=0.5, gzip;q=0.9', 'deflate', ''];
const DATES = ['Thu, 01 Jan 2099 00:00:00 GMT', 'Thu, 01 Jan 1970 00:00:00 GMT', 'yesterday', 'Sun, 06 Nov 1994 08:49:37 GMT'];

interface Known {
  etags: string[];
  lastModified: string[];
}

function generate(rnd: () => number, known: Known): { request: string; head: boolean } {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const chance = (p: number) => rnd() < p;
  const method = chance(0.75) ? 'GET' : chance(0.7) ? 'HEAD' : pick(['POST', 'OPTIONS', 'DELETE', 'get', 'PUT']);
  const headers: [string, string][] = [['Host', pick(HOSTS)]];
  if (chance(0.6)) headers.push(['Accept-Encoding', pick(ENCODINGS)]);
  if (chance(0.35)) headers.push(['If-None-Match', pick([...known.etags, '"nope"', '*', `W/${pick(known.etags)}`, `"x", ${pick(known.etags)}`, ''])]);
  if (chance(0.2)) headers.push(['If-Modified-Since', pick([...known.lastModified, ...DATES])]);
  if (chance(0.2)) headers.push(['Authorization', pick([`Basic ${Buffer.from('team:s3cret').toString('base64')}`, `Basic ${Buffer.from('team:nope').toString('base64')}`, 'Basic ', 'Bearer x'])]);
  if (chance(0.15)) headers.push(['Connection', pick(['close', 'keep-alive', 'Close', 'upgrade'])]);
  if (chance(0.15)) headers.push(['Cookie', `session=${Math.floor(rnd() * 1e9)}`]);
  if (chance(0.1)) headers.push(['Range', pick(['bytes=0-9', 'bytes=-5', 'bytes=99999999-'])]);
  if (chance(0.1)) headers.push(['Content-Length', pick(['0', '3'])]);
  if (chance(0.1)) headers.push(['X-Forwarded-Proto', 'https']);
  if (chance(0.1)) headers.push(['Host', pick(HOSTS)]);
  const name = (n: string) => (chance(0.2) ? [...n].map((c) => (chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('') : n);
  let request = `${method} ${pick(PATHS)} ${chance(0.95) ? 'HTTP/1.1' : pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 '])}\r\n${headers.map(([n, v]) => `${name(n)}: ${v}\r\n`).join('')}\r\n`;
  if (request.includes('Content-Length: 3')) request += 'abc';
  if (chance(0.15)) {
    // Damage one byte inside the head, keeping its end so both servers decide at once.
    const at = 1 + Math.floor(rnd() * (request.indexOf('\r\n\r\n') - 1));
    const byte = pick(['\0', '\r', '\n', ' ', '\t', '\x7f', '\xff', '%', ':', '/', 'A']);
    request = chance(0.5) ? request.slice(0, at) + byte + request.slice(at) : request.slice(0, at) + request.slice(at + 1);
  }
  return { request, head: method === 'HEAD' };
}

test(`${CASES} generated requests get the same bytes from node:http alone and from opus server, before and after the fast path keeps them`, { timeout: 180_000 }, async (t) => {
  const dir = await tempDir(t, 'opus-differential-');
  const store = new FsArtifactStore(join(dir, 'artifacts'));
  const sites = new SiteTable(store);
  await sites.load();
  const publish = async (project: string, version: string, files: Record<string, string>) => {
    const stage = await store.createStaging(project, version);
    const staging = stage.dir;
    await writeFiles(staging, files);
    await stage.publish();
  };
  const site = {
    'index.html': `<!doctype html><h1>app v2</h1>${'<p>text</p>'.repeat(60)}`,
    'assets/index-Ab12Cd34.js': `console.log(${JSON.stringify('x'.repeat(6000))});`,
    'assets/style.css': `body{color:red}${'.a{margin:0}'.repeat(100)}`,
    'logo.png': '\x89PNG not really',
    '404.html': '<h1>custom 404</h1>',
    'docs/index.html': 'docs',
    _redirects: '/old /new 301\n/news/* /blog/:splat 302\n/rewrite /docs/ 200\n',
    _headers: '/*\n  X-Frame-Options: DENY\n/assets/*\n  X-Asset: yes\n',
  };
  await publish('app', '1.0.0', { ...site, 'index.html': '<h1>app v1</h1>' });
  await publish('app', '2.0.0', site);
  await sites.set('app', { version: '2.0.0', domains: ['app.example.com'], site: siteOptions({ spa: true, redirects: [{ from: '/yaml/*', to: '/docs/', status: 302, force: false }] }) });
  await sites.setPreviewDomain('preview.example.com');
  process.env.OPUS_DIFFERENTIAL_HASH = bcrypt.hashSync('s3cret', 4);
  await publish('private', '1.0.0', { 'index.html': 'members only' });
  await sites.set('private', { version: '1.0.0', domains: [], site: siteOptions({ auth: { username: 'team', passwordHash: { env: 'OPUS_DIFFERENTIAL_HASH' } } }) });

  const { opusPort, alonePort } = await opusAndNodeAlone(t, store, sites);

  const headEnd = (request: string) => request.indexOf('\r\n\r\n') + 4;
  // Both servers run in this process: a silent one is known to be silent (waiting for more bytes),
  // not slow (a CPU under load, a password check waiting out a failure backoff), once neither has a
  // request under way.
  const busy = inFlightRequests(t);
  // Bytes after the head (a body, or garbage node:http answers with a 400 of its own) may bring a
  // second answer: wait for it, so both servers are compared on the whole exchange.
  const ask = async (port: number, { request, head }: { request: string; head: boolean }) => {
    const expect = request.length > headEnd(request) ? 2 : 1;
    return (await exchange(port, [request], { expect, bodiless: () => head, waitMs: 300, busy })).responses;
  };
  const shown = (responses: RawResponse[]) => responses.map((r) => `${r.headWithoutDate}\r\n\r\n${r.body.toString('latin1')}`);
  const garbage400 = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';
  // Bytes after a request that cannot start another one are where node:http alone is not
  // deterministic: it answers 400 in place of the request's own answer when that answer was not
  // written yet, or answers the request and closes without a word when it was. After the fast path
  // answered, node:http parses those bytes afresh and says 400. So for such a request the answer
  // may also be node:http's answer to the head alone, then at most that 400.
  const same = (got: string[], reference: string[], headAlone: string[] | undefined, request: string) => {
    const headFirst = headAlone !== undefined && headAlone.length === 1 && got[0] === headAlone[0] && (got.length === 1 || (got.length === 2 && got[1] === garbage400));
    if (!headFirst) assert.deepEqual(got, reference, JSON.stringify(request));
  };
  const known: Known = { etags: [], lastModified: [] };
  for (const path of ['/app/', JS_PATH, '/app/assets/style.css']) {
    const [response] = await ask(alonePort, { request: `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: br\r\n\r\n`, head: false });
    known.etags.push(response?.headers.etag ?? '"none"');
    known.lastModified.push(response?.headers['last-modified'] ?? DATES[0] as string);
  }

  // Seeded: the same requests on every run, so a failure can be replayed.
  const rnd = seededRandom(Number(process.env.OPUS_FUZZ_SEED ?? 20261201));
  const cases = Array.from({ length: CASES }, () => generate(rnd, known));
  const inBatches = async (work: (c: (typeof cases)[number], i: number) => Promise<void>) => {
    for (let at = 0; at < cases.length; at += 8) await Promise.all(cases.slice(at, at + 8).map((c, i) => work(c, at + i)));
  };
  const references: string[][] = [];
  const headsAlone: (string[] | undefined)[] = [];
  await inBatches(async (c, i) => {
    references[i] = shown(await ask(alonePort, c));
    // Only for bytes that no header frames as a body: where a body is, the head alone means nothing.
    const garbageAfter = c.request.length > headEnd(c.request) && !/^(content-length|transfer-encoding)\s*:/im.test(c.request.slice(0, headEnd(c.request)));
    if (garbageAfter) headsAlone[i] = shown(await ask(alonePort, { ...c, request: c.request.slice(0, headEnd(c.request)) }));
    same(shown(await ask(opusPort, c)), references[i] as string[], headsAlone[i], c.request);
  });
  const parsedByNode = nodeHttpRequests(t);
  await inBatches(async (c, i) => {
    same(shown(await ask(opusPort, c)), references[i] as string[], headsAlone[i], c.request);
  });
  const answered = references.filter((r) => r.length > 0).length;
  // The second round must really have gone through the fast path, for at least a third of them.
  assert.ok(parsedByNode.count <= (answered * 2) / 3, `node:http parsed ${parsedByNode.count} of ${answered} answered requests the second time: the fast path answered too few`);
  assert.ok(references.filter((r) => r.some((s) => s.startsWith('HTTP/1.1 200'))).length > 50, 'enough of the requests were served files');
});
