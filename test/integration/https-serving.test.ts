// HTTPS as `opus server` serves it, on a real listener over a real artifact store: HTTP/2 and
// HTTP/1.1 by ALPN (curl and node's clients), the certificate chosen by SNI from own files (one per
// domain, a wildcard for previews), files replaced on disk taking effect without a restart or a
// dropped connection, and the HTTP port redirecting to HTTPS except ACME challenges.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import { request as httpsRequest, Agent } from 'node:https';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { noEvents } from '../../src/ports/event-sink.js';
import { silentLogger } from '../../src/services/logger.js';
import { startTls, type RunningTls } from '../../src/runtime/tls.js';
import { servedHostsOf } from '../../src/services/certificates/served-hosts.js';
import { siteOptions, startSiteServer, type SiteServer } from '../support/site-server.js';
import { makeCa, makeLeaf, type TestCa } from '../support/test-certificates.js';

const run = promisify(execFile);
const SITE = 'site.example.com';
const PREVIEWS = 'previews.example.com';
const APP_JS = `console.log(${JSON.stringify('x'.repeat(4000))});\n`;

let dir: string;
let ca: TestCa;
let certs: string;
let tls: RunningTls;
let server: SiteServer;
let httpsPort: number;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opus-https-'));
  ca = await makeCa(dir);
  certs = join(dir, 'certs');
  await mkdir(certs);
  await makeLeaf(ca, certs, 'site', [SITE]);
  await makeLeaf(ca, certs, 'previews', [`*.${PREVIEWS}`]);
  tls = await startTls({ httpsPort: 0, certificatesDir: certs }, { dataDir: dir, logger: silentLogger, events: noEvents, served: () => servedHostsOf(server.sites, (p) => server.store.versionNames(p), undefined)(), wanted: () => [], settings: () => undefined });
  server = await startSiteServer(dir, { tls: tls.serving });
  await tls.start();
  httpsPort = server.httpsPort ?? 0;
  await server.publish('site', '1.0.0', { 'index.html': '<h1>site v1</h1>', 'app.js': APP_JS });
  await server.sites.set('site', { version: '1.0.0', domains: [SITE], site: siteOptions({ headers: [{ for: '/*', values: { 'Strict-Transport-Security': 'max-age=63072000' } }] }) });
  await server.sites.setPreviewDomain(PREVIEWS);
});

after(async () => {
  await server?.close();
  await tls?.close();
  await rm(dir, { recursive: true, force: true });
});

async function curl(host: string, path: string, ...args: string[]): Promise<{ version: string; headers: string; body: string }> {
  const { stdout } = await run('curl', ['-sS', '--cacert', ca.certPath, '--resolve', `${host}:${httpsPort}:127.0.0.1`, '-D', '-', '-w', '\n%{http_version}', ...args, `https://${host}:${httpsPort}${path}`]);
  const [head = '', ...rest] = stdout.split('\r\n\r\n');
  const tail = rest.join('\r\n\r\n');
  const cut = tail.lastIndexOf('\n');
  return { headers: head.toLowerCase(), body: tail.slice(0, cut), version: tail.slice(cut + 1) };
}

/** The certificate a TLS client gets for an SNI name, or the handshake error. */
function peerCertificate(servername: string): Promise<X509Certificate | Error> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: httpsPort, servername, ca: ca.pem }, () => {
      const raw = socket.getPeerX509Certificate();
      socket.end();
      resolve(raw ?? new Error('no certificate'));
    });
    socket.on('error', resolve);
  });
}

function plainGet(port: number, path: string, host: string): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}), body }));
    }).on('error', reject).end();
  });
}

