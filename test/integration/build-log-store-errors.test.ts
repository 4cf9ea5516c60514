// Following a running build's log (SSE) while its record cannot be read (a half-written record
// file): the follower gets an error answer at once, not a 200 stream that never ends, and the
// places for followers (100 at once) are not used up by such failures.
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import Router from '@koa/router';
import Koa from 'koa';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { readDesiredState } from '../../src/domain/desired-state.js';
import { buildLogRoute } from '../../src/server/api/build-log.js';
import { BuildQueue } from '../../src/services/build-queue.js';
import { BuildScheduler } from '../../src/services/build-scheduler.js';
import { silentLogger } from '../../src/services/logger.js';
import { tempDir } from '../support/fixtures.js';

test('a log follower of a build whose record is unreadable gets a 500 at once, and 101 such failures leave room for the next follower', { timeout: 60_000 }, async (t) => {
  const root = await tempDir(t, 'opus-log-errors-');
  const store = new FsArtifactStore(root);
  const queue = new BuildQueue(1);
  const running = new Promise<void>((resolve) => t.after(() => resolve()));
  // A build that runs until the test ends.
  const scheduler = new BuildScheduler({ queue, builds: { build: () => running.then(() => ({}) as never) }, store, logger: silentLogger });
  t.after(() => queue.shutdown());
  const spec = readDesiredState({ path: 'opus.yaml', text: '' }, [{ path: 'projects/site.yaml', text: 'source: https://git.example/site.git\nbuild:\n  image: node:20\n  command: npm run build\n  output: dist\n' }]).projects[0];
  assert.ok(spec);
  scheduler.schedule(spec, '1.0.0', { trigger: 'api' });
  const record = await recordFile(root, '1.0.0.json');

  const app = new Koa();
  app.silent = true;
  const router = new Router();
  buildLogRoute(router, { store, scheduler }, (ctx) => ({ project: 'site', version: ctx.params.id ?? '' }));
  app.use(router.routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/builds/1.0.0/log`;

  const good = await readFile(record, 'utf8');
  await writeFile(record, good.slice(0, good.length / 2));
  for (let i = 0; i < 101; i += 1) {
    // Bounded: the follower that never gets an answer is the failure this test is about.
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    assert.equal(response.status, 500, `follower ${i + 1}`);
    await response.body?.cancel();
  }
  await writeFile(record, good);
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
  await response.body?.cancel();
});

async function recordFile(root: string, name: string): Promise<string> {
  for (;;) {
    const found = (await readdir(root, { recursive: true })).find((path) => path.endsWith(`builds/site/${name}`));
    if (found) return join(root, found);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
