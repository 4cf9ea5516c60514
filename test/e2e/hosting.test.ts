// Hosting as a user meets it: a single-page Vite app that Opus really builds (Docker, npm install,
// vite build), served on its own domain and on preview hosts, probed with the real curl and in real
// headless Chromium (host names mapped to 127.0.0.1). Headers, compression, conditional requests,
// ranges, SPA fallback, _redirects, _headers, the custom 404, deploy and rollback seen at once on
// reload, previews of a version that is not live, and basic auth.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import bcrypt from 'bcryptjs';
import { chromium, type Browser } from 'playwright-core';
import { startOpusWorld, type OpusWorld } from '../support/opus-world.js';
import { viteSpa } from './vite-app.js';

const DOMAIN = 'app.example.test';
const PREVIEW_DOMAIN = 'preview.example.test';

let w: OpusWorld;
let port: string;
let browser: Browser;

before(async () => {
  process.env.OPUS_E2E_MEMBERS_HASH = bcrypt.hashSync('s3cret', 4);
  w = await startOpusWorld(
    {
      app: {
        versions: { '1.0.0': viteSpa('1.0.0'), '1.1.0': viteSpa('1.1.0') },
        deploy: '1.0.0',
        command: 'npm install --no-audit --no-fund && npm run build',
        yaml: `  network: host\ndomains: [${DOMAIN}]\nspa: true\n`,
      },
      members: { versions: { '1.0.0': { 'public/index.html': 'members only\n' } }, deploy: '1.0.0', yaml: 'auth:\n  username: team\n  passwordHash:\n    env: OPUS_E2E_MEMBERS_HASH\n' },
    },
    { settings: `previews:\n  domain: ${PREVIEW_DOMAIN}\n` },
  );
  port = new URL(w.url).port;
  await w.settle();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--host-resolver-rules=MAP *.example.test 127.0.0.1`],
  });
});

after(async () => {
  await browser?.close();
  await w?.close();
});

interface CurlReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** The real curl, on `host` mapped to this server; the raw body (no decoding) and the last response's headers. */
async function curl(host: string, path: string, ...args: string[]): Promise<CurlReply> {
  const { stdout } = await promisify(execFile)('curl', ['-sS', '-i', '--raw', '--path-as-is', '--resolve', `${host}:${port}:127.0.0.1`, ...args, `http://${host}:${port}${path}`], { encoding: 'buffer', maxBuffer: 16 << 20 });
  const end = stdout.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = stdout.subarray(0, end).toString('latin1').split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: stdout.subarray(end + 4) };
}

const entryJs = (html: string) => /src="(\/assets\/[\w.-]+\.js)"/.exec(html)?.[1];

