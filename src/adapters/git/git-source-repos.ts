import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError, errorMessage } from '../../domain/errors.js';
import { sourceProblem } from '../../domain/source-problem.js';
import { parseLsRemoteTags } from '../../domain/versions.js';
import type { SourceRepos } from '../../ports/git-sources.js';
import { fetchCommit } from './fetch-commit.js';
import { git } from './git-client.js';

export class GitSourceRepos implements SourceRepos {
  async listTags(source: string): Promise<Map<string, string>> {
    try {
      return parseLsRemoteTags(await git().listRemote(['--tags', source]));
    } catch (error) {
      throw new UserError(sourceProblem(source, errorMessage(error)), ['check the URL or path, and that this machine can reach it with git (git ls-remote --tags <source>)']);
    }
  }

  async checkout(source: string, tag: string, dir: string): Promise<string> {
    try {
      await git().clone(source, dir, ['--depth', '1', '--branch', tag, '--single-branch', '--no-tags', '-c', 'advice.detachedHead=false']);
    } catch (error) {
      throw checkoutError(source, tag, errorMessage(error));
    }
    const commit = (await git(dir).revparse(['HEAD'])).trim();
    await rm(join(dir, '.git'), { recursive: true, force: true });
    return commit;
  }

  async checkoutCommit(source: string, ref: string, commit: string, dir: string): Promise<string> {
    const repo = await fetchCommit(dir, source, ref, commit);
    await repo.raw(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', commit]);
    await rm(join(dir, '.git'), { recursive: true, force: true });
    return commit;
  }
}

/** git's stderr starts with "Cloning into '<tmp dir>'…": what matters is which tag, and why. */
export function checkoutError(source: string, tag: string, stderr: string): UserError {
  if (/Remote branch .* not found|Could not find remote branch/i.test(stderr)) {
    return new UserError(`the tag ${tag} does not exist in ${source}`, [`push it (git push origin ${tag}), or set deploy to a tag that exists (opus status lists them)`]);
  }
  const fatal = stderr.split('\n').find((l) => /^fatal:/.test(l.trim()))?.trim().replace(/^fatal:\s*/, '');
  return new UserError(`cannot check out ${tag} of ${source}: ${fatal ?? firstLine(stderr)}`, ['check the URL or path, and that this machine can reach it with git']);
}

function firstLine(text: string): string {
  return text.trim().split('\n').filter((l) => l.trim() !== '').at(-1) ?? text;
}
