// A newcomer runs a second `opus server` (or `npm start`) while one runs, on the same data dir and
// another port, as the port-in-use message used to suggest. It must be refused before it touches
// anything: its start alone would remove the running server's build containers and checkouts, and
// two sync loops would build into and prune one artifact tree. Real server, real Docker build.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, opus } from '../support/fixtures.js';
import { startOpusWorld, type OpusWorld } from '../support/opus-world.js';

// Long enough for the second server to start (and, before the lock, to remove this container).
const SLOW = 'sleep 12; mkdir -p dist && cp -r public/. dist/';

let w: OpusWorld;

before(async () => {
  w = await startOpusWorld({ slow: { versions: { '1.0.0': { 'public/index.html': 'slow 1.0.0\n' } }, command: SLOW } });
  await w.settle((list) => list.some((p) => p.name === 'slow'));
});

after(async () => {
  await w?.close();
});

const build = async () => (await (await w.api('/api/v1/builds/slow%401.0.0')).json()) as { status: string; error?: string };

test('a second server on the same data dir is refused, naming the one that runs; that one\'s build goes on', { timeout: 120_000 }, async () => {
  assert.equal((await w.api('/api/v1/projects/slow/builds', { method: 'POST', body: JSON.stringify({ version: '1.0.0' }), headers: { 'Content-Type': 'application/json' } })).status, 202);
  await eventually(async () => ((await build()).status === 'running' ? true : undefined), 30_000, 'the build to run');

  const second = await opus(['server', '--data-dir', w.dataDir, '--config', w.configDir, '--host', '127.0.0.1', '--port', '0']);
  assert.equal(second.code, 2, second.stderr);
  assert.match(second.stderr, /another opus server already uses the data dir/);
  assert.ok(second.stderr.includes(`pid ${process.pid}, ${w.url}`), second.stderr);
  assert.match(second.stderr, /--data-dir <dir>/, 'says how to run a second one');
  assert.doesNotMatch(second.stderr, /EADDRINUSE|at Server/);

  const done = await eventually(async () => {
    const b = await build();
    return b.status === 'running' || b.status === 'queued' ? undefined : b;
  }, 60_000, 'the build to end');
  assert.equal(done.status, 'succeeded', done.error);
  const artifacts = (await (await w.api('/api/v1/projects/slow/artifacts')).json()) as { artifacts: { version: string }[] };
  assert.deepEqual(artifacts.artifacts.map((a) => a.version), ['1.0.0'], 'the version is published whole');
});