test('curl: types, validators, compression, conditional requests, ranges and HEAD on the built site', async () => {
  const page = await curl(DOMAIN, '/');
  assert.equal(page.status, 200);
  assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(page.headers['cache-control'], 'no-cache', 'HTML revalidates, so a deploy is seen at once');
  assert.equal(page.headers['x-frame-options'], 'DENY', 'from the build output\u2019s _headers');
  assert.match(page.headers.etag ?? '', /^"[^"]+"$/, 'a strong ETag');
  assert.ok(!Number.isNaN(Date.parse(page.headers['last-modified'] ?? '')), 'Last-Modified');
  const js = entryJs(page.body.toString());
  assert.ok(js, `index.html names its hashed JS:\n${page.body.toString()}`);

  const plain = await curl(DOMAIN, js);
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.match(plain.body.toString(), /opus-site-version-1\.0\.0/);
  const br = await curl(DOMAIN, js, '-H', 'Accept-Encoding: gzip, deflate, br');
  assert.equal(br.headers['content-encoding'], 'br');
  assert.match(br.headers.vary ?? '', /Accept-Encoding/i);
  assert.deepEqual(brotliDecompressSync(br.body), plain.body, 'the br variant is the same file');
  const gzip = await curl(DOMAIN, js, '-H', 'Accept-Encoding: gzip');
  assert.equal(gzip.headers['content-encoding'], 'gzip');
  assert.deepEqual(gunzipSync(gzip.body), plain.body, 'the gzip variant is the same file');
  assert.notEqual(br.headers.etag, plain.headers.etag, 'each encoding has its own ETag');

  const revalidated = await curl(DOMAIN, '/', '-H', `If-None-Match: ${page.headers.etag}`);
  assert.equal(revalidated.status, 304);
  assert.equal(revalidated.headers.etag, page.headers.etag);
  assert.equal(revalidated.headers['cache-control'], 'no-cache');
  assert.deepEqual([revalidated.headers['content-type'], revalidated.headers['last-modified'], revalidated.body.length], [undefined, undefined, 0], 'a 304 carries no body metadata (RFC 9110 15.4.5)');
  assert.equal((await curl(DOMAIN, '/', '-H', `If-Modified-Since: ${page.headers['last-modified']}`)).status, 304);
  assert.equal((await curl(DOMAIN, '/', '-H', 'If-None-Match: "something-else"')).status, 200);

  const range = await curl(DOMAIN, js, '-r', '0-99');
  assert.equal(range.status, 206);
  assert.equal(range.headers['content-range'], `bytes 0-99/${plain.body.length}`);
  assert.deepEqual(range.body, plain.body.subarray(0, 100));
  const beyond = await curl(DOMAIN, js, '-r', `${plain.body.length + 10}-`);
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers['content-range'], `bytes */${plain.body.length}`);

  const head = await curl(DOMAIN, js, '-I');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(plain.body.length));
  assert.equal(head.body.length, 0);

  const robots = await curl(DOMAIN, '/robots.txt');
  assert.equal(robots.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(robots.headers['cache-control'], 'no-cache', 'an unfingerprinted file revalidates');
  const missing = await curl(DOMAIN, '/assets/missing-Zz99Yy88.js');
  assert.equal(missing.status, 404, 'an asset-like path never gets index.html');
  assert.equal(missing.body.toString(), '<h1>custom not found</h1>\n');
  for (const attack of ['/../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/.opus/live.json', '/..%2f..%2fmembers/index.html']) {
    const reply = await curl(DOMAIN, attack);
    assert.ok(reply.status === 400 || reply.status === 404, `${attack} answered ${reply.status}`);
    assert.doesNotMatch(reply.body.toString(), /root:|members only|"version"/, attack);
  }
});

