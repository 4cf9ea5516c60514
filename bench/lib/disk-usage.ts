// Disk used, the way `du` counts it: allocated blocks (st_blocks × 512), directories included,
// symlinks not followed, and every inode once however many hard links reach it (dev + ino).
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface Usage {
  /** Allocated bytes. */
  bytes: number;
  /** Sum of file sizes (what `du --apparent-size` counts), same inodes. */
  apparent: number;
  inodes: number;
  /** Allocated bytes by category. */
  by: Record<string, number>;
}

/** Classifies a path for the breakdown; `isDir` for directories. */
export type Categorize = (path: string, isDir: boolean) => string;

/**
 * Walks `roots` together: an inode reached from two roots (a hard link in a version directory and
 * its content in the store) counts once. Pass the same `seen` to several calls to count only new inodes.
 */
export async function diskUsage(roots: string[], categorize: Categorize = (_, isDir) => (isDir ? 'directories' : 'files'), seen = new Set<string>()): Promise<Usage> {
  const usage: Usage = { bytes: 0, apparent: 0, inodes: 0, by: {} };
  const visit = async (path: string): Promise<void> => {
    const info = await lstat(path);
    const id = `${info.dev}:${info.ino}`;
    if (!seen.has(id)) {
      seen.add(id);
      const bytes = info.blocks * 512;
      usage.bytes += bytes;
      usage.apparent += info.isDirectory() ? 0 : info.size;
      usage.inodes += 1;
      const category = categorize(path, info.isDirectory());
      usage.by[category] = (usage.by[category] ?? 0) + bytes;
    }
    if (info.isDirectory()) for (const name of await readdir(path)) await visit(join(path, name));
  };
  for (const root of roots) await visit(root);
  return usage;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(2)} MiB`;
}
