// One commit of a remote in a fresh repository, fetched by a ref that points at it (a pull
// request's head, a branch) with depth 1. When the ref moved on meanwhile, the commit is asked for
// by its hash, which hosts such as GitHub serve; otherwise it is refused, never another commit.
import type { SimpleGit } from 'simple-git';
import { UserError } from '../../domain/errors.js';
import { git } from './git-client.js';

export async function fetchCommit(dir: string, source: string, ref: string, commit: string): Promise<SimpleGit> {
  await git().init([dir, '--quiet']);
  const repo = git(dir);
  await repo.raw(['fetch', '--quiet', '--depth', '1', '--no-tags', source, ref]);
  if ((await repo.revparse(['FETCH_HEAD'])).trim() === commit) return repo;
  await repo.raw(['fetch', '--quiet', '--depth', '1', '--no-tags', source, commit]).catch(() => undefined);
  const found = (await repo.raw(['rev-parse', '--verify', '--quiet', `${commit}^{commit}`]).catch(() => '')).trim();
  if (found !== commit) throw new UserError(`${ref} of ${source} no longer points at ${commit.slice(0, 12)} and the host does not serve that commit by its hash; a newer push is built instead`);
  return repo;
}
