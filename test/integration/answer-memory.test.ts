// Memory a request can make the server keep: a large file asked for under many spellings of its URL
// (HEAD included) is held at most once while it is served, never once per spelling; the real server
// entry (fast path included) in this process, so its memory can be measured.
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tempDir } from '../support/fixtures.js';
import { createSiteHandler } from '../../src/server/app.js';
import { PATH_STYLE_ORIGINS, startSiteServer } from '../support/site-server.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ask = (url: string, method: string) =>
  new Promise<number>((resolve, reject) => {
    request(url, { method }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject).end();
  });

test('a 40 MiB file under 24 URL spellings, GET and HEAD: memory grows by about one copy, not one per spelling', async (t) => {
  const server = await startSiteServer(await tempDir(t, 'opus-answer-memory-'));
  t.after(() => server.close());
  await server.publish('big', '1.0.0', { 'index.html': 'i', 'video.bin': Buffer.alloc(40 << 20, 7) });
  await server.sites.set('big', { version: '1.0.0', domains: [] });
  assert.equal(await ask(`${server.url}/big/video.bin`, 'GET'), 200);
  gc();
  const before = process.memoryUsage().arrayBuffers;
  // Each a different path: some of the letters of "video" percent-encoded (%76 is "v").
  const spellings = Array.from({ length: 24 }, (_, mask) => `/big/${[...'video'].map((c, i) => (((mask + 1) >> i) & 1 ? `%${c.charCodeAt(0).toString(16)}` : c)).join('')}.bin`);
  assert.equal(new Set(spellings).size, 24);
  for (const path of spellings) for (const method of ['GET', 'HEAD']) assert.equal(await ask(`${server.url}${path}`, method), 200, path);
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 2 * (40 << 20), `kept ${Math.round(grown / 2 ** 20)} MiB more after ${spellings.length * 2} requests`);
});

test('spellings of one file share one remembered answer (keyed by the file it resolves to)', async (t) => {
  const server = await startSiteServer(await tempDir(t, 'opus-answer-share-'));
  t.after(() => server.close());
  await server.publish('big', '1.0.0', { 'index.html': 'i', 'app.js': 'a'.repeat(1000) });
  await server.sites.set('big', { version: '1.0.0', domains: [] });
  const site = createSiteHandler({ sites: server.sites, store: server.store }, undefined, PATH_STYLE_ORIGINS);
  const http = createServer((req, res) => void (site.handle(req, res) || res.writeHead(404).end()));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => http.close(resolve)));
  const host = `127.0.0.1:${(http.address() as AddressInfo).port}`;
  for (const path of ['/big/app.js', '/big/%61pp.js', '/big/ap%70.js']) assert.equal(await ask(`http://${host}${path}`, 'GET'), 200, path);
  const answers = ['/big/app.js', '/big/%61pp.js', '/big/ap%70.js'].map((path) => site.kept(path, host));
  assert.ok(answers[0], 'the answer is remembered');
  assert.equal(answers[1], answers[0]);
  assert.equal(answers[2], answers[0]);
});
