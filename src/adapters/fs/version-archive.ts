// A version's tar.gz, made when it is asked for rather than stored beside the version: a stored
// archive holds every file of every version again, compressed, so it cannot be deduplicated and
// would cost far more disk than the versions themselves (see bench/storage).
//
// The archive is packed from a snapshot of hard links, not from the version directory itself: a
// rebuild renames a new directory into the version's place, and packing by path across that
// rename would mix the two builds. The snapshot also keeps the contents alive (link count > 1) if
// the version is removed while it is downloaded.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, lstat, mkdir, readdir, readlink, rm, stat, symlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar';

/** A snapshot older than this belongs to a process that died mid-download. */
const STALE_MS = 60 * 60 * 1000;
const ATTEMPTS = 3;

/**
 * A tar.gz stream of `dir` as it is at one moment, its snapshot made under `snapshots` and removed
 * when the stream ends or is destroyed; undefined when `dir` does not exist.
 */
export async function archiveOf(dir: string, snapshots: string): Promise<Readable | undefined> {
  await removeStale(snapshots);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const snapshot = join(snapshots, randomUUID());
    // ENOENT: the version was removed or replaced under the walk; anything else is a real failure.
    const whole = await takeSnapshot(dir, snapshot).catch(async (error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      await rm(snapshot, { recursive: true, force: true });
      throw error;
    });
    if (whole) return Readable.from(packThenRemove(snapshot), { objectMode: false });
    await rm(snapshot, { recursive: true, force: true });
    if (!existsSync(dir)) return undefined;
  }
  throw new Error(`${dir} kept changing while its archive was being made; try again`);
}

/** Links every entry of `dir` into `snapshot`; false when `dir` was swapped for another meanwhile. */
async function takeSnapshot(dir: string, snapshot: string): Promise<boolean> {
  const before = await stat(dir);
  const made = new Set<string>();
  const ensureDir = async (path: string) => {
    if (!made.has(path)) await mkdir(path, { recursive: true });
    made.add(path);
  };
  await ensureDir(snapshot);
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const from = join(entry.parentPath, entry.name);
    const to = join(snapshot, relative(dir, from));
    await ensureDir(entry.isDirectory() ? to : dirname(to));
    if (entry.isFile()) await link(from, to);
    else if (entry.isSymbolicLink()) await symlink(await readlink(from), to);
  }
  const after = await stat(dir);
  return after.ino === before.ino && after.dev === before.dev;
}

async function* packThenRemove(snapshot: string): AsyncGenerator<Buffer> {
  try {
    yield* tar.c({ gzip: true, cwd: snapshot, portable: true }, await readdir(snapshot));
  } finally {
    await rm(snapshot, { recursive: true, force: true });
  }
}

async function removeStale(snapshots: string): Promise<void> {
  const names = await readdir(snapshots).catch(() => []);
  for (const name of names) {
    const path = join(snapshots, name);
    const info = await lstat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > STALE_MS) await rm(path, { recursive: true, force: true });
  }
}

