// The API sends only a few archives at once (a stored file each, or one packed on request for a
// version published before archives were stored): a further download is told to come back (503,
// Retry-After), and a slot is free again as soon as a download ends, finished or abandoned.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { get, request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import * as tar from 'tar';
import { tempDir } from '../support/fixtures.js';
import { startSiteServer } from '../support/site-server.js';

/** A download whose end (or abandonment by this test) raises nothing. */
const download = (url: string) =>
  new Promise<IncomingMessage>((resolve, reject) =>
    // The API is on the dashboard's host (opus.localhost on this server), not on the sites' 127.0.0.1.
    get(url, { headers: { Host: 'opus.localhost' } }, (response) => resolve(response.on('error', () => undefined)))
      .on('error', reject));

test('at most two archives are packed at once; a third download gets 503 with Retry-After until one ends', async (t) => {
  const server = await startSiteServer(await tempDir(t, 'opus-archives-'), { api: {} });
  t.after(() => server.close());
  const big = randomBytes(12 << 20); // does not compress: the download stays open while it is not read
  await server.publish('big', '1.0.0', { 'index.html': '<h1>big</h1>', 'video.bin': big });
  const url = `${server.url}/api/v1/projects/big/artifacts/1.0.0/archive`;

  const held = [await download(url), await download(url)];
  for (const response of held) {
    assert.equal(response.statusCode, 200);
    response.pause();
  }
  const refused = await download(url);
  assert.equal(refused.statusCode, 503);
  assert.equal(refused.headers['retry-after'], '5');
  let message = '';
  for await (const chunk of refused) message += String(chunk);
  assert.match(message, /2 archives are being made already; try again/);

  held[0]?.destroy(); // a client that gives up frees its slot
  let again: IncomingMessage | undefined;
  for (let i = 0; i < 50 && again?.statusCode !== 200; i++) {
    again?.resume();
    await sleep(20);
    again = await download(url);
  }
  assert.equal(again?.statusCode, 200, 'a slot is free once a download is abandoned');
  const files: Record<string, number> = {};
  await pipeline(again as IncomingMessage, tar.t({ onReadEntry: (entry) => void (files[entry.path.replace(/^\.\//, '')] = entry.size) }));
  assert.deepEqual(files, { 'index.html': 12, 'video.bin': big.length });
  held[1]?.destroy();
  const snapshots = join(server.store.root, '.opus', 'snapshots');
  const left = async () => (existsSync(snapshots) ? await readdir(snapshots) : []);
  for (let i = 0; i < 100 && (await left()).length > 0; i++) await sleep(20);
  assert.deepEqual(await left(), [], 'every download, finished or abandoned, removed its snapshot');
});

test('a download that stalls (its client stops reading) is cut after the idle time, and its slot is free again', async (t) => {
  const server = await startSiteServer(await tempDir(t, 'opus-archives-stall-'), { api: { archiveIdleMs: 500 } });
  t.after(() => server.close());
  await server.publish('big', '1.0.0', { 'index.html': '<h1>big</h1>', 'video.bin': randomBytes(12 << 20) });
  const url = `${server.url}/api/v1/projects/big/artifacts/1.0.0/archive`;
  const stalled = [await download(url), await download(url)];
  for (const response of stalled) response.pause(); // never read, never closed by the client
  t.after(() => stalled.forEach((response) => response.destroy()));
  const refused = await download(url);
  assert.equal(refused.statusCode, 503);
  refused.resume();
  const started = Date.now();
  let again: IncomingMessage | undefined;
  while (Date.now() - started < 10_000 && again?.statusCode !== 200) {
    again?.resume();
    await sleep(100);
    again = await download(url);
  }
  assert.equal(again?.statusCode, 200, 'the stalled downloads no longer hold the slots');
  assert.ok(Date.now() - started >= 400, 'not before the idle time');
  again?.resume();
});

test('HEAD of an archive packs nothing: no slot taken, no snapshot left behind', async (t) => {
  const server = await startSiteServer(await tempDir(t, 'opus-archives-head-'), { api: {} });
  t.after(() => server.close());
  await server.publish('site', '1.0.0', { 'index.html': 'x' });
  const url = `${server.url}/api/v1/projects/site/artifacts/1.0.0/archive`;
  const head = (target: string) => new Promise<IncomingMessage>((resolve, reject) => request(target, { method: 'HEAD', headers: { Host: 'opus.localhost' } }, resolve).on('error', reject).end());
  for (let i = 0; i < 5; i++) {
    const answer = await head(url);
    answer.resume();
    assert.equal(answer.statusCode, 200);
    assert.equal(answer.headers['content-type'], 'application/gzip');
  }
  assert.equal((await head(`${server.url}/api/v1/projects/site/artifacts/9.9.9/archive`)).statusCode, 404);
  const snapshots = join(server.store.root, '.opus', 'snapshots');
  assert.deepEqual(existsSync(snapshots) ? await readdir(snapshots) : [], [], 'no snapshot was made');
  const held = [await download(url), await download(url)];
  assert.deepEqual(held.map((r) => r.statusCode), [200, 200], 'and HEADs held no slot');
  for (const r of held) r.resume();
});
