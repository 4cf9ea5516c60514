// The config repo's files at a pull request's head, fetched by a ref that points at it
// (refs/pull/<n>/head…) into a throwaway repository, read from git's objects (no checkout).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECTS_DIR, SETTINGS_FILE, type ConfigFiles } from '../../domain/desired-state.js';
import type { ConfigAtRef } from '../../ports/previews.js';
import { fetchCommit } from './fetch-commit.js';

export class GitConfigAtRef implements ConfigAtRef {
  constructor(private readonly remote: string) {}

  async read(ref: string, commit: string): Promise<ConfigFiles> {
    const dir = await mkdtemp(join(tmpdir(), 'opus-config-pr-'));
    try {
      const repo = await fetchCommit(dir, this.remote, ref, commit);
      const names = (await repo.raw(['ls-tree', '-r', '--name-only', commit, '--', SETTINGS_FILE, `${PROJECTS_DIR}/`])).split('\n').filter(Boolean);
      const files = await Promise.all(names.map(async (path) => ({ path, text: await repo.raw(['cat-file', 'blob', `${commit}:${path}`]) })));
      const settings = files.find((f) => f.path === SETTINGS_FILE);
      // Only files directly in projects/, as the server's own clone reads them.
      const projectFiles = files.filter((f) => f.path.startsWith(`${PROJECTS_DIR}/`) && !f.path.slice(PROJECTS_DIR.length + 1).includes('/') && !f.path.slice(PROJECTS_DIR.length + 1).startsWith('.'));
      return { ...(settings ? { settingsText: settings.text } : {}), projectFiles };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
