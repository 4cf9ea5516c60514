import { Args } from '@oclif/core';
import type { EditResult } from '../services/config-edits.js';
import { EditCommand } from '../cli/edit-command.js';
import { configFlag, pushFlag } from '../cli/opus-command.js';
import { prFlags } from '../cli/pr-flags.js';

export default class Remove extends EditCommand {
  static override description = 'Remove a project: deletes its file in one commit; the server stops serving it at the next sync and deletes its built versions. Also: opus delete.';
  static override hiddenAliases = ['delete'];
  static override examples = ['<%= config.bin %> remove site', '<%= config.bin %> delete site', '<%= config.bin %> remove site --pr'];
  static override args = { name: Args.string({ required: true, description: 'The project' }) };
  static override flags = { config: configFlag, push: pushFlag, ...prFlags };

  async run(): Promise<EditResult> {
    const { args, flags } = await this.parse(Remove);
    return this.report(await (await this.edits(flags.config, flags.push, flags)).remove(args.name));
  }
}
