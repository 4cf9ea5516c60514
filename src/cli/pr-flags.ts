import { Flags } from '@oclif/core';
import { FORGE_KINDS } from '../domain/forge.js';
import type { PullRequestSettings } from '../services/pull-request-flow.js';

/** `--pr` and how to reach the forge; shared by add, remove, deploy and rollback. */
export const prFlags = {
  pr: Flags.boolean({
    default: false,
    description: 'Commit on a new branch (opus/<change>), push it and open a pull request into the current branch instead of pushing to it',
  }),
  forge: Flags.string({
    env: 'OPUS_FORGE',
    options: [...FORGE_KINDS],
    description: 'The forge that hosts the config repo (default: github for github.com remotes; needed for any other host)',
  }),
  'forge-api': Flags.string({
    env: 'OPUS_FORGE_API',
    description: 'Base URL of the forge\'s REST API (default: https://api.github.com, or <remote host>/api/v1 for Gitea)',
  }),
  'forge-token': Flags.string({
    description: 'Token for the forge\'s API (default: $GITHUB_TOKEN or $GITEA_TOKEN); never printed',
  }),
};

export interface PrFlagValues {
  pr: boolean;
  forge?: string | undefined;
  'forge-api'?: string | undefined;
  'forge-token'?: string | undefined;
}

export function pullRequestSettings(flags: PrFlagValues): PullRequestSettings | undefined {
  if (!flags.pr) return undefined;
  return {
    ...(flags.forge ? { kind: flags.forge } : {}),
    ...(flags['forge-api'] ? { api: flags['forge-api'] } : {}),
    ...(flags['forge-token'] ? { token: flags['forge-token'] } : {}),
    env: process.env,
  };
}
