// BuildQueue: bounded concurrency, single flight per key, cancel, setLimit, idle; then the same
// queue in front of real builds (BuildService + DockerBuildRunner + FsArtifactStore).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import Docker from 'dockerode';
import * as tar from 'tar';
import { DockerBuildRunner } from '../../src/adapters/docker/docker-build-runner.js';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { GitSourceRepos } from '../../src/adapters/git/git-source-repos.js';
import { readDesiredState, type ProjectSpec } from '../../src/domain/desired-state.js';
import { FencedWrite } from '../../src/domain/fencing.js';
import type { BuildRecord } from '../../src/ports/artifact-store.js';
import { BuildQueue } from '../../src/services/build-queue.js';
import { BuildScheduler } from '../../src/services/build-scheduler.js';
import { BuildService } from '../../src/services/build-service.js';
import { silentLogger, type Logger } from '../../src/services/logger.js';
import { makeSourceRepo, tempDir } from '../support/fixtures.js';
import { unhandledRejections } from '../support/unhandled-rejections.js';

const SHARED_CSS = `body { margin: 0; font-family: sans-serif; }\n${'.unused { color: red; }\n'.repeat(50)}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A promise with its resolve and reject, to hold a task open until the test lets it go. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Lets queued promise callbacks run. */
const tick = () => sleep(10);

test('never more than `limit` tasks run at once, and every task runs', async () => {
  const queue = new BuildQueue(2);
  let active = 0;
  let maxActive = 0;
  const ran: string[] = [];
  const results = Array.from({ length: 10 }, (_, i) =>
    queue.enqueue(`site@1.0.${i}`, async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      assert.ok(queue.runningKeys().length <= 2);
      await sleep(20 + (i % 3) * 15);
      ran.push(`1.0.${i}`);
      active -= 1;
    }),
  );
  assert.equal(queue.runningKeys().length, 2);
  assert.equal(queue.queuedKeys().length, 8);
  await Promise.all(results);
  assert.equal(maxActive, 2);
  assert.deepEqual([...ran].sort(), Array.from({ length: 10 }, (_, i) => `1.0.${i}`).sort());
  assert.deepEqual(queue.keys(), new Set());
});

test('the same key enqueued while queued or running runs once, and every caller gets its result', async () => {
  const queue = new BuildQueue(1);
  const blocker = deferred();
  const blocking = queue.enqueue('other@1.0.0', () => blocker.promise);

  // Queued: three callers ask for site@1.0.0; one task runs and all three see its failure.
  let runs = 0;
  const failure = new Error('build of site@1.0.0 failed');
  const first = queue.enqueue('site@1.0.0', async () => {
    runs += 1;
    throw failure;
  });
  const second = queue.enqueue('site@1.0.0', async () => {
    runs += 100;
  });
  assert.equal(second, first);
  assert.deepEqual(queue.queuedKeys(), ['site@1.0.0']);
  blocker.resolve();
  const third = queue.enqueue('site@1.0.0', async () => {
    runs += 100;
  });
  assert.equal(third, first);
  await blocking;
  for (const caller of [first, second, third]) await assert.rejects(caller, (error) => error === failure);
  assert.equal(runs, 1);

  // Running: a second caller while it runs shares the same outcome.
  const release = deferred();
  let runningRuns = 0;
  const a = queue.enqueue('site@1.1.0', async () => {
    runningRuns += 1;
    await release.promise;
  });
  await tick();
  assert.deepEqual(queue.runningKeys(), ['site@1.1.0']);
  const b = queue.enqueue('site@1.1.0', async () => {
    runningRuns += 1;
  });
  assert.equal(b, a);
  release.resolve();
  await Promise.all([a, b]);
  assert.equal(runningRuns, 1);

  // Once done, the key can run again (a retry is a new run).
  await queue.enqueue('site@1.1.0', async () => {
    runningRuns += 1;
  });
  assert.equal(runningRuns, 2);
});

test('cancelling a queued key rejects it at once and it never runs', async () => {
  const queue = new BuildQueue(1);
  const blocker = deferred();
  const blocking = queue.enqueue('site@1.0.0', () => blocker.promise);
  let ran = false;
  const queued = queue.enqueue('site@1.1.0', async () => {
    ran = true;
  });
  assert.equal(queue.cancel('site@1.1.0'), true);
  await assert.rejects(queued, /cancelled/);
  assert.deepEqual(queue.queuedKeys(), []);
  blocker.resolve();
  await blocking;
  await queue.idle();
  assert.equal(ran, false);
  assert.equal(queue.cancel('site@9.9.9'), false, 'cancelling an unknown key says so');
});

test('cancelling a running key aborts its signal', async () => {
  const queue = new BuildQueue(2);
  let seen: AbortSignal | undefined;
  const running = queue.enqueue('site@1.0.0', (signal) => {
    seen = signal;
    return new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('build aborted')), { once: true }));
  });
  await tick();
  assert.deepEqual(queue.runningKeys(), ['site@1.0.0']);
  assert.equal(seen?.aborted, false);
  assert.equal(queue.cancel('site@1.0.0'), true);
  assert.equal(seen?.aborted, true);
  await assert.rejects(running, /build aborted/);
  await queue.idle();
  assert.deepEqual(queue.keys(), new Set());
});

test('setLimit raises concurrency at once', async () => {
  const queue = new BuildQueue(1);
  const gates = Array.from({ length: 4 }, () => deferred());
  const all = gates.map((gate, i) => queue.enqueue(`site@1.0.${i}`, () => gate.promise));
  assert.equal(queue.runningKeys().length, 1);
  queue.setLimit(3);
  assert.deepEqual(queue.runningKeys(), ['site@1.0.0', 'site@1.0.1', 'site@1.0.2']);
  assert.deepEqual(queue.queuedKeys(), ['site@1.0.3']);
  for (const gate of gates) gate.resolve();
  await Promise.all(all);
});

test('idle() resolves only when everything queued, running and enqueued meanwhile is done', async () => {
  const queue = new BuildQueue(2);
  await queue.idle(); // an empty queue is idle at once
  const done: string[] = [];
  const task = (name: string, ms: number, fail = false) => async () => {
    await sleep(ms);
    done.push(name);
    if (fail) throw new Error(`${name} failed`);
  };
  queue.enqueue('a@1', task('a', 30)).catch(() => undefined);
  queue.enqueue('b@1', task('b', 10, true)).catch(() => undefined);
  queue.enqueue('c@1', async () => {
    await sleep(20);
    done.push('c');
    // A build that finishes and queues a follow-up, as a sync after a build does.
    queue.enqueue('d@1', task('d', 40)).catch(() => undefined);
  }).catch(() => undefined);
  await queue.idle();
  assert.deepEqual([...done].sort(), ['a', 'b', 'c', 'd']);
  assert.deepEqual(queue.keys(), new Set());
});

/** A scheduler over real build records on disk, whose writes are refused (as a fenced store refuses them) once `leaseGone` is set, and builds that run until aborted. */
async function schedulerLosingItsLease(t: { after(fn: () => unknown): void }, limit: number) {
  const records = new FsArtifactStore(await tempDir(t, 'opus-sched-'));
  const state = { leaseGone: false, storeDown: false, built: [] as string[], logged: [] as string[] };
  const logger: Logger = { info: (m) => void state.logged.push(m), warn: (m) => void state.logged.push(m), error: (m, f) => void state.logged.push(`${m}: ${String(f?.error)}`) };
  const store = {
    logs: records.logs,
    async readBuild(project: string, version: string) {
      if (state.storeDown) throw new Error('the store does not answer');
      return records.readBuild(project, version);
    },
    listBuilds: records.listBuilds.bind(records),
    async writeBuild(record: BuildRecord) {
      if (state.leaseGone) throw new FencedWrite(`this replica does not hold the sync Lease: it does not write the build record of ${record.project}@${record.version}`);
      await records.writeBuild(record);
    },
  };
  const builds = {
    async build(_spec: ProjectSpec, version: string, signal: AbortSignal): Promise<BuildRecord> {
      state.built.push(version);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      throw new Error('aborted');
    },
  };
  const queue = new BuildQueue(limit);
  const spec = readDesiredState({ path: 'opus.yaml', text: '' }, [{ path: 'projects/site.yaml', text: 'source: https://git.example/site.git\nbuild:\n  image: node:20\n  command: npm run build\n  output: dist\n' }]).projects[0];
  assert.ok(spec);
  return { queue, scheduler: new BuildScheduler({ queue, builds, store, logger }), spec, records, state };
}

test('a build asked for while the server stops is left to the next start: nothing is recorded, nothing runs', async (t) => {
  const { queue, scheduler, spec, records, state } = await schedulerLosingItsLease(t, 2);
  await queue.shutdown();
  const { done } = scheduler.schedule(spec, '1.0.0', { trigger: 'sync' });
  assert.equal((await done).status, 'queued');
  assert.equal(await records.readBuild('site', '1.0.0'), undefined);
  assert.deepEqual(state.built, []);
  assert.ok(state.logged.includes('build left to the next start: the server is stopping'), state.logged.join('\n'));
});

test('a queued build whose record the store refuses (the Lease went) and that shutdown drops is logged, never an unhandled rejection', async (t) => {
  const unhandled = unhandledRejections(t);
  const { queue, scheduler, spec, state } = await schedulerLosingItsLease(t, 1);
  const running = scheduler.schedule(spec, '1.0.0', { trigger: 'sync' });
  while (state.built.length === 0) await tick();
  state.leaseGone = true;
  scheduler.schedule(spec, '2.0.0', { trigger: 'sync' }); // waits behind 1.0.0; its queued record is refused
  await tick();
  await queue.shutdown();
  await running.done;
  await tick();
  assert.deepEqual(unhandled, []);
  assert.deepEqual(state.built, ['1.0.0']);
  assert.ok(state.logged.some((line) => line.startsWith('cannot record a queued build: ') && line.includes('does not write the build record of site@2.0.0')), state.logged.join('\n'));
});

test('a build cancelled while the store cannot be read settles as cancelled and is logged, never an unhandled rejection', async (t) => {
  const unhandled = unhandledRejections(t);
  const { queue, scheduler, spec, state } = await schedulerLosingItsLease(t, 1);
  const finished: string[] = [];
  scheduler.onFinished((record) => void finished.push(`${record.version} ${record.status}`));
  scheduler.schedule(spec, '1.0.0', { trigger: 'sync' });
  while (state.built.length === 0) await tick();
  const queued = scheduler.schedule(spec, '2.0.0', { trigger: 'api' }); // waits behind 1.0.0
  await tick();
  state.storeDown = true;
  void scheduler.cancel('site', '2.0.0');
  assert.equal((await queued.done).status, 'cancelled');
  await tick();
  assert.deepEqual(unhandled, []);
  assert.deepEqual(finished, ['2.0.0 cancelled']);
  assert.ok(state.logged.includes('cannot read a build record: the store does not answer'), state.logged.join('\n'));
  await queue.shutdown();
});

test('ten real Docker builds on a queue of limit 2: at most 2 containers at a time, all ten published', { timeout: 180_000 }, async (t) => {
  const dir = await tempDir(t, 'opus-queue-');
  const versions = Array.from({ length: 10 }, (_, i) => `1.${i}.0`);
  const source = await makeSourceRepo(
    join(dir, 'app'),
    // static/shared.css is the same in every version, as most files of a release are.
    Object.fromEntries(versions.map((v) => [v, { 'public/index.html': `<p>version ${v}</p>\n`, 'public/static/app.js': `console.log("${v}");\n`, 'public/static/shared.css': SHARED_CSS }])),
  );
  const project = `queue-test-${randomUUID().slice(0, 8)}`;
  const desired = readDesiredState({ path: 'opus.yaml', text: '' }, [
    { path: `projects/${project}.yaml`, text: `source: ${source}\nbuild:\n  image: node:20\n  command: sleep 1 && mkdir -p dist && cp -r public/. dist/\n  output: dist\n` },
  ]);
  assert.deepEqual(desired.problems, []);
  const spec = desired.projects[0];
  assert.ok(spec);

  const docker = new Docker();
  const label = { label: [`dev.opus.project=${project}`] };
  t.after(async () => {
    for (const c of await docker.listContainers({ all: true, filters: label })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  });
  const store = new FsArtifactStore(join(dir, 'artifacts'));
  const builds = new BuildService(store, new GitSourceRepos(), new DockerBuildRunner(docker), silentLogger);
  const queue = new BuildQueue(2);

  let polling = true;
  let maxRunning = 0;
  const poller = (async () => {
    while (polling) {
      const running = await docker.listContainers({ filters: { ...label, status: ['running'] } });
      maxRunning = Math.max(maxRunning, running.length);
      await sleep(100);
    }
  })();
  const started = Date.now();
  const records: BuildRecord[] = [];
  try {
    await Promise.all(versions.map((v) => queue.enqueue(`${project}@${v}`, async (signal) => void records.push(await builds.build(spec, v, signal)))));
  } finally {
    polling = false;
    await poller;
  }
  const elapsed = Date.now() - started;

  assert.deepEqual(
    records.map((r) => `${r.version} ${r.status}${r.error ? ` ${r.error}` : ''}`).sort(),
    versions.map((v) => `${v} succeeded`).sort(),
  );
  assert.ok(maxRunning <= 2, `saw ${maxRunning} build containers running at once`);
  assert.equal(maxRunning, 2, 'two builds did run side by side');
  assert.ok(elapsed >= 5_000, `ten 1 s builds, two at a time, took ${elapsed} ms`);
  for (const v of versions) {
    const versionDir = join(store.root, project, v);
    assert.equal(await readFile(join(versionDir, 'index.html'), 'utf8'), `<p>version ${v}</p>\n`);
    assert.equal(await readFile(join(versionDir, 'static', 'app.js'), 'utf8'), `console.log("${v}");\n`);
    assert.equal(await readFile(join(versionDir, 'static', 'shared.css'), 'utf8'), SHARED_CSS);
    const archive = await store.openArchive(project, v);
    assert.ok(archive, `${v} has an archive`);
    const entries: string[] = [];
    await pipeline(archive.stream, tar.t({ onReadEntry: (entry) => void entries.push(entry.path.replace(/^\.\//, '')) }));
    assert.ok(entries.includes('index.html') && entries.includes('static/app.js'), `archive of ${v} holds ${entries.join(', ')}`);
  }
  assert.deepEqual((await store.listBuilt(project)).map((b) => b.version).sort(), [...versions].sort());
  assert.deepEqual(await docker.listContainers({ all: true, filters: label }), [], 'no build container is left');
});