test('Chromium: the app runs, deep links fall back to it, _redirects and the custom 404 work, hashed files come from the cache', async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    // What the page used, and the status that came over the wire for each (none: from the browser's cache).
    const used = new Map<string, string>();
    const wire = new Map<string, number>();
    cdp.on('Network.responseReceived', (event) => void used.set(event.requestId, event.response.url));
    cdp.on('Network.responseReceivedExtraInfo', (event) => void wire.set(event.requestId, event.statusCode));
    const network = () => [...used].map(([id, url]) => ({ url, wire: wire.get(id) }));

    const first = await page.goto(`http://${DOMAIN}:${port}/`);
    assert.equal(first?.status(), 200);
    assert.equal(await page.textContent('#v'), '1.0.0');
    assert.equal(await page.textContent('#js'), 'opus-site-version-1.0.0', 'the hashed JS ran');
    assert.equal(await page.$eval('h1', (h) => h.ownerDocument.defaultView?.getComputedStyle(h).color), 'rgb(1, 2, 3)', 'the hashed CSS applied');
    const headers = (await first?.allHeaders()) ?? {};
    assert.ok(['gzip', 'br'].includes(headers['content-encoding'] ?? ''), `the page came compressed (${headers['content-encoding']})`);

    await page.click('#to-about');
    assert.equal(await page.textContent('#route'), 'route /about', 'client-side navigation');
    const deep = await page.goto(`http://${DOMAIN}:${port}/about`);
    assert.equal(deep?.status(), 200, 'a deep link is answered with the app (SPA fallback)');
    assert.equal(await page.textContent('#route'), 'route /about');
    used.clear();
    await page.reload();
    assert.equal(await page.textContent('#route'), 'route /about');
    const shown = JSON.stringify(network());
    assert.equal(network().find((n) => n.url.endsWith('/about'))?.wire, 304, `on reload the page was revalidated, not downloaded: ${shown}`);
    for (const ext of ['js', 'css']) {
      const file = network().find((n) => n.url.endsWith(`.${ext}`));
      assert.ok(file && file.wire === undefined, `on reload the hashed ${ext} came from the browser cache: ${shown}`);
    }

    const redirected = await page.goto(`http://${DOMAIN}:${port}/old`);
    assert.equal(new URL(page.url()).pathname, '/about', '_redirects: /old → /about');
    assert.equal((await redirected?.request().redirectedFrom()?.response())?.status(), 301);
    assert.equal(await page.textContent('#route'), 'route /about');

    const missing = await page.goto(`http://${DOMAIN}:${port}/assets/missing-Zz99Yy88.js`);
    assert.equal(missing?.status(), 404);
    assert.equal(await page.textContent('h1'), 'custom not found');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('Chromium: a deploy and a rollback are seen on the next reload; a version that is not live stays reachable on its preview host', async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`http://${DOMAIN}:${port}/about`);
    assert.equal(await page.textContent('#v'), '1.0.0');

    assert.equal((await w.run('deploy', 'app', '1.1.0')).code, 0);
    await w.settle((list) => list.find((p) => p.name === 'app')?.live === '1.1.0');
    await page.reload();
    assert.equal(await page.textContent('#v'), '1.1.0', 'no stale page after a deploy');
    assert.equal(await page.textContent('#js'), 'opus-site-version-1.1.0', 'and the new hashed JS');

    const preview = await context.newPage();
    await preview.goto(`http://1-0-0--app.${PREVIEW_DOMAIN}:${port}/about`);
    assert.equal(await preview.textContent('#v'), '1.0.0', 'the preview host of 1.0.0 while 1.1.0 is live');
    assert.equal(await preview.textContent('#route'), 'route /about');

    assert.equal((await w.run('rollback', 'app')).code, 0);
    await w.settle((list) => list.find((p) => p.name === 'app')?.live === '1.0.0');
    await page.reload();
    assert.equal(await page.textContent('#v'), '1.0.0', 'no stale page after a rollback');
    assert.equal(await page.textContent('#js'), 'opus-site-version-1.0.0');
  } finally {
    await context.close();
  }
});

test('Chromium: basic auth keeps a site private, and the right credentials open it', async () => {
  assert.equal((await curl('127.0.0.1', '/members/', '-u', 'team:s3cret')).status, 200, 'curl with the credentials');
  assert.equal((await curl('127.0.0.1', '/members/')).status, 401, 'curl without');
  const contexts = {
    none: await browser.newContext(),
    wrong: await browser.newContext({ httpCredentials: { username: 'team', password: 'nope' } }),
    right: await browser.newContext({ httpCredentials: { username: 'team', password: 's3cret' } }),
  };
  try {
    // (A page with no credentials to offer ends in a navigation error here; the context's own requests show the 401.)
    const none = await contexts.none.request.get(`${w.url}/members/`);
    assert.equal(none.status(), 401);
    assert.match(none.headers()['www-authenticate'] ?? '', /^Basic realm="members"/);
    const wrong = await (await contexts.wrong.newPage()).goto(`${w.url}/members/`);
    assert.equal(wrong?.status(), 401);
    assert.doesNotMatch((await wrong?.text()) ?? '', /members only/);
    const page = await contexts.right.newPage();
    const right = await page.goto(`${w.url}/members/`);
    assert.equal(right?.status(), 200);
    assert.equal((await page.textContent('body'))?.trim(), 'members only');
  } finally {
    await Promise.all(Object.values(contexts).map((c) => c.close()));
  }
});
