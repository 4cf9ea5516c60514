// extractOutput: what the tar of a build's output may put on the host. Entries that publishing
// would drop are refused at their header, and a limit stops the unpack before the bytes land.
import assert from 'node:assert/strict';
import { readdir, lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import * as tar from 'tar';
import { extractOutput } from '../../src/adapters/fs/output-extract.js';
import { DEFAULT_BUILD_LIMITS } from '../../src/domain/build-limits.js';
import { tempDir } from '../support/fixtures.js';

interface Entry {
  path: string;
  type: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'FIFO';
  linkpath?: string;
  body?: Buffer;
  /** The size the header states (a body may be left short: the unpack must stop before it). */
  size?: number;
}

/** A tar stream as a build's container could send it. */
function archive(entries: Entry[], trailing = true): Readable {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const header = Buffer.alloc(512);
    const size = e.size ?? e.body?.length ?? 0;
    new tar.Header({ path: e.path, type: e.type, mode: e.type === 'Directory' ? 0o755 : 0o644, size, mtime: new Date(), ...(e.linkpath ? { linkpath: e.linkpath } : {}) }).encode(header, 0);
    blocks.push(header);
    if (e.body) blocks.push(e.body, Buffer.alloc((512 - (e.body.length % 512)) % 512));
  }
  if (trailing) blocks.push(Buffer.alloc(1024));
  return Readable.from(blocks);
}

test('files, directories and links inside are unpacked; devices, FIFOs and links that leave are not, each with a note', async (t) => {
  const dir = await tempDir(t, 'opus-extract-');
  const notes: string[] = [];
  await extractOutput(
    archive([
      { path: 'dist/', type: 'Directory' },
      { path: 'dist/index.html', type: 'File', body: Buffer.from('<h1>hi</h1>') },
      { path: 'dist/a/', type: 'Directory' },
      { path: 'dist/a/link.html', type: 'SymbolicLink', linkpath: '../index.html' },
      { path: 'dist/_headers', type: 'SymbolicLink', linkpath: '../../../etc/passwd' },
      { path: 'dist/_redirects', type: 'SymbolicLink', linkpath: '/dev/zero' },
      { path: 'dist/hard.html', type: 'Link', linkpath: 'dist/index.html' },
      { path: 'dist/zero', type: 'CharacterDevice' },
      { path: 'dist/pipe', type: 'FIFO' },
    ]),
    dir,
    { strip: 1, limits: DEFAULT_BUILD_LIMITS, note: (line) => notes.push(line) },
  );
  assert.deepEqual((await readdir(dir, { recursive: true })).sort(), ['a', 'a/link.html', 'hard.html', 'index.html']);
  assert.equal(await readlink(join(dir, 'a/link.html')), '../index.html', 'publishing turns it into the file');
  assert.equal((await lstat(join(dir, 'hard.html'))).nlink, 2);
  assert.deepEqual(notes, [
    'opus: left out _headers: a link to ../../../etc/passwd, outside the output',
    'opus: left out _redirects: a link to /dev/zero, outside the output',
    'opus: left out zero: a device; only files and directories are published',
    'opus: left out pipe: a FIFO; only files and directories are published',
  ]);
});

test('a file over the size limit stops the unpack at its header: its bytes never reach the disk', async (t) => {
  const dir = await tempDir(t, 'opus-extract-');
  // The header says 100 MiB; the stream ends right after it, so the test would hang or fail if the unpack waited for the body.
  const stream = archive([{ path: 'dist/', type: 'Directory' }, { path: 'dist/ok.txt', type: 'File', body: Buffer.from('ok') }, { path: 'dist/huge.bin', type: 'File', size: 100 * 1024 ** 2 }], false);
  await assert.rejects(extractOutput(stream, dir, { strip: 1, limits: DEFAULT_BUILD_LIMITS, note: () => undefined }), /a file of the build output \(huge\.bin\) is larger than the limit/);
  assert.deepEqual((await readdir(dir)).sort(), ['ok.txt']);
});

test('too many entries or too many bytes stop the unpack with the limit that was crossed', async (t) => {
  const many = Array.from({ length: 20 }, (_, i) => ({ path: `dist/f${i}`, type: 'File' as const, body: Buffer.from('1234') }));
  await assert.rejects(extractOutput(archive([{ path: 'dist/', type: 'Directory' }, ...many]), await tempDir(t), { strip: 1, limits: { ...DEFAULT_BUILD_LIMITS, files: 10 }, note: () => undefined }), /more files and directories than the limit of 10 files/);
  const dir = await tempDir(t);
  await assert.rejects(extractOutput(archive([{ path: 'dist/', type: 'Directory' }, ...many]), dir, { strip: 1, limits: { ...DEFAULT_BUILD_LIMITS, outputBytes: 30 }, note: () => undefined }), /output is larger than the limit of 30 bytes/);
  assert.ok((await readdir(dir)).length <= 8, 'nothing after the limit was written');
});
