// Watches a git dir's branch refs: HEAD and packed-refs in the git dir, and refs/heads with every
// directory below it, since a branch with a slash in its name (feature/x, release/2026/q4) is a
// file in a subdirectory. Plain (non-recursive) inotify watches, one per directory, added as
// directories appear: node's recursive watch on Linux is emulated and was seen to miss a rename.
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../domain/errors.js';
import type { Logger } from '../services/logger.js';

export interface RefTreeWatch {
  close(): void;
}

export function watchRefTree(gitDir: string, changed: () => void, logger: Logger): RefTreeWatch {
  const watchers = new Map<string, FSWatcher>();
  const heads = join(gitDir, 'refs', 'heads');

  const forget = (dir: string) => {
    for (const [path, watcher] of watchers) {
      if (path === dir || path.startsWith(`${dir}/`)) {
        watcher.close();
        watchers.delete(path);
      }
    }
  };

  // An entry of a watched folder came, went or was replaced: a folder (made again, maybe) is watched
  // afresh, since a watch on a removed folder hears nothing more.
  const renewed = (path: string) => {
    forget(path);
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) add(path);
  };

  // Watches dir and the directories below it that are not watched yet (a new branch folder, or one
  // made again after git pruned it).
  const add = (dir: string) => {
    if (!watchers.has(dir)) {
      try {
        const watcher = watch(dir, { persistent: false }, (_event, name) => {
          if (dir === gitDir && name !== 'packed-refs' && name !== 'HEAD') return;
          if (dir !== gitDir && name) renewed(join(dir, name.toString()));
          changed();
        });
        // A folder git removed (its last branch deleted or packed): stop watching it; it is added again if it comes back.
        watcher.on('error', () => forget(dir));
        watchers.set(dir, watcher);
      } catch (error) {
        // ENOENT: gone again already.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn('cannot watch the config repo; it syncs at sync.interval', { dir, error: errorMessage(error) });
        return;
      }
    }
    if (dir === gitDir) return;
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return;
    }
    for (const name of entries) add(join(dir, name));
  };

  add(gitDir);
  add(heads);
  return {
    close() {
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
