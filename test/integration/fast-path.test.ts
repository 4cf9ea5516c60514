// The fast path in front of node:http (src/server/fast-path) on real listening servers over a real
// artifact store: a kept answer is sent straight from the socket, byte for byte what node:http sent
// the first time, and everything that is not a plain GET/HEAD goes to node:http exactly as it came.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { createRequestListener } from '../../src/server/app.js';
import { createOpusServer, type OpusServer } from '../../src/server/opus-server.js';
import { BuildQueue } from '../../src/services/build-queue.js';
import { silentLogger } from '../../src/services/logger.js';
import { Metrics } from '../../src/services/metrics.js';
import { SiteTable } from '../../src/services/site-table.js';
import { exchange, rawRequest, splitResponses, type RawResponse } from '../support/raw-http.js';
import { tempDir, writeFiles } from '../support/fixtures.js';
import { nodeHttpRequests } from '../support/fast-path-servers.js';
import { PATH_STYLE_ORIGINS } from '../support/site-server.js';

const JS = `export const app = ${JSON.stringify('fast path '.repeat(20_000))};\n`;
const SITE = {
  'index.html': `<!doctype html><title>v1</title>${'<p>marker v1</p>'.repeat(80)}`,
  'static/app.1a2b3c4d.js': JS,
  'static/small.css': `body { color: black }\n${'.a { margin: 0 }\n'.repeat(40)}`,
  '404.html': '<h1>custom not found</h1>',
};

interface World {
  store: FsArtifactStore;
  sites: SiteTable;
  metrics: Metrics;
  /** A new server over the same sites: nothing kept yet, so its first answers come from node:http. */
  server(t: TestContext): Promise<number>;
  /** The servers started so far, newest last. */
  started: OpusServer[];
  /** node:http alone with the same request listener, no fast path: the reference for what node:http decides. */
  nodeOnly(t: TestContext): Promise<number>;
}

async function world(t: TestContext): Promise<World> {
  const dir = await tempDir(t, 'opus-fast-path-');
  const store = new FsArtifactStore(join(dir, 'artifacts'));
  const sites = new SiteTable(store);
  await sites.load();
  const queue = new BuildQueue(1);
  const metrics = new Metrics(queue, { processMetrics: false });
  for (const [version, marker] of [['1.0.0', 'v1'], ['2.0.0', 'v2']] as const) {
    const stage = await store.createStaging('site', version);
    const staging = stage.dir;
    await writeFiles(staging, { ...SITE, 'index.html': SITE['index.html'].replaceAll('v1', marker) });
    await stage.publish();
  }
  await sites.set('site', { version: '1.0.0', domains: ['site.example.com'] });
  const started: OpusServer[] = [];
  return {
    store,
    sites,
    metrics,
    started,
    async server(tc) {
      const server = createOpusServer({ sites, store, logger: silentLogger, metrics, origins: PATH_STYLE_ORIGINS });
      started.push(server);
      tc.after(() => server.close(0));
      return (await server.listen(0, '127.0.0.1')).port;
    },
    async nodeOnly(tc) {
      const server = createServer(createRequestListener({ sites, store, logger: silentLogger, origins: PATH_STYLE_ORIGINS }));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      tc.after(() => {
        server.closeAllConnections();
        server.close();
      });
      return (server.address() as AddressInfo).port;
    },
  };
}

async function one(port: number, request: string, head = false): Promise<RawResponse> {
  const { responses } = await exchange(port, [request], { expect: 1, bodiless: () => head });
  assert.equal(responses.length, 1, `no answer to ${JSON.stringify(request)}`);
  return responses[0] as RawResponse;
}

