// A config repo on this machine (the embedded one, or --config <path>) is synced the moment a
// commit lands in it, not at the next sync.interval: its refs are watched. The watch only ever
// asks for a sync (which fetches and coalesces), so a flood of events costs one sync after another,
// never more; when watching is impossible the interval still holds.
import { execFile } from 'node:child_process';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { errorMessage } from '../domain/errors.js';
import type { Logger } from '../services/logger.js';

const run = promisify(execFile);
const DEBOUNCE_MS = 150;

export interface ConfigRepoWatch {
  close(): void;
}

/** Watches the refs of a local config repo; undefined for a URL or a path that is not a git repo. */
export async function watchConfigRepo(config: string, onCommit: () => void, logger: Logger): Promise<ConfigRepoWatch | undefined> {
  if (!existsSync(config)) return undefined;
  const gitDir = await run('git', ['rev-parse', '--absolute-git-dir'], { cwd: config }).then((out) => out.stdout.trim(), () => '');
  if (!gitDir) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(onCommit, DEBOUNCE_MS);
  };
  const watchers: FSWatcher[] = [];
  // A commit or push rewrites refs/heads/<branch> (or packed-refs) by rename; HEAD moves with a checkout.
  // Plain (non-recursive) inotify watches: node's recursive watch on Linux is emulated and was seen
  // to miss a rename. A branch with a slash in its name is seen at sync.interval.
  for (const dir of [join(gitDir, 'refs', 'heads'), gitDir]) {
    try {
      const watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (dir !== gitDir || name === 'packed-refs' || name === 'HEAD') changed();
      });
      watcher.on('error', (error) => logger.warn('stopped watching the config repo; it syncs at sync.interval', { dir, error: errorMessage(error) }));
      watchers.push(watcher);
    } catch (error) {
      logger.warn('cannot watch the config repo; it syncs at sync.interval', { dir, error: errorMessage(error) });
    }
  }
  return {
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
