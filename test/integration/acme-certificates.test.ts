// Certificates by ACME against a real ACME server on loopback (pebble, its DNS answering 127.0.0.1
// for every name): pebble validates HTTP-01 by connecting to Opus's own HTTP port. Issue and serve
// (curl with pebble's root), renew a short-lived certificate, keep serving the old one when the CA
// fails (certificate.failed emitted), and on-demand orders only for preview hosts Opus serves.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { EventSink, OpusEvent } from '../../src/ports/event-sink.js';
import type { RunningTls } from '../../src/runtime/tls.js';
import { Metrics } from '../../src/services/metrics.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { freePort } from '../support/free-port.js';
import type { SiteServer } from '../support/site-server.js';
import { servedCertificate, startTlsSite, until, type TlsSite } from '../support/tls-site.js';

const run = promisify(execFile);
const SITE = 'site.opus.test';
const PREVIEWS = 'previews.opus.test';
/** Short-lived, so a renewal comes within the test (renewed a third of the lifetime before expiry). */
const VALIDITY_S = 9;

let dir: string;
let pebble: Pebble;
let site: TlsSite;
let tls: RunningTls;
let server: SiteServer;
let httpsPort: number;
const events: Omit<OpusEvent, 'at'>[] = [];
const sink: EventSink = { emit: (event) => void events.push(event) };
const served = (servername: string) => servedCertificate(httpsPort, servername);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opus-acme-'));
  const httpPort = await freePort();
  pebble = await startPebble(join(dir, 'pebble'), { httpPort, validitySeconds: VALIDITY_S });
  site = await startTlsSite(dir, {
    tls: { acme: { directoryCa: pebble.listenerCa, checkMs: 250, retry: { baseMs: 500, factor: 2, capMs: 2_000 }, requestRetries: { attempts: 1, delaySeconds: 1 }, onDemand: { limit: 1, windowMs: 3_600_000 } } },
    settings: { email: 'ops@opus.test', directory: pebble.directoryUrl },
    httpPort,
    events: sink,
  });
  ({ tls, server, httpsPort } = site);
  await server.publish('site', '1.0.0', { 'index.html': '<h1>site v1</h1>' });
  await server.publish('site', '1.1.0', { 'index.html': '<h1>site v1.1</h1>' });
  await server.sites.setPreviewDomain(PREVIEWS);
});

after(async () => {
  await site?.close();
  await pebble?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('ACME certificates from pebble', () => {
  let first: X509Certificate;

  test('a project domain gets a certificate by HTTP-01 on Opus\'s port and is served over HTTP/2', async () => {
    await server.sites.set('site', { version: '1.0.0', domains: [SITE] });
    first = await until('the certificate', async () => {
      const cert = await served(SITE);
      return cert instanceof X509Certificate ? cert : undefined;
    });
    assert.equal(first.subjectAltName, `DNS:${SITE}`);
    const root = join(dir, 'pebble-root.pem');
    await writeFile(root, await pebble.rootCa());
    const { stdout } = await run('curl', ['-sS', '--http2', '--cacert', root, '--resolve', `${SITE}:${httpsPort}:127.0.0.1`, '-w', '\n%{http_version}', `https://${SITE}:${httpsPort}/`]);
    assert.equal(stdout, '<h1>site v1</h1>\n2');
    const key = await stat(join(dir, 'state', 'certificates', SITE, 'key.pem'));
    assert.equal(key.mode & 0o777, 0o600);
    assert.deepEqual(events, []);
  });

  test('it is renewed before it expires, and the new one is served without a restart', async () => {
    const renewed = await until('the renewal', async () => {
      const cert = await served(SITE);
      return cert instanceof X509Certificate && cert.serialNumber !== first.serialNumber ? cert : undefined;
    });
    assert.ok(Date.parse(renewed.validTo) > Date.parse(first.validTo));
    const status = tls.report().find((s) => s.name === SITE);
    assert.ok(status?.source === 'acme' && status.notAfter && !status.error);
    const metrics = new Metrics(undefined, { processMetrics: false });
    metrics.watchCertificates(tls.report);
    const text = await metrics.text();
    assert.ok(text.includes(`opus_certificate_expiry_timestamp_seconds{name="${SITE}",source="acme"} ${Date.parse(status.notAfter) / 1000}`), text);
    assert.ok(text.includes(`opus_certificate_failing{name="${SITE}"} 0`));
  });

  test('a preview host Opus serves gets one on demand; strangers and the rate limit get none', async () => {
    const preview = await served(`1-0-0--site.${PREVIEWS}`);
    assert.ok(preview instanceof X509Certificate && preview.subjectAltName === `DNS:1-0-0--site.${PREVIEWS}`);
    // Not a built version, not Opus's domain at all: the handshake fails and no CA is asked.
    assert.ok((await served(`9-9-9--site.${PREVIEWS}`)) instanceof Error);
    assert.ok((await served('www.stranger.test')) instanceof Error);
    // A second served preview host within the hour: over the limit of one.
    assert.ok((await served(`1-1-0--site.${PREVIEWS}`)) instanceof Error);
    const names = tls.certificates?.status().map((s) => s.name) ?? [];
    assert.ok(!names.some((n) => n.includes('9-9-9') || n.includes('stranger') || n.includes('1-1-0')), names.join(' '));
  });

  test('when the CA fails, certificate.failed is emitted and the old certificate keeps serving', async () => {
    const before = await served(SITE);
    assert.ok(before instanceof X509Certificate);
    await pebble.close();
    const failed = await until('certificate.failed', () => events.find((e) => e.event === 'certificate.failed' && e.domain === SITE));
    assert.match(failed.message ?? '', /keeps serving/);
    const still = await served(SITE);
    assert.ok(still instanceof X509Certificate && still.serialNumber === before.serialNumber);
    const status = tls.report().find((s) => s.name === SITE);
    assert.ok(status?.error && status.nextAttemptAt && status.notAfter === new Date(still.validTo).toISOString());
    const metrics = new Metrics(undefined, { processMetrics: false });
    metrics.watchCertificates(tls.report);
    assert.ok((await metrics.text()).includes(`opus_certificate_failing{name="${SITE}"} 1`));
  });
});
