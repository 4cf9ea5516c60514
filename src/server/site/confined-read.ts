// The one way the server opens anything of a version: the path must resolve (symlinks and all)
// inside the version directory, the last step is opened without following a link, and only a
// regular file no larger than the cap is read. Build output is hostile: a symlink chain to a host
// file, a FIFO or /dev/zero must read as "no such file", never as content.
import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';

export type ConfinedRead = { kind: 'file'; data: Buffer; real: string; mtimeMs: number } | { kind: 'too-large'; bytes: number };

/** A regular file of the version, opened: whoever gets it closes `handle`. */
export interface ConfinedFile {
  handle: FileHandle;
  real: string;
  size: number;
  mtimeMs: number;
}

const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** The file at `relative` under `root`, opened, or undefined when there is none that may be read. */
export async function openConfined(root: string, relative: string): Promise<ConfinedFile | undefined> {
  let real: string;
  try {
    const realRoot = await realpath(root);
    real = await realpath(join(root, relative));
    if (!real.startsWith(realRoot + sep)) return undefined;
  } catch {
    return undefined;
  }
  const handle = await open(real, FLAGS).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const info = await handle.stat();
    if (info.isFile()) return { handle, real, size: info.size, mtimeMs: info.mtimeMs };
  } catch {
    // Falls through to close.
  }
  await handle.close();
  return undefined;
}

/** The file at `relative` under `root`, read whole, or undefined when there is none that may be read. */
export async function readConfined(root: string, relative: string, maxBytes: number): Promise<ConfinedRead | undefined> {
  const opened = await openConfined(root, relative);
  if (!opened) return undefined;
  const { handle, real, size, mtimeMs } = opened;
  try {
    if (size > maxBytes) return { kind: 'too-large', bytes: size };
    return { kind: 'file', data: await readWhole(opened), real, mtimeMs };
  } finally {
    await handle.close();
  }
}

/** All of an opened file (a short read, if it shrank, is what is there). */
export async function readWhole({ handle, size }: ConfinedFile): Promise<Buffer> {
  const data = Buffer.alloc(size);
  let filled = 0;
  while (filled < data.length) {
    const { bytesRead } = await handle.read(data, filled, data.length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === data.length ? data : data.subarray(0, filled);
}
