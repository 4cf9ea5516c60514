import { Args, Flags } from '@oclif/core';
import type { EditResult } from '../services/config-edits.js';
import { EditCommand } from '../cli/edit-command.js';
import { configFlag, pushFlag } from '../cli/opus-command.js';
import { prFlags } from '../cli/pr-flags.js';
import { waitFlags } from '../cli/wait-live.js';

export default class Rollback extends EditCommand {
  static override description = `Go back to the previously deployed version, found in the project file's git history, in a new commit.
Rolling back twice goes two deploys back; --to picks any tag.`;
  static override examples = ['<%= config.bin %> rollback site', '<%= config.bin %> rollback site --wait', '<%= config.bin %> rollback site --to 1.0.0', '<%= config.bin %> rollback site --pr'];
  static override args = { name: Args.string({ required: true, description: 'The project' }) };
  static override flags = { config: configFlag, push: pushFlag, ...prFlags, ...waitFlags, to: Flags.string({ description: 'The version to go back to' }) };

  async run(): Promise<EditResult> {
    const { args, flags } = await this.parse(Rollback);
    this.checkWait(flags);
    return this.waitIfAsked(this.report(await (await this.edits(flags.config, flags.push, flags)).rollback(args.name, flags.to)), args.name, flags);
  }
}
