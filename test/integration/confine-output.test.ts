// confineOutput on a real filesystem: what an output holds after it is what may be published:
// regular files and directories, links inside turned into the files they end at, the rest dropped
// with a note, and limits counted by apparent size.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, readFile, readdir, symlink, truncate, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { confineOutput } from '../../src/adapters/fs/confine-output.js';
import { DEFAULT_BUILD_LIMITS } from '../../src/domain/build-limits.js';
import { tempDir, writeFiles } from '../support/fixtures.js';

/** Every entry under dir with its kind. */
async function kinds(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const info = await lstat(join(entry.parentPath, entry.name));
    out[relative(dir, join(entry.parentPath, entry.name))] = info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other';
  }
  return out;
}

test('links inside become their files; chains that leave, dangling, looping, device, /proc and directory links are dropped with a note', async (t) => {
  const base = await tempDir(t, 'opus-confine-');
  const out = join(base, 'out');
  await writeFile(join(base, 'host-secret.txt'), 'host secret');
  await writeFiles(out, { 'index.html': '<h1>hi</h1>', 'assets/app.js': 'js', 'sub/deep/page.html': 'deep' });
  await symlink('assets/app.js', join(out, 'alias.js')); // inside: kept as the file
  await symlink('alias.js', join(out, 'chain.js')); // chain inside: kept
  await symlink('../../index.html', join(out, 'sub/deep/up.html')); // inside via ..: kept
  await symlink('.', join(out, 'self')); // a directory link: dropped
  await symlink('self/../host-secret.txt', join(out, '_headers')); // a chain that leaves through a link to "."
  await symlink('self/index.html', join(out, 'via-self.html')); // through the dropped directory link, but to a file inside: kept
  await symlink('sub/deep/../../..', join(out, 'sub-up'));
  await symlink('sub-up/host-secret.txt', join(out, '_redirects')); // the chain leaves the output
  await symlink('/etc/passwd', join(out, 'passwd.html'));
  await symlink('/dev/zero', join(out, 'zero.txt'));
  await symlink('/proc/self/environ', join(out, 'environ.txt'));
  await symlink('missing.html', join(out, 'dangling.html'));
  await symlink('loop-b', join(out, 'loop-a'));
  await symlink('loop-a', join(out, 'loop-b'));
  execFileSync('mkfifo', [join(out, 'fifo')]);
  const socket = createServer().listen(join(out, 'sock'));
  await new Promise((resolve) => socket.once('listening', resolve));
  t.after(() => socket.close());

  const result = await confineOutput(out, DEFAULT_BUILD_LIMITS);
  assert.deepEqual(await kinds(out), {
    'index.html': 'file',
    assets: 'dir',
    'assets/app.js': 'file',
    sub: 'dir',
    'sub/deep': 'dir',
    'sub/deep/page.html': 'file',
    'sub/deep/up.html': 'file',
    'alias.js': 'file',
    'chain.js': 'file',
    'via-self.html': 'file',
  });
  assert.equal(await readFile(join(out, 'chain.js'), 'utf8'), 'js');
  assert.equal(await readFile(join(out, 'sub/deep/up.html'), 'utf8'), '<h1>hi</h1>');
  assert.equal(result.files, 7);
  assert.equal(result.bytes, '<h1>hi</h1>'.length * 3 + 'js'.length * 3 + 'deep'.length);
  const notes = result.notes.join('\n');
  for (const name of ['_headers', '_redirects', 'passwd.html', 'zero.txt', 'environ.txt', 'dangling.html', 'loop-a', 'loop-b', 'fifo', 'sock', 'self', 'sub-up']) {
    assert.match(notes, new RegExp(`dropped ${name.replace('.', '\\.')}:`), `a note for ${name}`);
  }
  assert.match(notes, /dropped _redirects: a link to sub-up\/host-secret\.txt, outside the output/);
  assert.match(notes, /dropped zero\.txt: a link to \/dev\/zero, outside the output/);
  assert.match(notes, /dropped fifo: a FIFO; only files and directories are published/);
  assert.match(notes, /dropped self: a link to \., a directory/);
});

test('a sparse file counts by its apparent size: 100 MiB of holes fail a 50 MiB file limit without being read', async (t) => {
  const out = join(await tempDir(t, 'opus-confine-'), 'out');
  await writeFiles(out, { 'index.html': 'x' });
  await truncate(join(out, 'index.html'), 0);
  await writeFile(join(out, 'sparse.bin'), '');
  await truncate(join(out, 'sparse.bin'), 100 * 1024 ** 2);
  await assert.rejects(confineOutput(out, DEFAULT_BUILD_LIMITS), /a file of the build output \(sparse\.bin\) is larger than the limit of 52428800 bytes \(50\.0 MiB\) \(it reached 104857600 bytes.*raise build\.limits\.file/);
});

test('a link to a file counts against the limits like the file it becomes', async (t) => {
  const out = join(await tempDir(t, 'opus-confine-'), 'out');
  await writeFiles(out, { 'a.bin': Buffer.alloc(600) });
  for (let i = 0; i < 3; i += 1) await symlink('a.bin', join(out, `copy-${i}.bin`));
  await assert.rejects(confineOutput(out, { ...DEFAULT_BUILD_LIMITS, outputBytes: 2000 }), /output is larger than the limit of 2000 bytes/);
  const many = join(await tempDir(t, 'opus-confine-'), 'out');
  await mkdir(many, { recursive: true });
  for (let i = 0; i < 12; i += 1) await writeFile(join(many, `f${i}`), '');
  await assert.rejects(confineOutput(many, { ...DEFAULT_BUILD_LIMITS, files: 10 }), /more files and directories than the limit of 10 files/);
  const links = join(await tempDir(t, 'opus-confine-'), 'out');
  await writeFiles(links, { 'index.html': 'x' });
  for (let i = 0; i < 30; i += 1) await symlink('/dev/null', join(links, `null-${i}`));
  await assert.rejects(confineOutput(links, { ...DEFAULT_BUILD_LIMITS, files: 20 }), /more files and directories than the limit of 20 files/, 'what is dropped counts too');
});
