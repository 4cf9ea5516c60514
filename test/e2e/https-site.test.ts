// HTTPS as a user on a bare server meets it: `opus server` (the composition root) with an ACME
// email in opus.yaml, a real ACME server on loopback (pebble, validating HTTP-01 on Opus's own HTTP
// port), and a Vite app Opus really builds in Docker. Real Chromium, trusting only that certificate
// (by its key), loads the site over HTTP/2 with brotli; plain HTTP redirects; `opus status` and
// the API show the certificate.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { startOpusWorld, type OpusWorld } from '../support/opus-world.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { freePort } from '../support/free-port.js';
import { servedCertificate, until } from '../support/tls-site.js';
import { viteSpa } from './vite-app.js';

const DOMAIN = 'app.secure.test';

let w: OpusWorld;
let pebble: Pebble;
let browser: Browser;
let httpPort: number;
let httpsPort: number;
let cert: X509Certificate;
let dir: string;

before(async () => {
  httpPort = await freePort();
  dir = await mkdtemp(join(tmpdir(), 'opus-https-e2e-'));
  pebble = await startPebble(dir, { httpPort });
  w = await startOpusWorld(
    { app: { versions: { '1.0.0': viteSpa('1.0.0') }, deploy: '1.0.0', command: 'npm install --no-audit --no-fund && npm run build', yaml: `  network: host\ndomains: [${DOMAIN}]\nhsts: true\n` } },
    { settings: `tls:\n  email: ops@secure.test\n  directory: ${pebble.directoryUrl}\n`, port: httpPort, tls: { httpsPort: 0, acme: { directoryCa: pebble.listenerCa, checkMs: 250, requestRetries: { attempts: 1, delaySeconds: 1 } } } },
  );
  httpsPort = Number(new URL(w.server.httpsUrl ?? '').port);
  await w.settle();
  cert = await until('the certificate of the domain', async () => {
    const served = await servedCertificate(httpsPort, DOMAIN);
    return served instanceof X509Certificate && served.subjectAltName === `DNS:${DOMAIN}` ? served : undefined;
  }, 60_000);
  const spki = createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--host-resolver-rules=MAP ${DOMAIN} 127.0.0.1`, `--ignore-certificate-errors-spki-list=${spki}`],
  });
});

after(async () => {
  await browser?.close();
  await w?.close();
  await pebble?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('Chromium loads the built site over HTTP/2 with brotli, the certificate from the ACME server', async () => {
  const page = await browser.newPage();
  const encodings = new Map<string, string | undefined>();
  page.on('response', (response) => void response.allHeaders().then((h) => encodings.set(new URL(response.url()).pathname, h['content-encoding'])));
  const first = await page.goto(`https://${DOMAIN}:${httpsPort}/`);
  assert.equal(first?.status(), 200);
  assert.equal(await page.textContent('#v'), '1.0.0');
  assert.equal(await page.textContent('#js'), 'opus-site-version-1.0.0', 'the hashed JS ran');
  // Evaluated in the page (a string: this package compiles without the DOM types).
  const protocols = (await page.evaluate("performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).map((e) => e.nextHopProtocol)")) as string[];
  assert.ok(protocols.length >= 2 && protocols.every((p) => p === 'h2'), `every load was HTTP/2: ${protocols.join(' ')}`);
  const js = [...encodings].find(([path]) => path.endsWith('.js'));
  assert.equal(js?.[1], 'br', `the hashed JS came as brotli: ${JSON.stringify([...encodings])}`);
  const headers = (await first?.allHeaders()) ?? {};
  assert.equal(headers['strict-transport-security'], 'max-age=31536000', 'hsts: true in the project file');
  await page.close();
});

test('plain HTTP redirects to HTTPS; opus status and the API show the certificate', async () => {
  // node:http, as fetch() may not set Host.
  const redirect = await new Promise<{ status?: number; location?: string }>((resolve, reject) => {
    get({ host: '127.0.0.1', port: httpPort, path: '/about?x=1', headers: { host: DOMAIN } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode, ...(res.headers.location ? { location: res.headers.location } : {}) });
    }).on('error', reject);
  });
  assert.deepEqual(redirect, { status: 308, location: `https://${DOMAIN}:${httpsPort}/about?x=1` });
  const status = await w.run('status', 'app');
  assert.match(status.stdout, new RegExp(`domain +http://${DOMAIN.replace(/\./g, '\\.')}/ +\\(certificate until ${new Date(cert.validTo).toISOString().slice(0, 10)}\\)`));
  const api = (await (await w.api('/api/v1/certificates')).json()) as { https: boolean; certificates: { name: string; source: string; notAfter?: string }[] };
  assert.equal(api.https, true);
  assert.deepEqual(api.certificates.map((c) => [c.name, c.source, c.notAfter]), [[DOMAIN, 'acme', new Date(cert.validTo).toISOString()]]);
});