describe('HTTPS serving', () => {
  test('HTTP/2 by ALPN with brotli, the certificate of the domain, the project\'s HSTS header', async () => {
    const page = await curl(SITE, '/', '--http2');
    assert.equal(page.version, '2');
    assert.equal(page.body, '<h1>site v1</h1>');
    assert.match(page.headers, /strict-transport-security: max-age=63072000/);
    const js = await curl(SITE, '/app.js', '--http2', '-H', 'Accept-Encoding: gzip, br', '-o', join(dir, 'app.js.br'));
    assert.equal(js.version, '2');
    assert.match(js.headers, /content-encoding: br/);
    const cert = await peerCertificate(SITE);
    assert.ok(cert instanceof X509Certificate && cert.subjectAltName === `DNS:${SITE}`);
  });

  test('HTTP/1.1 over TLS: answers on one kept-alive connection, as curl and node ask', async () => {
    const page = await curl(SITE, '/', '--http1.1');
    assert.equal(page.version, '1.1');
    assert.equal(page.body, '<h1>site v1</h1>');
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: ca.pem });
    const sockets = new Set<unknown>();
    for (const path of ['/', '/app.js', '/', '/missing']) {
      const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        httpsRequest({ host: '127.0.0.1', port: httpsPort, servername: SITE, path, headers: { host: SITE }, agent }, (res) => {
          sockets.add(res.socket);
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).on('error', reject).end();
      });
      assert.equal(reply.status, path === '/missing' ? 404 : 200, path);
      if (path === '/app.js') assert.equal(reply.body, APP_JS);
    }
    assert.equal(sockets.size, 1);
    agent.destroy();
  });

  test('SNI: a preview host gets the wildcard, a name without a certificate gets no handshake', async () => {
    const preview = await peerCertificate(`1-0-0--site.${PREVIEWS}`);
    assert.ok(preview instanceof X509Certificate && preview.subjectAltName === `DNS:*.${PREVIEWS}`);
    const page = await curl(`1-0-0--site.${PREVIEWS}`, '/', '--http2');
    assert.equal(page.body, '<h1>site v1</h1>');
    const stranger = await peerCertificate('stranger.example.net');
    assert.ok(stranger instanceof Error);
  });

  test('HTTP redirects hosts with a certificate to HTTPS, answers ACME challenges, serves other hosts', async () => {
    const port = Number(new URL(server.url).port);
    const redirect = await plainGet(port, '/docs/?a=1', SITE);
    assert.equal(redirect.status, 308);
    assert.equal(redirect.location, `https://${SITE}:${httpsPort}/docs/?a=1`);
    await tls.serving.challenges.add('tok3n', 'tok3n.thumbprint');
    const challenge = await plainGet(port, '/.well-known/acme-challenge/tok3n', SITE);
    assert.deepEqual([challenge.status, challenge.body], [200, 'tok3n.thumbprint']);
    await tls.serving.challenges.remove('tok3n');
    assert.equal((await plainGet(port, '/.well-known/acme-challenge/tok3n', SITE)).status, 308);
    const local = await plainGet(port, '/site/', '127.0.0.1');
    assert.deepEqual([local.status, local.body], [200, '<h1>site v1</h1>']);
    assert.equal((await plainGet(port, '/', 'stranger.example.net')).status, 404);
  });

  test('HTTP/2: a kept answer (the fast path, core API) is the same as the first one (compatibility layer)', async () => {
    await server.publish('site', '1.0.1', { 'index.html': '<h1>site v1</h1>', 'app.js': APP_JS, 'fresh.css': 'body{color:red}'.repeat(100) });
    await server.sites.set('site', { version: '1.0.1', domains: [SITE], site: siteOptions({ headers: [{ for: '/*', values: { 'Strict-Transport-Security': 'max-age=63072000' } }] }) });
    const session = http2Connect(`https://${SITE}:${httpsPort}`, { ca: ca.pem, host: '127.0.0.1', servername: SITE });
    after(() => session.close());
    const ask = (method: string, headers: Record<string, string> = {}) =>
      new Promise<{ headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const stream = session.request({ ':method': method, ':path': '/fresh.css', ...headers });
        let answer: Record<string, unknown> = {};
        let body = '';
        stream.on('response', (h) => (answer = { ...h }));
        stream.on('data', (chunk: Buffer) => (body += chunk.toString('latin1')));
        stream.on('end', () => resolve({ headers: answer, body }));
        stream.on('error', reject);
      });
    const without = ({ date: _date, ...rest }: Record<string, unknown>) => rest;
    for (const headers of [{}, { 'accept-encoding': 'gzip, br' }] as Record<string, string>[]) {
      const cold = await ask('GET', headers);
      const warm = await ask('GET', headers);
      assert.deepEqual(without(warm.headers), without(cold.headers));
      assert.equal(warm.body, cold.body);
      assert.equal(warm.headers['strict-transport-security'], 'max-age=63072000');
      const head = await ask('HEAD', headers);
      assert.deepEqual(without(head.headers), without(cold.headers));
      assert.equal(head.body, '');
      const notModified = await ask('GET', { ...headers, 'if-none-match': String(cold.headers.etag) });
      assert.equal(notModified.headers[':status'], 304);
    }
  });

  test('HTTP/2: a file too large to hold is streamed whole, and in ranges', async () => {
    const big = Buffer.alloc(40 << 20);
    for (let at = 0; at < big.length; at += 4 << 20) randomBytes(4096).copy(big, at + 777);
    await server.publish('site', '1.0.2', { 'index.html': '<h1>site v1</h1>', 'app.js': APP_JS, 'fresh.css': 'body{color:red}'.repeat(100), 'big.bin': big });
    await server.sites.set('site', { version: '1.0.2', domains: [SITE], site: siteOptions({ headers: [{ for: '/*', values: { 'Strict-Transport-Security': 'max-age=63072000' } }] }) });
    const session = http2Connect(`https://${SITE}:${httpsPort}`, { ca: ca.pem, host: '127.0.0.1', servername: SITE });
    after(() => session.close());
    const ask = (headers: Record<string, string> = {}) =>
      new Promise<{ status: unknown; body: Buffer }>((resolve, reject) => {
        const stream = session.request({ ':path': '/big.bin', ...headers });
        let status: unknown;
        const chunks: Buffer[] = [];
        stream.on('response', (h) => (status = h[':status']));
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => resolve({ status, body: Buffer.concat(chunks) }));
        stream.on('error', reject);
      });
    const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    for (const _ of [1, 2]) {
      const whole = await ask();
      assert.equal(whole.status, 200);
      assert.equal(sha(whole.body), sha(big));
    }
    const part = await ask({ range: 'bytes=8389000-8399999' });
    assert.equal(part.status, 206);
    assert.ok(part.body.equals(big.subarray(8389000, 8400000)));
  });

  test('a certificate replaced on disk is served to new connections; an open HTTP/2 connection goes on', async () => {
    const session = http2Connect(`https://${SITE}:${httpsPort}`, { ca: ca.pem, host: '127.0.0.1', servername: SITE });
    after(() => session.close());
    const get = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const stream = session.request({ ':path': path, ':authority': SITE });
        let body = '';
        stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
        stream.on('end', () => resolve(body));
        stream.on('error', reject);
      });
    assert.equal(await get('/'), '<h1>site v1</h1>');
    const before = await peerCertificate(SITE);
    assert.ok(before instanceof X509Certificate);
    const renewed = await makeLeaf(ca, certs, 'site', [SITE, `www.${SITE}`]);
    const serial = new X509Certificate(renewed.cert).serialNumber;
    const deadline = Date.now() + 5_000;
    let now = await peerCertificate(SITE);
    while (!(now instanceof X509Certificate && now.serialNumber === serial) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      now = await peerCertificate(SITE);
    }
    assert.ok(now instanceof X509Certificate && now.serialNumber === serial, 'the new certificate is served');
    assert.notEqual(before.serialNumber, serial);
    assert.equal(await get('/app.js'), APP_JS);
    const www = await peerCertificate(`www.${SITE}`);
    assert.ok(www instanceof X509Certificate && www.serialNumber === serial);
  });
});
