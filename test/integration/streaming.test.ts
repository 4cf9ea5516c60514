// Files too large for the file cache are streamed from disk: eight slow clients of a 200 MiB file
// cost the server a few buffers each, not a copy each; the body, ranges and HEAD are what they were;
// a client that goes away closes the file's descriptor. The real server entry, in this process, so
// its memory and descriptors can be measured.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, readlink, realpath } from 'node:fs/promises';
import { get, request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../support/fixtures.js';
import { startSiteServer, type SiteServer } from '../support/site-server.js';

const SIZE = 200 << 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A sparse 200 MiB file with random blocks spread through it, so a wrong offset changes the hash. */
async function publishLarge(server: SiteServer): Promise<string> {
  const stage = await server.store.createStaging('big', '1.0.0');
  const staging = stage.dir;
  const handle = await open(join(staging, 'video.bin'), 'w');
  await handle.truncate(SIZE);
  for (let at = 0; at < SIZE; at += 25 << 20) await handle.write(randomBytes(64 * 1024), 0, 64 * 1024, at + 12345);
  await handle.close();
  await open(join(staging, 'index.html'), 'w').then(async (index) => (await index.writeFile('i'), index.close()));
  await stage.publish();
  await server.sites.set('big', { version: '1.0.0', domains: [] });
  return realpath(join(server.store.versionDir('big', '1.0.0'), 'video.bin'));
}

const sha = (stream: NodeJS.ReadableStream) =>
  new Promise<string>((resolve, reject) => {
    const hash = createHash('sha256');
    stream.on('data', (chunk: Buffer) => hash.update(chunk)).on('end', () => resolve(hash.digest('hex'))).on('error', reject);
  });

const respond = (url: string, headers: Record<string, string> = {}, method = 'GET') =>
  new Promise<IncomingMessage>((resolve, reject) => request(url, { method, headers }, resolve).on('error', reject).end());

/** Descriptors of this process open on `path`. */
async function openOn(path: string): Promise<number> {
  let count = 0;
  for (const fd of await readdir('/proc/self/fd')) if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === path) count += 1;
  return count;
}

test('a 200 MiB file: slow clients, the whole body, a range, HEAD and an abort', async (t) => {
  const server = await startSiteServer(await tempDir(t, 'opus-streaming-'));
  t.after(() => server.close());
  const path = await publishLarge(server);
  const url = `${server.url}/big/video.bin`;
  const expected = await sha(createReadStream(path));

  await t.test('eight concurrent slow readers grow the server by well under one copy', async (t) => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    // The first request hashes the file for its ETag (in pieces); HEAD must not read the body.
    (await respond(url, {}, 'HEAD')).resume();
    const received: number[] = [];
    // One after another, so no two share a read: each is a request of its own, as from separate users.
    const clients: IncomingMessage[] = [];
    for (let i = 0; i < 8; i += 1) {
      clients.push(await respond(url));
      await sleep(50);
    }
    clients.forEach((res, i) => {
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-length'], String(SIZE));
      received[i] = 0;
      res.on('data', (chunk: Buffer) => {
        received[i] = (received[i] ?? 0) + chunk.length;
        res.pause();
        setTimeout(() => res.resume(), 10);
      });
    });
    await sleep(2000);
    clearInterval(sampler);
    for (const res of clients) res.destroy();
    const grown = peak - before;
    t.diagnostic(`RSS growth with 8 slow clients: ${Math.round(grown / 2 ** 20)} MiB; bytes each: ${received.join(", ")}`);
    assert.ok(received.every((bytes) => bytes > 0), `every client got bytes: ${received.join(', ')}`);
    assert.ok(grown < 64 << 20, `RSS grew by ${Math.round(grown / 2 ** 20)} MiB with 8 clients reading`);
  });

  await t.test('the body is byte-identical and HEAD says the same as GET', async () => {
    const res = await respond(url);
    assert.equal(res.statusCode, 200);
    assert.equal(await sha(res), expected);
    const head = await respond(url, {}, 'HEAD');
    head.resume();
    assert.equal(head.headers['content-length'], String(SIZE));
    assert.equal(head.headers.etag, res.headers.etag);
    assert.equal(head.headers.etag, `"${expected.slice(0, 40)}"`);
    assert.equal(head.headers['last-modified'], res.headers['last-modified']);
    const cached = await respond(url, { 'If-None-Match': res.headers.etag ?? '' });
    cached.resume();
    assert.equal(cached.statusCode, 304);
  });

  await t.test('a range is the bytes at those offsets', async () => {
    const start = (75 << 20) + 12000;
    const end = start + 99_999;
    const res = await respond(url, { Range: `bytes=${start}-${end}` });
    assert.equal(res.statusCode, 206);
    assert.equal(res.headers['content-range'], `bytes ${start}-${end}/${SIZE}`);
    assert.equal(res.headers['content-length'], '100000');
    assert.equal(await sha(res), await sha(createReadStream(path, { start, end })));
    const beyond = await respond(url, { Range: `bytes=${SIZE}-` });
    beyond.resume();
    assert.equal(beyond.statusCode, 416);
  });

  await t.test('a client that aborts mid-stream closes the file descriptor', async () => {
    assert.equal(await openOn(path), 0);
    const res = await new Promise<IncomingMessage>((resolve, reject) => get(url, resolve).on('error', reject));
    await new Promise((resolve) => res.once('data', resolve));
    res.pause();
    assert.equal(await openOn(path), 1, 'the stream holds one descriptor while it runs');
    res.destroy();
    for (let waited = 0; waited < 3000 && (await openOn(path)) > 0; waited += 50) await sleep(50);
    assert.equal(await openOn(path), 0, 'the descriptor was closed after the client went away');
  });
});
