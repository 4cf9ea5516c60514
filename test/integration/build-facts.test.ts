// Every fact of a build survives a kill after its publish: the record holds the commit, files,
// bytes and build time before the version is published, and a restart that finds the version
// published but the record still running closes it with those facts and says build.succeeded.
// Real git, a real Docker build, the real store on disk.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { GitConfigSource } from '../../src/adapters/git/git-config-source.js';
import type { OpusEvent } from '../../src/domain/events.js';
import { HandedOver } from '../../src/domain/build-record.js';
import type { BuildRecord } from '../../src/ports/artifact-store.js';
import { BuildQueue } from '../../src/services/build-queue.js';
import { silentLogger } from '../../src/services/logger.js';
import { localSync } from '../support/local-sync.js';
import { syncWiring } from '../support/sync-wiring.js';
import { TriggerService } from '../../src/services/trigger-service.js';

const project = (source: string, command: string) => `source: ${JSON.stringify(source)}\ndeploy: "1.0.0"\nbuild:\n  image: node:20\n  command: ${JSON.stringify(command)}\n  output: dist\n`;

test('the record holds every fact before the publish; a restart closes a published build with them and emits build.succeeded', { timeout: 120_000 }, async (t) => {
  const { store, sync, scheduler, sources, queue } = await localSync(t, { '1.0.0': { 'public/index.html': 'one\n', 'public/a.js': 'a\n' } }, (source) => ({ 'opus.yaml': 'sync:\n  interval: 1h\n', 'projects/site.yaml': project(source, 'sleep 1 && mkdir -p dist && cp -r public/. dist/') }));
  const recordFile = join(store.root, '.opus', 'builds', 'site', '1.0.0.json');

  // The record as it is the moment the version appears (a kill right after the publish leaves this).
  let atPublish: BuildRecord | undefined;
  const watching = (async () => {
    while (!existsSync(store.versionDir('site', '1.0.0'))) await new Promise((r) => setTimeout(r, 2));
    atPublish = JSON.parse(await readFile(recordFile, 'utf8')) as BuildRecord;
  })();
  await sync.sync();
  await queue.idle();
  await watching;
  const final = JSON.parse(await readFile(recordFile, 'utf8')) as BuildRecord;
  assert.equal(final.status, 'succeeded');
  assert.ok(atPublish?.commit && atPublish.commit === final.commit, 'the commit was on record when the version appeared');
  assert.deepEqual([atPublish?.files, atPublish?.bytes], [2, 6]);
  assert.ok((atPublish?.durationMs ?? 0) >= 1000, 'and the build time');

  // What a kill between the publish and the final record leaves: the version, and the record still running with its facts.
  const { finishedAt: _f, ...checkpoint } = final;
  await store.writeBuild({ ...checkpoint, status: 'running', durationMs: atPublish?.durationMs ?? 0 });
  const events: Omit<OpusEvent, 'at'>[] = [];
  const triggers = new TriggerService({ sync, sources, store, scheduler, logger: silentLogger, events: { emit: (e) => void events.push(e) } });
  assert.deepEqual(await triggers.resume(), [], 'nothing is built again');
  const closed = JSON.parse(await readFile(recordFile, 'utf8')) as BuildRecord;
  assert.equal(closed.status, 'succeeded');
  assert.deepEqual([closed.commit, closed.files, closed.bytes, closed.durationMs], [final.commit, 2, 6, atPublish?.durationMs]);
  assert.ok(closed.finishedAt);
  assert.deepEqual(events.map((e) => [e.event, e.project, e.version, e.commit]), [['build.succeeded', 'site', '1.0.0', final.commit]]);
});

test('a build stopped because its replica lost the Lease is handed over: queued again, not cancelled, and the next leader runs it', { timeout: 120_000 }, async (t) => {
  const { dir, configDir, store, sites, sync, scheduler, sources, builds, events } = await localSync(t, { '1.0.0': { 'public/index.html': 'one\n' } }, (source) => ({ 'opus.yaml': 'sync:\n  interval: 1h\n', 'projects/site.yaml': project(source, 'sleep 30') }));
  await sync.sync();
  const recordFile = join(store.root, '.opus', 'builds', 'site', '1.0.0.json');
  const status = async () => (JSON.parse(await readFile(recordFile, 'utf8').catch(() => '{}')) as Partial<BuildRecord>).status;
  for (let i = 0; i < 600 && (await status()) !== 'running'; i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 1000));
  const stopped = Date.now();
  const record = await scheduler.cancel('site', '1.0.0', new HandedOver());
  assert.ok(Date.now() - stopped < 10_000, 'the build stopped at once');
  assert.equal(record?.status, 'queued');
  assert.equal(await status(), 'queued', 'left queued for the next leader');
  assert.deepEqual(events.filter((e) => e.event === 'build.cancelled' || e.event === 'build.failed'), [], 'no cancel, no failure announced');
  // The next leader: another process on the same store (a fresh queue and scheduler) runs it.
  const nextQueue = new BuildQueue(1);
  t.after(() => nextQueue.idle());
  const next = syncWiring({ config: new GitConfigSource(configDir, join(dir, 'state-next')), sources, store, builds, queue: nextQueue, sites, logger: silentLogger });
  await next.sync.sync();
  await new TriggerService({ sync: next.sync, sources, store, scheduler: next.scheduler, logger: silentLogger }).resume();
  assert.ok(next.scheduler.isActive('site', '1.0.0'), 'the next leader builds it');
  await next.scheduler.cancel('site', '1.0.0');
  await scheduler.cancel('site', '1.0.0');
});
