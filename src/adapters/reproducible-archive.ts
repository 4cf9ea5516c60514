// A version's tar.gz, the same bytes for the same output whichever store, directory or clock made
// it: only its regular files (a confined output has no other kind), sorted, each with mode 0644,
// mtime 0, no owner, no hard-link entries; gzip at a fixed level with a portable header (no name,
// mtime 0, OS byte 255).
import { Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import * as tar from 'tar';

const EPOCH = new Date(0);

/** Writes the archive of every regular file under `dir` to `file`. */
export async function writeReproducibleArchive(dir: string, file: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  await tar.c({ file, cwd: dir, gzip: { level: 9 }, portable: true, mtime: EPOCH, noDirRecurse: true, filter: fixMetadata }, files);
}

/** Pack reads the stat it caches, so what is fixed here is what the headers say. */
function fixMetadata(_path: string, stat: Stats | tar.ReadEntry): boolean {
  if (!(stat instanceof Stats)) return true;
  stat.mode = (stat.mode & ~0o7777) | 0o644;
  stat.mtime = EPOCH;
  // Two paths of one content (the content store links them) are two files, not a link entry.
  stat.nlink = 1;
  return true;
}
