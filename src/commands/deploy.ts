import { Args } from '@oclif/core';
import type { EditResult } from '../services/config-edits.js';
import { EditCommand } from '../cli/edit-command.js';
import { configFlag, pushFlag } from '../cli/opus-command.js';
import { prFlags } from '../cli/pr-flags.js';
import { waitFlags } from '../cli/wait-live.js';

export default class Deploy extends EditCommand {
  static override description = 'Pin the version a project serves (a git tag of its source, or "latest") in one commit.';
  static override examples = [
    '<%= config.bin %> deploy site 1.1.0',
    '<%= config.bin %> deploy site 1.1.0 --wait',
    '<%= config.bin %> deploy site latest --no-push',
    'GITHUB_TOKEN=… <%= config.bin %> deploy site 1.2.0 --pr',
    'GITEA_TOKEN=… <%= config.bin %> deploy site 1.2.0 --pr --forge gitea',
  ];
  static override args = {
    name: Args.string({ required: true, description: 'The project' }),
    version: Args.string({ required: true, description: 'A tag of the source, or "latest" for the newest semver tag' }),
  };
  static override flags = { config: configFlag, push: pushFlag, ...prFlags, ...waitFlags };

  async run(): Promise<EditResult> {
    const { args, flags } = await this.parse(Deploy);
    this.checkWait(flags);
    return this.waitIfAsked(this.report(await (await this.edits(flags.config, flags.push, flags)).deploy(args.name, args.version)), args.name, flags);
  }
}
