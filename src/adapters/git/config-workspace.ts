// A working copy of the config repo that the CLI edits: every change is one commit, pushed when
// the repo has a remote. It refuses to work on a dirty or diverged copy, so nothing is lost.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { SETTINGS_FILE } from '../../domain/desired-state.js';
import { UserError, errorMessage } from '../../domain/errors.js';
import type { DeployRecord } from '../../domain/rollback.js';
import { git } from './git-client.js';

export interface FileChange {
  path: string;
  /** New content, or null to delete the file. */
  content: string | null;
}

export interface CommitResult {
  commit: string;
  pushed: boolean;
}

export class ConfigWorkspace {
  private constructor(
    readonly dir: string,
    private readonly repo: SimpleGit,
  ) {}

  static async open(dir: string): Promise<ConfigWorkspace> {
    const absolute = resolve(dir);
    if (!existsSync(join(absolute, SETTINGS_FILE))) {
      throw new UserError(`${absolute} is not an Opus config repo (no ${SETTINGS_FILE})`, [`create one with: opus init ${dir}`, 'or point --config (or OPUS_CONFIG) at your config repo']);
    }
    const repo = git(absolute);
    if (!(await repo.checkIsRepo()) || (await repo.revparse(['--show-toplevel'])).trim() !== absolute) {
      throw new UserError(`${absolute} has an ${SETTINGS_FILE} but is not the top of a git repository`, [`run git init in ${absolute}, or opus init a new one`]);
    }
    return new ConfigWorkspace(absolute, repo);
  }

  /** Makes a new config repo with its first commit. */
  static async init(dir: string, files: FileChange[]): Promise<ConfigWorkspace> {
    const absolute = resolve(dir);
    if (existsSync(join(absolute, SETTINGS_FILE))) throw new UserError(`${absolute} is already an Opus config repo`);
    await mkdir(absolute, { recursive: true });
    const repo = git(absolute);
    if (!(await repo.checkIsRepo()) || (await repo.revparse(['--show-toplevel'])).trim() !== absolute) await repo.init(['--initial-branch=main']);
    const workspace = new ConfigWorkspace(absolute, repo);
    await workspace.commit(files, 'init opus config repo', false);
    return workspace;
  }

  exists(path: string): boolean {
    return existsSync(join(this.dir, path));
  }

  read(path: string): Promise<string> {
    return readFile(join(this.dir, path), 'utf8');
  }

  /**
   * Refuses uncommitted changes; brings the copy up to date with its remote when it is only
   * behind, and refuses when it has diverged.
   */
  async prepare(): Promise<void> {
    const status = await this.repo.status();
    if (!status.isClean()) {
      throw new UserError(`the config repo ${this.dir} has uncommitted changes: ${status.files.map((f) => f.path).join(', ')}`, ['commit or stash them first, then run the command again']);
    }
    const upstream = await this.upstream();
    if (!upstream) return;
    try {
      await this.repo.fetch(upstream.remote);
    } catch (error) {
      throw new UserError(`cannot fetch the config repo's remote: ${errorMessage(error).trim()}`, ['check the network and credentials, or use --no-push to work offline']);
    }
    const ref = `${upstream.remote}/${upstream.branch}`;
    const remoteHasBranch = await this.repo.raw(['rev-parse', '--verify', '--quiet', `refs/remotes/${ref}`]).then((out) => out.trim() !== '', () => false);
    if (!remoteHasBranch) return;
    const [ahead, behind] = (await this.repo.raw(['rev-list', '--left-right', '--count', `HEAD...${ref}`])).trim().split(/\s+/).map(Number);
    if (ahead && behind) {
      throw new UserError(`the config repo has diverged from ${ref} (${ahead} local and ${behind} remote commits)`, ['run git pull --rebase in the config repo, then run the command again']);
    }
    if (behind) await this.repo.merge(['--ff-only', ref]);
  }

  async commit(changes: FileChange[], message: string, push: boolean): Promise<CommitResult> {
    for (const change of changes) {
      const path = join(this.dir, change.path);
      if (change.content === null) await rm(path, { force: true });
      else {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, change.content);
      }
    }
    await this.repo.raw(['add', '--all', '--', ...changes.map((c) => c.path)]);
    await this.repo.raw([...(await this.identity()), 'commit', '--message', message]);
    const commit = (await this.repo.revparse(['HEAD'])).trim();
    const upstream = push ? await this.upstream() : undefined;
    if (!upstream) return { commit, pushed: false };
    try {
      await this.repo.push(upstream.remote, `HEAD:refs/heads/${upstream.branch}`);
    } catch (error) {
      throw new UserError(`committed ${commit.slice(0, 7)} locally, but the push failed: ${errorMessage(error).trim()}`, ['run git push in the config repo when the remote is reachable']);
    }
    return { commit, pushed: true };
  }

  /** The `deploy:` value of a file at each commit that touched it, newest first. */
  async history(path: string, readDeploy: (text: string) => string | undefined): Promise<DeployRecord[]> {
    const log = await this.repo.raw(['log', '--format=%H%x09%s', '--', path]);
    const records: DeployRecord[] = [];
    for (const line of log.split('\n').filter(Boolean)) {
      const [commit = '', subject = ''] = line.split('\t');
      const text = await this.repo.show([`${commit}:${path}`]).catch(() => undefined);
      const deploy = text === undefined ? undefined : readDeploy(text);
      records.push({ commit, subject, ...(deploy === undefined ? {} : { deploy }) });
    }
    return records;
  }

  /** Where this copy pushes: its tracking branch, else the same branch on its first remote. */
  private async upstream(): Promise<{ remote: string; branch: string } | undefined> {
    const remotes = await this.repo.getRemotes();
    if (remotes.length === 0) return undefined;
    const tracking = (await this.repo.raw(['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{u}']).catch(() => '')).trim();
    const slash = tracking.indexOf('/');
    if (slash > 0) return { remote: tracking.slice(0, slash), branch: tracking.slice(slash + 1) };
    const branch = (await this.repo.raw(['symbolic-ref', '--short', 'HEAD'])).trim();
    return { remote: remotes.find((r) => r.name === 'origin')?.name ?? (remotes[0]?.name as string), branch };
  }

  /** Commits as the user when git knows who that is, else as "Opus". */
  private async identity(): Promise<string[]> {
    const name = (await this.repo.getConfig('user.name')).value;
    const email = (await this.repo.getConfig('user.email')).value;
    return [...(name ? [] : ['-c', 'user.name=Opus']), ...(email ? [] : ['-c', 'user.email=opus@localhost'])];
  }
}
