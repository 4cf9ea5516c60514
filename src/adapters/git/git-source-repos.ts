import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError, errorMessage } from '../../domain/errors.js';
import { parseLsRemoteTags } from '../../domain/versions.js';
import type { SourceRepos } from '../../ports/git-sources.js';
import { git } from './git-client.js';

export class GitSourceRepos implements SourceRepos {
  async listTags(source: string): Promise<Map<string, string>> {
    try {
      return parseLsRemoteTags(await git().listRemote(['--tags', source]));
    } catch (error) {
      throw new UserError(`cannot read the tags of ${source}: ${firstLine(errorMessage(error))}`, [
        'check the URL or path, and that this machine can reach it with git',
      ]);
    }
  }

  async checkout(source: string, tag: string, dir: string): Promise<string> {
    await git().clone(source, dir, ['--depth', '1', '--branch', tag, '--single-branch', '--no-tags', '-c', 'advice.detachedHead=false']);
    const commit = (await git(dir).revparse(['HEAD'])).trim();
    await rm(join(dir, '.git'), { recursive: true, force: true });
    return commit;
  }

  async checkoutCommit(source: string, ref: string, commit: string, dir: string): Promise<string> {
    await git().init([dir, '--quiet']);
    const repo = git(dir);
    await repo.raw(['fetch', '--quiet', '--depth', '1', '--no-tags', source, ref]);
    let fetched = (await repo.revparse(['FETCH_HEAD'])).trim();
    if (fetched !== commit) {
      // The ref moved on (a newer push): ask for the commit itself, which hosts such as GitHub serve.
      await repo.raw(['fetch', '--quiet', '--depth', '1', '--no-tags', source, commit]).catch(() => undefined);
      fetched = (await repo.raw(['rev-parse', '--verify', '--quiet', `${commit}^{commit}`]).catch(() => '')).trim();
      if (fetched !== commit) throw new UserError(`${ref} of ${source} no longer points at ${commit.slice(0, 12)} and the host does not serve that commit by its hash; a newer push is built instead`);
    }
    await repo.raw(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', commit]);
    await rm(join(dir, '.git'), { recursive: true, force: true });
    return commit;
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n').filter((l) => l.trim() !== '').at(-1) ?? text;
}
