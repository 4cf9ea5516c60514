// The watch on a config repo on this machine, against real git: a commit is noticed at once on a
// branch with a slash in its name (the config repo checked out on release/prod, a feature/x
// branch pushed for a preview), including a branch folder made after the watch began, and one
// made again after git removed it; a commit on main still is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { watchConfigRepo } from '../../src/runtime/config-repo-watch.js';
import { silentLogger } from '../../src/services/logger.js';
import { gitSync, tempDir, writeFiles } from '../support/fixtures.js';

async function repo(t: { after(fn: () => unknown): void }): Promise<string> {
  const dir = await tempDir(t, 'opus-watch-');
  gitSync(dir, 'init', '-q', '-b', 'main');
  await writeFiles(dir, { 'opus.yaml': 'sync: { interval: 1h }\n' });
  gitSync(dir, 'add', '-A');
  gitSync(dir, 'commit', '-qm', 'first');
  return dir;
}

/** Resolves with how long it took for the watch to report, after `act`; rejects after 3 s. */
async function noticed(dir: string, act: () => Promise<void> | void): Promise<number> {
  let resolve: () => void = () => undefined;
  const seen = new Promise<void>((r) => (resolve = r));
  const watch = await watchConfigRepo(dir, () => resolve(), silentLogger);
  assert.ok(watch, 'a git repo on this machine is watched');
  try {
    await new Promise((r) => setTimeout(r, 300)); // events of the set-up itself are past
    const start = Date.now();
    await act();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([seen, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('the commit was not noticed within 3 s')), 3_000)))]);
    clearTimeout(timer);
    return Date.now() - start;
  } finally {
    watch.close();
  }
}

const commit = async (dir: string, message: string) => {
  await writeFiles(dir, { [`projects/${message.replace(/\W/g, '-')}.yaml`]: 'x: 1\n' });
  gitSync(dir, 'add', '-A');
  gitSync(dir, 'commit', '-qm', message);
};

test('a commit on main is noticed at once', async (t) => {
  const dir = await repo(t);
  assert.ok((await noticed(dir, () => commit(dir, 'on main'))) < 3_000);
});

test('a config repo checked out on a branch with slashes (release/2026/prod): its commits are noticed at once', async (t) => {
  const dir = await repo(t);
  gitSync(dir, 'checkout', '-q', '-b', 'release/2026/prod');
  await noticed(dir, () => commit(dir, 'on release'));
});

test('a feature/x branch made after the watch began, then a commit on it, are each noticed at once', async (t) => {
  const dir = await repo(t);
  await noticed(dir, () => void gitSync(dir, 'branch', 'feature/x'));
  gitSync(dir, 'checkout', '-q', 'feature/x');
  await noticed(dir, () => commit(dir, 'on feature'));
  // A push from elsewhere updates the ref without a checkout.
  const other = await tempDir(t, 'opus-watch-clone-');
  gitSync(other, 'clone', '-q', dir, '.');
  gitSync(other, 'checkout', '-q', '-b', 'feature/y', 'origin/main');
  await commit(other, 'pushed');
  await noticed(dir, () => void gitSync(other, 'push', '-q', 'origin', 'feature/y'));
});

test('a branch folder git removed and that comes back is watched again', async (t) => {
  const dir = await repo(t);
  gitSync(dir, 'branch', 'team/a');
  let resolve: () => void = () => undefined;
  let calls = 0;
  const watch = await watchConfigRepo(dir, () => (calls++, resolve()), silentLogger);
  assert.ok(watch);
  t.after(() => watch.close());
  const next = () => new Promise<void>((r, reject) => {
    resolve = r;
    setTimeout(() => reject(new Error(`not noticed within 3 s (after ${calls} notices)`)), 3_000).unref();
  });
  let seen = next();
  gitSync(dir, 'branch', '-D', 'team/a'); // git removes the empty refs/heads/team folder
  await seen;
  await new Promise((r) => setTimeout(r, 300));
  seen = next();
  gitSync(dir, 'branch', 'team/b');
  await seen;
  gitSync(dir, 'checkout', '-q', 'team/b');
  await new Promise((r) => setTimeout(r, 500)); // the checkout's own notice is past
  seen = next();
  await commit(dir, 'on team b'); // rewrites refs/heads/team/b only
  await seen;
});
