// A config repo on this machine (the embedded one, or --config <path>) is synced the moment a
// commit lands in it, not at the next sync.interval: its refs are watched. The watch only ever
// asks for a sync (which fetches and coalesces), so a flood of events costs one sync after another,
// never more; when watching is impossible the interval still holds.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Logger } from '../services/logger.js';
import { watchRefTree } from './ref-tree-watch.js';

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
  // A commit or push rewrites refs/heads/<branch> (or packed-refs) by rename; HEAD moves with a checkout.
  const refs = watchRefTree(gitDir, changed, logger);
  return {
    close() {
      clearTimeout(timer);
      refs.close();
    },
  };
}
