import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PROJECTS_DIR, SETTINGS_FILE, type ConfigFiles } from '../../domain/desired-state.js';
import type { ConfigSnapshot, ConfigSource } from '../../ports/git-sources.js';
import { git } from './git-client.js';

/**
 * The server's private clone of the config repo. It reads only what is committed on the remote's
 * HEAD, never a working tree someone is editing.
 */
export class GitConfigSource implements ConfigSource {
  constructor(
    private readonly remote: string,
    private readonly checkoutDir: string,
  ) {}

  async fetch(): Promise<ConfigSnapshot> {
    if (!existsSync(join(this.checkoutDir, '.git'))) {
      await rm(this.checkoutDir, { recursive: true, force: true });
      await mkdir(dirname(this.checkoutDir), { recursive: true });
      await git().clone(this.remote, this.checkoutDir, ['--no-tags']);
    } else {
      const repo = git(this.checkoutDir);
      await repo.fetch(['--force', '--no-tags', 'origin', 'HEAD']);
      await repo.reset(['--hard', 'FETCH_HEAD']);
      await repo.clean('fdx');
    }
    const [commit = '', subject = ''] = (await git(this.checkoutDir).raw(['log', '-1', '--format=%H%n%s'])).split('\n');
    return { commit, subject, ...(await readConfigFiles(this.checkoutDir)) };
  }
}

/** The config files of a config repo directory, as text. */
export async function readConfigFiles(dir: string): Promise<ConfigFiles> {
  const settingsPath = join(dir, SETTINGS_FILE);
  const settingsText = existsSync(settingsPath) ? await readFile(settingsPath, 'utf8') : undefined;
  const projectsDir = join(dir, PROJECTS_DIR);
  const names = existsSync(projectsDir) ? (await readdir(projectsDir, { withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith('.')) : [];
  const projectFiles = await Promise.all(
    names.map(async (e) => ({ path: `${PROJECTS_DIR}/${e.name}`, text: await readFile(join(projectsDir, e.name), 'utf8') })),
  );
  return { ...(settingsText === undefined ? {} : { settingsText }), projectFiles };
}
