// A working copy of the config repo that the CLI edits: every change is one commit, pushed when
// the repo has a remote. It refuses to work on a dirty or diverged copy, so nothing is lost.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { SimpleGit } from 'simple-git';
import { SETTINGS_FILE, type ConfigFiles } from '../../domain/desired-state.js';
import { PushFailedError, PushRejectedError, UserError, errorMessage } from '../../domain/errors.js';
import { pushRejection } from '../../domain/push-rejection.js';
import type { DeployRecord } from '../../domain/rollback.js';
import type { CommitResult, ConfigRepoWorkspace, FileChange, PushTarget } from '../../ports/config-workspace.js';
import { git } from './git-client.js';
import { readConfigFiles } from './git-config-source.js';

const runGit = promisify(execFile);

export type { CommitResult, FileChange, PushTarget } from '../../ports/config-workspace.js';

export class ConfigWorkspace implements ConfigRepoWorkspace {
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

  /**
   * The top of the git work tree `dir` would land in (its nearest existing ancestor's), when that
   * is not `dir` itself: a config repo there would be nested in another repository and leave it dirty.
   */
  static async enclosingWorkTree(dir: string): Promise<string | undefined> {
    const absolute = resolve(dir);
    let probe = absolute;
    while (!existsSync(probe)) probe = dirname(probe);
    const top = await runGit('git', ['rev-parse', '--show-toplevel'], { cwd: probe }).then((out) => out.stdout.trim(), () => '');
    return top && top !== absolute ? top : undefined;
  }

  exists(path: string): boolean {
    return existsSync(join(this.dir, path));
  }

  read(path: string): Promise<string> {
    return readFile(join(this.dir, path), 'utf8');
  }

  files(): Promise<ConfigFiles> {
    return readConfigFiles(this.dir);
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
      throw new UserError(`cannot fetch the config repo's remote: ${errorMessage(error).trim()}`, ['check the network and credentials, or use --no-push to work offline'], 1);
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
      const rejection = pushRejection(errorMessage(error));
      if (!rejection.refused) throw new PushFailedError(`committed ${commit.slice(0, 7)} locally, but the push to ${upstream.remote}/${upstream.branch} failed: ${rejection.reason}`, ['run git push in the config repo when the remote is reachable'], rejection.reason);
      const hint = rejection.behind ? 'the remote has commits this copy lacks: run git pull --rebase in the config repo, then git push' : 'see why the remote refused it (a hook, branch protection): the commit stays in the config repo';
      throw new PushRejectedError(`committed ${commit.slice(0, 7)} locally, but the push to ${upstream.remote}/${upstream.branch} failed: ${rejection.reason}`, [hint], rejection.behind, rejection.reason);
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

  /** Where this copy pushes, with the remote's URL; undefined when it has no remote. */
  async pushTarget(): Promise<PushTarget | undefined> {
    const upstream = await this.upstream();
    if (!upstream) return undefined;
    const url = (await this.repo.raw(['remote', 'get-url', upstream.remote])).trim();
    return { ...upstream, url };
  }

  /**
   * Commits the changes on a new branch made from HEAD and pushes that branch, without touching
   * the working tree, the index or the checked-out branch: the commit is made in a temporary index.
   * The branch gets a -2, -3… suffix when the wanted name is taken here or on the remote.
   */
  async commitOnBranch(changes: FileChange[], message: string, wanted: string, target: PushTarget): Promise<CommitResult & { branch: string }> {
    const branch = await this.freeBranch(wanted, target.remote);
    const scratch = join(tmpdir(), `opus-pr-${randomUUID()}`);
    await mkdir(scratch, { recursive: true });
    // Plain git with its own index file (simple-git refuses a custom environment).
    const env = { ...process.env, GIT_INDEX_FILE: join(scratch, 'index') };
    const staged = async (args: string[]) => (await runGit('git', args, { cwd: this.dir, env, maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
    let commit: string;
    try {
      await staged(['read-tree', 'HEAD']);
      for (const [i, change] of changes.entries()) {
        if (change.content === null) {
          await staged(['update-index', '--force-remove', '--', change.path]);
          continue;
        }
        await writeFile(join(scratch, `blob-${i}`), change.content);
        const blob = await staged(['hash-object', '-w', '--', join(scratch, `blob-${i}`)]);
        await staged(['update-index', '--add', '--cacheinfo', `100644,${blob},${change.path}`]);
      }
      const tree = await staged(['write-tree']);
      const parent = (await this.repo.revparse(['HEAD'])).trim();
      commit = await staged([...(await this.identity()), 'commit-tree', tree, '-p', parent, '-m', message]);
      await this.repo.raw(['update-ref', `refs/heads/${branch}`, commit, '']);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    try {
      await this.repo.push(target.remote, `refs/heads/${branch}:refs/heads/${branch}`);
    } catch (error) {
      throw new UserError(`committed ${commit.slice(0, 7)} on the branch ${branch}, but pushing it failed: ${errorMessage(error).trim()}`, [`push it with: git push ${target.remote} ${branch}, then open the pull request by hand`], 1);
    }
    return { commit, pushed: true, branch };
  }

  private async freeBranch(wanted: string, remote: string): Promise<string> {
    const taken = async (name: string) => {
      const refs = await this.repo.raw(['for-each-ref', '--format=%(refname)', `refs/heads/${name}`, `refs/remotes/${remote}/${name}`]);
      return refs.trim() !== '';
    };
    for (let n = 1; ; n += 1) {
      const name = n === 1 ? wanted : `${wanted}-${n}`;
      if (!(await taken(name))) return name;
    }
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
