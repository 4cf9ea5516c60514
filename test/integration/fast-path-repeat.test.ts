// The fast path sends a connection's last answer again when the same request bytes come again
// (src/server/fast-path/repeated-head.ts). On one kept-alive connection, a request repeated across
// every change an answer rests on must get what node:http alone answers at that moment, byte for
// byte (Date aside): never a stale answer, never another host's, never another method's.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import bcrypt from 'bcryptjs';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import type { SiteOptions } from '../../src/domain/desired-state.js';
import type { OpusServer } from '../../src/server/opus-server.js';
import { SiteTable } from '../../src/services/site-table.js';
import { exchange, rawRequest, splitResponses, type RawResponse } from '../support/raw-http.js';
import { tempDir, writeFiles } from '../support/fixtures.js';
import { nodeHttpRequests, opusAndNodeAlone } from '../support/fast-path-servers.js';
import { siteOptions } from '../support/site-server.js';

const page = (marker: string) => `<!doctype html><title>${marker}</title>${`<p>marker ${marker}</p>`.repeat(80)}`;
const JS = `export const app = ${JSON.stringify('repeat '.repeat(5_000))};\n`;

interface World {
  sites: SiteTable;
  opus: OpusServer;
  opusPort: number;
  /** node:http alone over the same sites: what the answer must be right now. */
  reference(request: string, head?: boolean): Promise<string>;
  /** Asks Opus once on a connection of its own, so the answer is kept and a kept-alive connection stays on the fast path. */
  prime(request: string, head?: boolean): Promise<void>;
}

async function world(t: TestContext): Promise<World> {
  const dir = await tempDir(t, 'opus-fast-repeat-');
  const store = new FsArtifactStore(join(dir, 'artifacts'));
  const sites = new SiteTable(store);
  await sites.load();
  for (const marker of ['v1', 'v2']) {
    const staging = await store.createStaging('site', `${marker.slice(1)}.0.0`);
    await writeFiles(staging.dir, { 'index.html': page(marker), 'static/app.1a2b3c4d.js': JS, _headers: `/*\n  X-From-File: ${marker}\n` });
    await staging.publish();
  }
  await sites.set('site', { version: '1.0.0', domains: ['site.example.com'], site: siteOptions() });
  const other = await store.createStaging('other', '1.0.0');
  await writeFiles(other.dir, { 'index.html': page('other') });
  await other.publish();
  await sites.set('other', { version: '1.0.0', domains: ['other.example.com'], site: siteOptions() });
  process.env.OPUS_REPEAT_HASH = bcrypt.hashSync('s3cret', 4);
  const { opus, opusPort, alonePort } = await opusAndNodeAlone(t, store, sites);
  return {
    sites,
    opus,
    opusPort,
    async reference(request, head = false) {
      const { responses } = await exchange(alonePort, [request], { expect: 1, bodiless: () => head });
      return shown(responses[0]);
    },
    async prime(request, head = false) {
      await exchange(opusPort, [request], { expect: 1, bodiless: () => head });
    },
  };
}

const shown = (r: RawResponse | undefined) => (r ? `${r.headWithoutDate}\r\n\r\n${r.body.toString('latin1')}` : 'no answer');

/** One kept-alive connection; `ask` writes bytes and waits for the answers they bring. */
function keptAlive(t: TestContext, port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  let received = Buffer.alloc(0);
  const heads: boolean[] = [];
  socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  return {
    async ask(bytes: string, answers = 1, head = false): Promise<RawResponse[]> {
      const before = heads.length;
      for (let i = 0; i < answers; i++) heads.push(head);
      socket.write(bytes);
      let all: RawResponse[] = [];
      for (let i = 0; i < 300 && all.length < heads.length; i++) {
        await new Promise((r) => setTimeout(r, 5));
        all = splitResponses(received, (n) => heads[n] ?? false);
      }
      assert.equal(all.length, heads.length, `no answer to ${JSON.stringify(bytes)}`);
      return all.slice(before);
    },
  };
}

