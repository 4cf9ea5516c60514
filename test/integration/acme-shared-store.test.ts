// Two replicas on one shared S3 store (s3rver, an S3 stand-in) and a real ACME server (pebble): only
// the leader orders, the HTTP-01 answer is found through the store by the replica the CA asks (pebble
// validates against the follower's HTTP port here), and both serve the same certificate.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { S3CertificateStore } from '../../src/adapters/s3/s3-certificate-store.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { freePort } from '../support/free-port.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { servedCertificate, startTlsSite, until, type TlsSite } from '../support/tls-site.js';

const SITE = 'shared.opus.test';
let dir: string;
let s3: S3TestServer;
let pebble: Pebble;
let leader: TlsSite;
let follower: TlsSite;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opus-acme-shared-'));
  s3 = await startS3Server();
  const followerHttp = await freePort();
  pebble = await startPebble(join(dir, 'pebble'), { httpPort: followerHttp });
  const acme = { directoryCa: pebble.listenerCa, checkMs: 250, requestRetries: { attempts: 1, delaySeconds: 1 } };
  const settings = { email: 'ops@opus.test', directory: pebble.directoryUrl };
  await mkdir(join(dir, 'a'));
  await mkdir(join(dir, 'b'));
  leader = await startTlsSite(join(dir, 'a'), { tls: { acme }, settings, leader: { isLeader: () => true }, store: new S3CertificateStore(s3.objects('opus/')) });
  follower = await startTlsSite(join(dir, 'b'), { tls: { acme }, settings, leader: { isLeader: () => false }, store: new S3CertificateStore(s3.objects('opus/')), httpPort: followerHttp });
  for (const replica of [leader, follower]) {
    await replica.server.publish('site', '1.0.0', { 'index.html': '<h1>shared</h1>' });
    await replica.server.sites.set('site', { version: '1.0.0', domains: [SITE] });
  }
});

after(async () => {
  await follower?.close();
  await leader?.close();
  await pebble?.close();
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

test('the leader orders, the follower answers the challenge from the store, both serve one certificate', async () => {
  const fromLeader = await until('the leader\'s certificate', async () => {
    const cert = await servedCertificate(leader.httpsPort, SITE);
    return cert instanceof X509Certificate ? cert : undefined;
  });
  const fromFollower = await until('the follower\'s certificate', async () => {
    const cert = await servedCertificate(follower.httpsPort, SITE);
    return cert instanceof X509Certificate ? cert : undefined;
  });
  assert.equal(fromFollower.serialNumber, fromLeader.serialNumber);
  assert.equal(fromLeader.subjectAltName, `DNS:${SITE}`);
  // The follower never ordered: it has no failures and its manager made no order of its own.
  assert.deepEqual(follower.tls.report().map((c) => [c.name, c.error]), [[SITE, undefined]]);
});
