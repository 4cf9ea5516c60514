// How the server changes the config repo it syncs, for the dashboard's deploy and rollback: the
// same ConfigEdits the CLI runs. A config repo on this machine is edited in place. One at a git URL
// is edited in the server's own clone under the data dir (never the clone the sync reads): brought
// to the remote's head before each change, committed, pushed; a push refused because the remote
// moved on meanwhile is redone once on the new head, any other refusal is reported as such, and a push
// that never reached the remote says nothing changed (its commit goes with the next fetch).
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { git } from '../adapters/git/git-client.js';
import { PushFailedError, PushRejectedError, UserError, errorMessage } from '../domain/errors.js';
import type { ConfigEdits, EditResult } from '../services/config-edits.js';
import type { PullRequestSettings } from '../services/pull-request-flow.js';
import { openConfigEdits } from './config-repo.js';

/** Runs one change of the config repo; `pr`: as a pull request (the forge token from the environment). */
export type ConfigEditRun = (pr: boolean, change: (edits: ConfigEdits) => Promise<EditResult>) => Promise<EditResult>;

export function configEditRun(config: string, dataDir: string, env: NodeJS.ProcessEnv = process.env): ConfigEditRun {
  const open = (dir: string, pr: boolean) => openConfigEdits(dir, true, pr ? pullRequestSettingsOf(env) : undefined);
  if (existsSync(config)) return async (pr, change) => change(await open(config, pr));
  const clone = join(dataDir, 'state', 'config-edits');
  let last: Promise<unknown> = Promise.resolve();
  // One change at a time: they share the clone.
  return (pr, change) => {
    const run = last.then(async () => {
      for (let attempt = 1; ; attempt += 1) {
        await bringToRemoteHead(config, clone);
        try {
          return await change(await open(clone, pr));
        } catch (error) {
          // The server's clone is no one's to push from later: what did not reach the remote did not happen.
          if (error instanceof PushFailedError) throw new UserError(`cannot push to ${config}, so nothing changed: ${error.reason}`, ['check that this server can reach and push to the config repo (network, credentials), then try again'], 1);
          if (!(error instanceof PushRejectedError)) throw error;
          if (error.behind && attempt === 1) continue;
          throw refused(config, error);
        }
      }
    });
    last = run.catch(() => undefined);
    return run;
  };
}

/** The clone checked out at the remote's default branch as the remote has it now; local leftovers (a commit whose push failed) go. */
async function bringToRemoteHead(url: string, dir: string): Promise<void> {
  try {
    if (!existsSync(join(dir, '.git'))) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dirname(dir), { recursive: true });
      await git().clone(url, dir, ['--no-tags']);
    }
    const repo = git(dir);
    await repo.remote(['set-url', 'origin', url]);
    await repo.fetch(['--force', '--no-tags', '--prune', 'origin']);
    await repo.remote(['set-head', 'origin', '--auto']);
    const head = (await repo.raw(['symbolic-ref', '--short', 'refs/remotes/origin/HEAD'])).trim();
    const branch = head.slice('origin/'.length);
    await repo.raw(['checkout', '--quiet', '--force', '-B', branch, head]);
    await repo.raw(['branch', '--quiet', `--set-upstream-to=${head}`]);
    await repo.clean('fdx');
  } catch (error) {
    throw new UserError(`cannot bring the server's copy of the config repo ${url} up to date: ${errorMessage(error).trim()}`, ['check that this server can fetch the config repo (network, credentials)'], 1);
  }
}

function refused(url: string, error: PushRejectedError): PushRejectedError {
  const why = error.behind ? 'the remote moved on again while the change was redone on its new head' : error.reason;
  const hint = error.behind ? 'someone else is pushing to the config repo: try again' : 'check that this server may push to the config repo\'s branch (credentials, branch protection, hooks)';
  return new PushRejectedError(`${url} refused the push, so nothing changed: ${why}`, [hint], error.behind, error.reason);
}

/** The server's forge settings: what `opus deploy --pr` takes as --forge/--forge-api, from the same variables. */
function pullRequestSettingsOf(env: NodeJS.ProcessEnv): PullRequestSettings {
  const kind = env.OPUS_FORGE === 'github' || env.OPUS_FORGE === 'gitea' ? env.OPUS_FORGE : undefined;
  return { ...(kind ? { kind } : {}), ...(env.OPUS_FORGE_API ? { api: env.OPUS_FORGE_API } : {}), env };
}