test('a kept answer is sent without node:http, byte for byte what node:http sent for it', async (t) => {
  const w = await world(t);
  const port = await w.server(t);
  const seen = nodeHttpRequests(t);
  const index = await one(port, rawRequest('/site/'));
  const js = await one(port, rawRequest('/site/static/app.1a2b3c4d.js'));
  assert.ok(index.headers.etag && js.headers.etag);
  const cases: [string, Record<string, string>, string?][] = [
    ['/site/', {}],
    ['/site/', { 'Accept-Encoding': 'gzip, deflate, br' }],
    ['/site/', { 'Accept-Encoding': 'gzip' }],
    ['/site/', { 'If-None-Match': index.headers.etag }],
    ['/site/', { 'If-Modified-Since': String(index.headers['last-modified']) }],
    ['/site/', { 'If-None-Match': '"another"' }],
    ['/site/', {}, 'HEAD'],
    ['/site/static/app.1a2b3c4d.js', { 'Accept-Encoding': 'br' }],
    ['/site/static/app.1a2b3c4d.js', { 'Accept-Encoding': 'gzip' }],
    ['/site/static/app.1a2b3c4d.js', {}],
    ['/site/static/app.1a2b3c4d.js', { 'Accept-Encoding': 'br', 'If-None-Match': `${js.headers.etag.slice(0, -1)}-br"` }],
    ['/site/static/small.css', { 'Accept-Encoding': 'gzip, br' }],
    ['/site/no-such-page', {}],
    ['/', { Host: 'SITE.example.com:8080', 'Accept-Encoding': 'br' }],
  ];
  const nodeOnly = await w.nodeOnly(t);
  for (const [path, headers, method] of cases) {
    const request = rawRequest(path, headers, method);
    // Twice on a fresh server (the first one warms its answer, the second finds it kept), against node:http alone.
    const fresh = await w.server(t);
    const before = seen.count;
    const byNode = await one(nodeOnly, request, method === 'HEAD');
    assert.equal(seen.count, before + 1);
    for (const fast of [await one(fresh, request, method === 'HEAD'), await one(fresh, request, method === 'HEAD')]) {
      assert.equal(fast.headWithoutDate, byNode.headWithoutDate, request);
      assert.ok(fast.body.equals(byNode.body), request);
      assert.match(String(fast.headers.date), /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      assert.equal(fast.dateLines, 1);
      assert.equal(fast.headers.connection, 'keep-alive');
    }
    assert.equal(seen.count, before + 1, `${JSON.stringify(request)} is answered without node:http, also the first time`);
  }
  assert.equal((await one(port, rawRequest('/site/static/app.1a2b3c4d.js', { 'Accept-Encoding': 'br' }))).headers['content-encoding'], 'br');
});

test('pipelined requests are answered in order, also when node:http takes over in the middle', async (t) => {
  const w = await world(t);
  const port = await w.server(t);
  await one(port, rawRequest('/site/'));
  await one(port, rawRequest('/site/static/small.css'));
  const requests = [rawRequest('/site/'), rawRequest('/site/static/small.css'), rawRequest('/healthz'), rawRequest('/site/missing'), rawRequest('/site/'), rawRequest('/site/', {}, 'HEAD'), rawRequest('/site/static/small.css')];
  const { responses } = await exchange(port, [requests.join('')], { expect: requests.length, bodiless: (i) => i === 5 });
  assert.deepEqual(responses.map((r) => r.status), [200, 200, 200, 404, 200, 200, 200]);
  assert.match(responses[0]?.body.toString() ?? '', /marker v1/);
  assert.equal(responses[1]?.body.toString(), SITE['static/small.css']);
  assert.deepEqual(JSON.parse(responses[2]?.body.toString() ?? ''), { ok: true });
  assert.equal(responses[3]?.body.toString(), SITE['404.html']);
  assert.equal(responses[5]?.headers['content-length'], String(Buffer.byteLength(SITE['index.html'])));
  assert.equal(responses[6]?.body.toString(), SITE['static/small.css']);
});

test('a request that arrives in pieces is answered whole, still without node:http', async (t) => {
  const w = await world(t);
  const port = await w.server(t);
  await one(port, rawRequest('/site/'));
  await one(port, rawRequest('/site/static/small.css'));
  const seen = nodeHttpRequests(t);
  const request = rawRequest('/site/', { 'Accept-Encoding': 'identity', Cookie: `session=${'c'.repeat(3000)}` });
  for (const cut of [3, 14, 1448, request.length - 2]) {
    const { responses } = await exchange(port, [request.slice(0, cut), request.slice(cut), rawRequest('/site/static/small.css')], { expect: 2 });
    assert.equal(responses[0]?.status, 200, `cut at ${cut}`);
    assert.match(responses[0]?.body.toString() ?? '', /marker v1/);
    assert.equal(responses[1]?.body.toString(), SITE['static/small.css']);
  }
  assert.equal(seen.count, 0);
  // What cannot become a plain request goes to node:http at once, not after a wait.
  const started = Date.now();
  const tls = await exchange(port, [Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])], { expect: 1, waitMs: 3_000 });
  assert.equal(tls.responses[0]?.status, 400);
  assert.ok(Date.now() - started < 1_000);
  // A head that never ends is handed to node:http after 5 s, whose own timeouts then apply.
  const slow = connect(port, '127.0.0.1');
  t.after(() => slow.destroy());
  slow.write('GET /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  await new Promise((r) => setTimeout(r, 7_000));
  slow.write('\r\n');
  for (let i = 0; i < 50 && seen.count < 1; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(seen.count, 1, 'node:http parsed the slow request');
});

test('bodies, chunked encoding, odd or repeated headers are for node:http to judge: the answers are node:http\u2019s own', async (t) => {
  const w = await world(t);
  const warm = await w.server(t);
  for (const path of ['/site/', '/site/static/small.css', '/', '/site/static/app.1a2b3c4d.js']) {
    await one(warm, rawRequest(path));
    await one(warm, rawRequest(path, { Host: 'site.example.com' }));
  }
  // A request for a file with a kept answer, hidden in a body: it must never be answered.
  const hidden = rawRequest('/site/static/small.css');
  const pad = (total: number) => `GET /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${'p'.repeat(total - 47)}\r\n\r\n`;
  const anomalies = [
    `GET /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${hidden.length}\r\n\r\n${hidden}`,
    `GET /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n${hidden.length.toString(16)}\r\n${hidden}\r\n0\r\n\r\n`,
    `GET /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${hidden}`,
    `GET /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nContent-Length: ${hidden.length}\r\n\r\n${hidden}`,
    `GET /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n${hidden}`,
    `GET /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Folded: a\r\n b\r\n\r\n${hidden}`,
    `GET /site/ HTTP/1.1\nHost: 127.0.0.1\n\n${hidden}`,
    `GET /site/ HTTP/1.1\nHost: 127.0.0.1\n\n`,
    `GET /site/ HTTP/1.1\r\nHost: 127.0.0.1\n\n`,
    `GET /site/ HTTP/1.0\r\nHost: 127.0.0.1\n\n`,
    `GET /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: site.example.com\r\n\r\n`,
    `GET /site/ HTTP/1.1\r\nHost: site.example.com\r\nHost: 127.0.0.1\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: site.example.com\r\nHost: 127.0.0.1\r\n\r\n`,
    `GET /site/ HTTP/1.1\r\n\r\n`,
    `GET /site/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`,
    `GET  /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    `GET /site/ HTTP/1.1 \r\nHost: 127.0.0.1\r\n\r\n`,
    `get /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    `GET /site/\0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    `GET /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Nul: a\0b\r\n\r\n`,
    `GET /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bare-CR: a\rb\r\n\r\n`,
    `GET /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
    `GET /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n\r\n`,
    `GET /site/static/app.1a2b3c4d.js HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=0-9\r\n\r\n`,
    `GET /site/static/app.1a2b3c4d.js HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=999999999-\r\n\r\n`,
    `GET http://127.0.0.1/site/ HTTP/1.1\r\nHost: evil\r\n\r\n`,
    `GET /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\n${'X-Big: a\r\n'.repeat(2000)}\r\n`,
    `GET /site/static/small.css#frag HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    `POST /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`,
    `GET /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\nProxy-Connection: close\r\n\r\n`,
    `GET /site/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Latin: caf\u00e9\r\n\r\n`,
    ...[16_000, 16_383, 16_384, 16_385, 16_400, 17_000].map(pad),
  ];
  for (const request of anomalies) {
    // The same bytes to node:http alone, on a fresh server (nothing kept): its judgement.
    const reference = await exchange(await w.nodeOnly(t), [request], { expect: 3, waitMs: 400 });
    const got = await exchange(warm, [request], { expect: 3, waitMs: 400 });
    const shown = (r: RawResponse[]) => r.map((x) => `${x.headWithoutDate}\r\n\r\n${x.body.toString('latin1')}`);
    assert.deepEqual(shown(got.responses), shown(reference.responses), JSON.stringify(request));
    assert.ok(got.responses.filter((r) => r.status >= 200).length <= 1, `${JSON.stringify(request)} got ${got.responses.length} answers`);
    for (const response of got.responses) assert.notEqual(response.body.toString(), SITE['static/small.css'], `${JSON.stringify(request)}: a request hidden in a body was answered`);
  }
});

test('Connection: close gets its answer, then the connection ends; an idle one ends after 5 s', async (t) => {
  const w = await world(t);
  const port = await w.server(t);
  await one(port, rawRequest('/site/'));
  const closing = await exchange(port, [rawRequest('/site/', { Connection: 'close' }) + rawRequest('/site/')], { expect: 2, waitMs: 2_000 });
  assert.equal(closing.responses.length, 1);
  assert.equal(closing.responses[0]?.headers.connection, 'close');
  assert.ok(closing.closedByServer);
  const started = Date.now();
  const idle = await exchange(port, [rawRequest('/site/')], { expect: 2, waitMs: 9_000 });
  assert.equal(idle.responses.length, 1);
  assert.ok(idle.closedByServer, 'an idle connection is closed');
  assert.ok(Date.now() - started >= 4_500 && Date.now() - started < 8_000, `closed after ${Date.now() - started} ms`);
});

test('a client that never closes, or resets mid-answer, costs the server nothing and cannot stop it', async (t) => {
  const w = await world(t);
  const port = await w.server(t);
  const server = w.started.at(-1) as OpusServer;
  await one(port, rawRequest('/site/static/app.1a2b3c4d.js'));
  const connections = () => new Promise<number>((resolve) => server.server.getConnections((_, n) => resolve(n)));
  // Half-open: the client got the end but keeps its side open; the server must not keep the socket.
  const halfOpen = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  t.after(() => halfOpen.destroy());
  const ended = new Promise((resolve) => halfOpen.once('end', resolve));
  halfOpen.resume();
  halfOpen.write(rawRequest('/site/static/app.1a2b3c4d.js', { Connection: 'close' }));
  await ended;
  for (let i = 0; i < 100 && (await connections()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(await connections(), 0, 'the server closed its socket');
  // A reset while a large answer is being written: an error the server must absorb.
  for (let i = 0; i < 5; i++) {
    const reset = connect(port, '127.0.0.1');
    reset.write(rawRequest('/site/static/app.1a2b3c4d.js', { Connection: 'close' }) + rawRequest('/site/static/app.1a2b3c4d.js'));
    await new Promise((r) => setTimeout(r, 5));
    reset.resetAndDestroy();
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await one(port, rawRequest('/site/'))).status, 200, 'still serving');
  // A shutdown ends at its grace time even with a client that never reads nor closes.
  const stuck = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  t.after(() => stuck.destroy());
  stuck.pause();
  stuck.write(rawRequest('/site/static/app.1a2b3c4d.js').repeat(50));
  const idle = connect(port, '127.0.0.1');
  t.after(() => idle.destroy());
  idle.write(rawRequest('/site/'));
  await new Promise((r) => setTimeout(r, 200));
  const started = Date.now();
  await server.close(300);
  assert.ok(Date.now() - started < 2_000, `close took ${Date.now() - started} ms`);
});

test('on one kept-alive connection, the next request after a switch gets the new version', async (t) => {
  const w = await world(t);
  const port = await w.server(t);
  const socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  let received = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  const nth = async (n: number) => {
    for (let i = 0; i < 200 && splitResponses(received, () => false).length < n; i++) await new Promise((r) => setTimeout(r, 10));
    return splitResponses(received, () => false)[n - 1]?.body.toString() ?? '';
  };
  socket.write(rawRequest('/site/'));
  assert.match(await nth(1), /marker v1/);
  socket.write(rawRequest('/site/'));
  assert.match(await nth(2), /marker v1/);
  await w.sites.set('site', { version: '2.0.0', domains: ['site.example.com'] });
  socket.write(rawRequest('/site/'));
  assert.match(await nth(3), /marker v2/);
  await w.sites.set('site', { version: '1.0.0', domains: ['site.example.com'] });
  socket.write(rawRequest('/', { Host: 'site.example.com' }));
  assert.match(await nth(4), /marker v1/);
});

test('a kept-alive connection stays on the fast path through files not read yet: after a start and after a deploy', async (t) => {
  const w = await world(t);
  const port = await w.server(t);
  const seen = nodeHttpRequests(t);
  const socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  let received = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  const ask = async (request: string) => {
    const n = splitResponses(received, () => false).length + 1;
    socket.write(request);
    for (let i = 0; i < 300 && splitResponses(received, () => false).length < n; i++) await new Promise((r) => setTimeout(r, 10));
    const response = splitResponses(received, () => false)[n - 1];
    assert.ok(response, `no answer to ${request.split('\r\n')[0] ?? ''}`);
    return response;
  };
  // Nothing is kept by this new server: each of these is a first read of its file.
  assert.match((await ask(rawRequest('/site/'))).body.toString(), /marker v1/);
  assert.equal((await ask(rawRequest('/site/static/app.1a2b3c4d.js'))).body.toString(), JS);
  const missing = await ask(rawRequest('/site/missing'));
  assert.equal(missing.status, 404);
  assert.equal(missing.body.toString(), SITE['404.html']);
  await w.sites.set('site', { version: '2.0.0', domains: ['site.example.com'] });
  assert.match((await ask(rawRequest('/site/'))).body.toString(), /marker v2/, 'the deploy is seen by the next request');
  assert.equal(seen.count, 0, 'node:http never got the connection');
  // What is never kept (a redirect) still goes to node:http, and the connection with it.
  const redirect = await ask(rawRequest('/site'));
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.location, '/site/');
  assert.match((await ask(rawRequest('/site/'))).body.toString(), /marker v2/);
  assert.equal(seen.count, 2);
});

test('a client that ends its side right after its first request still gets the answer', async (t) => {
  const w = await world(t);
  const port = await w.server(t);
  const socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.end(rawRequest('/site/static/small.css'));
  await closed;
  const [response] = splitResponses(Buffer.concat(chunks), () => false);
  assert.equal(response?.status, 200);
  assert.equal(response?.body.toString(), SITE['static/small.css']);
});

test('a client that pipelines many large requests and reads slowly gets every answer whole', async (t) => {
  const w = await world(t);
  const port = await w.server(t);
  await one(port, rawRequest('/site/static/app.1a2b3c4d.js'));
  const count = 300;
  const socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  socket.pause();
  socket.write(rawRequest('/site/static/app.1a2b3c4d.js').repeat(count));
  await new Promise((r) => setTimeout(r, 300));
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.resume();
  let responses: RawResponse[] = [];
  for (let i = 0; i < 500 && responses.length < count; i++) {
    await new Promise((r) => setTimeout(r, 20));
    responses = splitResponses(Buffer.concat(chunks), () => false);
  }
  assert.equal(responses.length, count);
  assert.ok(responses.every((r) => r.status === 200 && r.body.toString() === JS));
});

test('answers from the fast path are counted for /metrics like the others', async (t) => {
  const w = await world(t);
  const port = await w.server(t);
  for (let i = 0; i < 5; i++) await one(port, rawRequest('/site/'));
  await one(port, rawRequest('/site/gone'));
  await one(port, rawRequest('/site/gone'));
  const text = await w.metrics.text();
  assert.match(text, /opus_http_requests_total\{kind="site",status="200"\} 5\n/);
  assert.match(text, /opus_http_requests_total\{kind="site",status="404"\} 2\n/);
});