test('a request repeated on one connection gets the answer of the moment across a switch, _headers, basic auth, a new domain and back', async (t) => {
  const w = await world(t);
  let client = keptAlive(t, w.opusPort);
  const request = rawRequest('/', { Host: 'site.example.com' });
  const parsed = nodeHttpRequests(t);
  /** Three times on the kept-alive connection; `fromMemory`: the answer is kept (asked once on another connection), so node:http must not see them. */
  const settle = async (what: string, fromMemory: boolean) => {
    const expected = await w.reference(request);
    if (fromMemory) await w.prime(request);
    const before = parsed.count;
    for (let i = 0; i < 3; i++) assert.equal(shown((await client.ask(request))[0]), expected, `${what}, answer ${i + 1}`);
    if (fromMemory) assert.equal(parsed.count, before, `${what}: node:http parsed the repeats, the fast path did not answer them`);
    return expected;
  };
  const v1 = await settle('v1 live', true);
  assert.match(v1, /marker v1/);
  assert.match(v1, /X-From-File: v1/);
  await w.sites.set('site', { version: '2.0.0', domains: ['site.example.com'], site: siteOptions() });
  const v2 = await settle('switched to v2', true);
  assert.match(v2, /marker v2/);
  assert.match(v2, /X-From-File: v2/);
  const rules: SiteOptions = siteOptions({ headers: [{ for: '/*', values: { 'X-From-Config': 'yes' } }] });
  await w.sites.set('site', { version: '2.0.0', domains: ['site.example.com'], site: rules });
  assert.match(await settle('a header rule added', true), /X-From-Config: yes/);
  await w.sites.set('site', { version: '1.0.0', domains: ['site.example.com'], site: siteOptions() });
  assert.equal(await settle('back to v1', true), v1);
  // Nothing is kept for these: the connection goes to node:http, which must answer as if alone.
  await w.sites.set('site', { version: '1.0.0', domains: ['site.example.com'], site: siteOptions({ auth: { username: 'team', passwordHash: { env: 'OPUS_REPEAT_HASH' } } }) });
  assert.match(await settle('basic auth on', false), /^HTTP\/1\.1 401/);
  client = keptAlive(t, w.opusPort);
  await w.sites.set('site', { version: '1.0.0', domains: ['site.example.com'], site: siteOptions() });
  assert.equal(await settle('auth off again', true), v1);
  await w.sites.set('site', { version: '1.0.0', domains: ['www.example.com'], site: siteOptions() });
  assert.doesNotMatch(await settle('the domain moved away', false), /marker v1/);
});

test('HEAD and GET, two hosts, and pipelined repeats on one connection each get their own answer', async (t) => {
  const w = await world(t);
  const client = keptAlive(t, w.opusPort);
  const get = rawRequest('/', { Host: 'site.example.com' });
  const head = rawRequest('/', { Host: 'site.example.com' }, 'HEAD');
  const other = rawRequest('/', { Host: 'other.example.com' });
  const js = rawRequest('/static/app.1a2b3c4d.js', { Host: 'site.example.com', 'Accept-Encoding': 'gzip, br' });
  const expected = { get: await w.reference(get), head: await w.reference(head, true), other: await w.reference(other), js: await w.reference(js) };
  for (const request of [get, other, js]) await w.prime(request);
  await w.prime(head, true);
  const parsed = nodeHttpRequests(t);
  assert.match(expected.other, /marker other/);
  for (let round = 0; round < 3; round++) {
    assert.equal(shown((await client.ask(get))[0]), expected.get, `GET, round ${round}`);
    assert.equal(shown((await client.ask(get))[0]), expected.get, `GET again, round ${round}`);
    assert.equal(shown((await client.ask(head, 1, true))[0]), expected.head, `HEAD after GET, round ${round}`);
    assert.equal(shown((await client.ask(other))[0]), expected.other, `another host, round ${round}`);
    assert.equal(shown((await client.ask(js))[0]), expected.js, `a large body in br, round ${round}`);
    assert.equal(shown((await client.ask(js))[0]), expected.js, `a large body in br again, round ${round}`);
  }
  // The same head twice in one read, then three times with another host's in the middle, then alone.
  assert.deepEqual((await client.ask(get + get, 2)).map(shown), [expected.get, expected.get]);
  assert.deepEqual((await client.ask(get + other + get, 3)).map(shown), [expected.get, expected.other, expected.get]);
  assert.equal(shown((await client.ask(get))[0]), expected.get);
  assert.equal(parsed.count, 0, 'all of them kept: node:http saw none');
});

test('a repeated answer carries the Date of the second it is sent in, and Connection: close once the server drains', async (t) => {
  const w = await world(t);
  const client = keptAlive(t, w.opusPort);
  const request = rawRequest('/', { Host: 'site.example.com' });
  const dateOf = (r: RawResponse | undefined) => r?.headers.date ?? '';
  await w.prime(request);
  const parsed = nodeHttpRequests(t);
  await client.ask(request);
  await client.ask(request);
  const first = dateOf((await client.ask(request))[0]);
  await new Promise((r) => setTimeout(r, 1100));
  const [later] = await client.ask(request);
  const now = new Date().toUTCString();
  assert.notEqual(dateOf(later), first, 'a Date from an earlier second');
  assert.ok([now, new Date(Date.now() - 1000).toUTCString()].includes(dateOf(later)), `Date ${dateOf(later)} at ${now}`);
  const closing = w.opus.close(2_000, 500);
  await new Promise((r) => setTimeout(r, 50));
  const [drained] = await client.ask(request);
  assert.equal(drained?.headers.connection, 'close');
  assert.match(drained?.body.toString() ?? '', /marker v1/);
  assert.equal(parsed.count, 0, 'all of them answered by the fast path');
  await closing;
});
