// The data dir lock of `opus server`: held while a server runs, refused to a second one with who
// holds it, and free again at once when its holder stops, SIGKILL included (no stale lock to wait out).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { lockDataDir } from '../../src/runtime/data-dir-lock.js';
import { tempDir } from '../support/fixtures.js';

test('a held data dir is refused (through a symlink too) with the holder\'s pid and URL; released, it locks again', async (t) => {
  const dir = await tempDir(t);
  const lock = await lockDataDir(join(dir, 'data'));
  lock.describe('http://127.0.0.1:8080');
  await symlink(join(dir, 'data'), join(dir, 'link'));
  await assert.rejects(lockDataDir(join(dir, 'link')), (error: Error) => {
    assert.match(error.message, new RegExp(`already uses the data dir ${join(dir, 'data')} \\(pid ${process.pid}, http://127\\.0\\.0\\.1:8080\\)`));
    return true;
  });
  await lock.release();
  const again = await lockDataDir(join(dir, 'data'));
  await again.release();
});

test('a holder killed with SIGKILL leaves nothing that blocks the next start', async (t) => {
  const dir = await tempDir(t);
  const module = new URL('../../src/runtime/data-dir-lock.js', import.meta.url).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', `const { lockDataDir } = await import(${JSON.stringify(module)}); await lockDataDir(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout, 'data');
  await assert.rejects(lockDataDir(dir), new RegExp(`pid ${child.pid}, still starting`));
  child.kill('SIGKILL');
  await once(child, 'exit');
  const lock = await lockDataDir(dir);
  await lock.release();
});
