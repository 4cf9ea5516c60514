// The one way the server opens anything of a version: the path must resolve (symlinks and all)
// inside the version directory, the last step is opened without following a link, and only a
// regular file no larger than the cap is read. Build output is hostile: a symlink chain to a host
// file, a FIFO or /dev/zero must read as "no such file", never as content.
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';

export type ConfinedRead = { kind: 'file'; data: Buffer; real: string; mtimeMs: number } | { kind: 'too-large'; bytes: number };

const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** The file at `relative` under `root`, or undefined when there is none that may be read. */
export async function readConfined(root: string, relative: string, maxBytes: number): Promise<ConfinedRead | undefined> {
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
    if (!info.isFile()) return undefined;
    if (info.size > maxBytes) return { kind: 'too-large', bytes: info.size };
    const data = Buffer.alloc(info.size);
    let filled = 0;
    while (filled < data.length) {
      const { bytesRead } = await handle.read(data, filled, data.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { kind: 'file', data: filled === data.length ? data : data.subarray(0, filled), real, mtimeMs: info.mtimeMs };
  } finally {
    await handle.close();
  }
}
